import type { Results } from '../results/types.js';
import type { Distribution, RepeatSummary } from './repeat.js';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The terminal summary printed after a run: the verdict first, then the figures behind it. */
export function formatSummary(r: Results, dir: string): string {
  const w = r.analysis.writes;
  const rd = r.analysis.reads;
  const longest = (ws: { duration_ms: number }[]) => (ws.length ? Math.max(...ws.map((x) => x.duration_ms)) : 0);
  const rows: Array<[string, string]> = [
    ['experiment', r.experiment],
    ['verdict', r.verdict.toUpperCase() + (r.error ? ` (${r.error})` : '')],
    ['write outage', w.windows.length ? `${w.windows.map((x) => s(x.duration_ms)).join(', ')} (resolution ${w.resolution_ms.toFixed(0)} ms)` : 'none'],
    ['read outage', rd.windows.length ? rd.windows.map((x) => s(x.duration_ms)).join(', ') : 'none'],
    ['writes', `${w.attempts} attempted, ${w.acknowledged} acknowledged, ${w.failed} failed, ${w.indeterminate} indeterminate (${w.recovered} landed)`],
    ['lost', w.accounted ? `${w.lost} acknowledged writes lost; ${w.unexpected} unexpected rows; ${w.duplicates} duplicates` : 'not accounted (no final read)'],
    ['ID gaps', r.analysis.id_gaps.length ? r.analysis.id_gaps.map((g) => `${g.size} (${g.cause})`).join(', ') : 'none'],
    ['leader changes', String(r.analysis.leader_changes.length)],
    ['split brain', r.analysis.split_brain_ms > 0 ? s(r.analysis.split_brain_ms) : 'none'],
    ...r.analysis.faults.filter((f) => f.predicted).map((f): [string, string] => [`predicted (${f.fault})`, `${s(f.observed_ms)} observed vs [${s(f.predicted!.lo_ms)}, ${s(f.predicted!.hi_ms)}]${f.finding ? ` (${f.finding})` : ''}`]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (r.assertions.length) {
    lines.push('', 'assertions:');
    for (const a of r.assertions) lines.push(`  ${a.passed ? 'PASS' : 'FAIL'}  ${a.name}: ${a.observed} (expected ${a.expected})`);
  }
  lines.push('', `results: ${dir}/results.json`);
  return lines.join('\n');
}

/** The terminal summary of a repeated drill: verdict counts, then each distribution. */
export function formatRepeatSummary(summary: RepeatSummary, dir: string): string {
  const dist = (d: Distribution) => `min ${s(d.min)}, median ${s(d.median)}, p95 ${s(d.p95)}, max ${s(d.max)} (n ${d.n})`;
  const rows: Array<[string, string]> = [
    ['experiment', `${summary.experiment} × ${summary.repeat}`],
    ['verdicts', `${summary.verdicts.pass} pass, ${summary.verdicts.fail} fail, ${summary.verdicts.error} error${summary.flaky ? `: FLAKY (differing: ${summary.differing.join(', ')})` : ''}`],
    ['write outage', summary.write_outage_ms ? dist(summary.write_outage_ms) : 'not measured'],
    ...Object.entries(summary.phases_ms).map(([name, d]): [string, string] => [`  ${name}`, dist(d)]),
    ['lost', `${summary.lost_writes} acknowledged writes lost in all runs`],
    ['time', `runs' own ${s(summary.drill_ms)}, wall ${summary.wall_ms === null ? 'not measured' : s(summary.wall_ms)}${summary.wall_ratio === null ? '' : ` (× ${summary.wall_ratio.toFixed(2)})`}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), '', `summary: ${dir}/summary.json`].join('\n');
}

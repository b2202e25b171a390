/**
 * How far the measurements can be trusted: for each run, every write window against the server's
 * own gap in commits, the tool's promotion instant against PostgreSQL's log line, and each fault's
 * observed outage against its predicted [lo, hi]. Runs the drills (on a fresh cluster each) or
 * re-reads recorded run folders.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { analyse } from '../analysis/index.js';
import type { Analysis } from '../analysis/types.js';
import { createDriver } from '../cluster/index.js';
import { loadExperiment } from '../experiment/load.js';
import { runExperiment } from '../experiment/runner.js';
import { readRecordedRun } from '../history/store.js';

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(3)} s`);
const ms = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} ms`;

export interface AccuracyFigures {
  windows: Array<{ duration_ms: number; server_gap_ms: number | null; diff_ms: number | null; resolution_ms: number; ok: boolean | null }>;
  promotions: Array<{ node: string; diff_ms: number | null; ok: boolean | null }>;
  faults: Array<{
    fault: string;
    scenario: string;
    observed_ms: number;
    lo_ms: number | null;
    hi_ms: number | null;
    within: boolean | null;
    width_ok: boolean | null;
    /** How long before the injection began writes were already failing (a stall of the machine, not the fault's doing). */
    out_before_ms: number;
    effect: string;
    phases: string;
  }>;
  /** Widest unsampled gap at an edge of the write windows, and the sampling interval of all writers together. */
  edges: { worst_ms: number | null; median_ms: number | null };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : null);

/** The acceptance figures of one analysed run. */
export function accuracy(a: Analysis): AccuracyFigures {
  return {
    windows: a.writes.windows.map((w) => {
      const diff = w.server_gap_ms === undefined ? null : w.duration_ms - w.server_gap_ms;
      return { duration_ms: w.duration_ms, server_gap_ms: w.server_gap_ms ?? null, diff_ms: diff, resolution_ms: w.resolution_ms, ok: diff === null ? null : Math.abs(diff) <= w.resolution_ms + 10 };
    }),
    promotions: a.promotions.map((p) => {
      const diff = p.log_ms === undefined ? null : p.t_ms - p.log_ms;
      return { node: p.node, diff_ms: diff, ok: diff === null ? null : Math.abs(diff) <= 100 };
    }),
    // A fault whose outage went to a combination is judged in the combination's entry.
    faults: a.faults.filter((f) => !f.explained_by).map((f) => {
      const iv = f.predicted;
      const mid = iv ? (iv.lo_ms + iv.hi_ms) / 2 : 0;
      const starts = f.windows.map((i) => a.writes.windows[i]!.start_ms);
      return {
        fault: f.fault,
        scenario: f.scenario,
        out_before_ms: starts.length ? Math.max(0, f.injected_ms - Math.min(...starts)) : 0,
        observed_ms: f.observed_ms,
        lo_ms: iv?.lo_ms ?? null,
        hi_ms: iv?.hi_ms ?? null,
        within: f.within,
        width_ok: iv ? iv.hi_ms - iv.lo_ms <= Math.max(2000, 0.25 * mid) : null,
        effect: `injected ${s(f.injected_ms)}, took effect ${s(f.effective_ms)} (${f.effective_source}), healed ${s(f.healed_ms)}`,
        phases: f.phases.map((p) => `${p.name} ${s(p.observed_ms)} in [${s(p.lo_ms)}, ${s(p.hi_ms)}]${p.within === false ? ' OUTSIDE' : ''}`).join('; '),
      };
    }),
    edges: (() => {
      const gaps = a.writes.windows.flatMap((w) => [w.start_resolution_ms, w.end_resolution_ms]);
      return { worst_ms: gaps.length ? Math.max(...gaps) : null, median_ms: median(gaps) };
    })(),
  };
}

/** One line per run and fault: the acceptance figures side by side. */
function table(rows: Array<{ name: string; f: AccuracyFigures }>): void {
  console.log('\n| run | fault | observed | predicted [lo, hi] | within | width ≤ max(2 s, 25% mid) | out before injection | windows vs server gap (diff / resolution) | promotion − log | edge gap median / worst |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, f } of rows) {
    const windows = f.windows.map((w) => (w.diff_ms === null ? `— / ${w.resolution_ms} ms` : `${ms(w.diff_ms)} / ${w.resolution_ms} ms ${w.ok ? 'OK' : 'MISMATCH'}`)).join('; ');
    const promotions = f.promotions.map((p) => (p.diff_ms === null ? '—' : `${ms(p.diff_ms)} ${p.ok ? 'OK' : 'MISMATCH'}`)).join('; ') || '—';
    const edges = `${f.edges.median_ms ?? '—'} / ${f.edges.worst_ms ?? '—'} ms`;
    for (const x of f.faults) {
      const within = x.within === null ? 'no model' : x.within ? 'yes' : 'NO';
      const width = x.width_ok === null ? '—' : x.width_ok ? 'yes' : `no (${s((x.hi_ms ?? 0) - (x.lo_ms ?? 0))})`;
      const before = x.out_before_ms > 0 ? s(x.out_before_ms) : '—';
      console.log(`| ${name} | ${x.scenario} | ${s(x.observed_ms)} | [${s(x.lo_ms)}, ${s(x.hi_ms)}] | ${within} | ${width} | ${before} | ${windows} | ${promotions} | ${edges} |`);
    }
  }
}

function print(name: string, f: AccuracyFigures): void {
  console.log(`\n== ${name}`);
  for (const w of f.windows) {
    console.log(`  window ${s(w.duration_ms)}  server gap ${s(w.server_gap_ms)}  diff ${w.diff_ms === null ? '—' : ms(w.diff_ms)}  resolution ${w.resolution_ms} ms  ${w.ok === null ? '' : w.ok ? 'OK' : 'MISMATCH'}`);
  }
  for (const p of f.promotions) console.log(`  promotion ${p.node}: observers − log ${p.diff_ms === null ? '— (no log line)' : ms(p.diff_ms)}  ${p.ok === null ? '' : p.ok ? 'OK' : 'MISMATCH'}`);
  for (const x of f.faults) {
    console.log(`  ${x.fault}: observed ${s(x.observed_ms)} predicted [${s(x.lo_ms)}, ${s(x.hi_ms)}] ${x.within === null ? 'no model' : x.within ? 'within' : 'OUTSIDE'}${x.width_ok === false ? ' (interval too wide)' : ''}`);
    console.log(`    ${x.effect}`);
    if (x.phases) console.log(`    phases after the effect: ${x.phases}`);
  }
}

/** Re-analyses a recorded run folder with its node logs. */
export async function analyseFolder(dir: string): Promise<Analysis> {
  return analyse(await readRecordedRun(dir));
}

export async function benchAccuracy(names: string[], opts: { from?: string[]; out: string; writers: number; rate: number }): Promise<void> {
  if (opts.from?.length) {
    const rows: Array<{ name: string; f: AccuracyFigures }> = [];
    for (const dir of opts.from) {
      if (!existsSync(path.join(dir, 'results.json'))) {
        console.error(`${dir}: no results.json (a run still going, or one that failed to start), left out`);
        continue;
      }
      const f = accuracy(await analyseFolder(dir));
      print(path.basename(dir), f);
      rows.push({ name: path.basename(dir), f });
    }
    table(rows);
    return;
  }
  for (const name of names) {
    const exp = await loadExperiment(name);
    // Staggered writers: together one attempt every 1000 / (rate × count) ms, so the outage edges are that fine.
    exp.load.writers = { count: opts.writers, rate: opts.rate };
    const outDir = path.resolve(opts.out, `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${name}`);
    const driver = await createDriver('local');
    const results = await runExperiment(exp, { driver, outDir, progress: (m) => console.error(`[${name}] ${m}`) });
    console.log(`${name}: verdict ${results.verdict}${results.error ? ` (${results.error})` : ''}, folder ${outDir}`);
    print(name, accuracy(await analyseFolder(outDir)));
  }
}

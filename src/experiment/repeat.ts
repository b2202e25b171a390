import { longestWindow } from '../analysis/summary.js';
import type { Results, Verdict } from '../results/types.js';

/**
 * One run of a drill is an anecdote: a repeated drill is summarised as distributions (the write
 * outage and each phase of the outage), verdict counts and the total of lost writes, and is called
 * flaky when its verdicts differ between repeats.
 */

export interface Distribution {
  n: number;
  min: number;
  median: number;
  /** Nearest-rank 95th percentile: with few runs it is the largest, which is the honest answer. */
  p95: number;
  max: number;
}

export interface RepeatRun {
  /** The run's folder, relative to the repeat folder. */
  folder: string;
  verdict: Verdict;
  write_outage_ms: number | null;
  phases_ms: Record<string, number>;
  lost: number | null;
  /** The run's own duration as results.json records it: from t = 0 (recording starts) to its end. */
  duration_ms: number;
  error?: string;
}

export interface RepeatSummary {
  experiment: string;
  repeat: number;
  runs: RepeatRun[];
  verdicts: Record<Verdict, number>;
  flaky: boolean;
  /** Folders of the runs whose verdict is not the most common one. */
  differing: string[];
  write_outage_ms: Distribution | null;
  phases_ms: Record<string, Distribution>;
  /** Acknowledged writes lost over every run that could account for its writes. */
  lost_writes: number;
  /** The runs' own durations added up, and the wall time the drill took with its cluster and reports. */
  drill_ms: number;
  wall_ms: number | null;
  /** wall_ms / drill_ms: what sharing the cluster and rendering cost on top of the drills themselves. */
  wall_ratio: number | null;
}

export const SUMMARY_FILE = 'summary.json';

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { n: s.length, min: s[0]!, median, p95: s[Math.ceil(0.95 * s.length) - 1]!, max: s[s.length - 1]! };
}

/**
 * Each phase's instant, counted from the moment the fault took effect, as the fault model observed it
 * for the fault that explains the longest write outage.
 */
export function phaseDurations(results: Results): Record<string, number> {
  const fault = results.analysis.faults.reduce<(typeof results.analysis.faults)[number] | null>((best, f) => (!best || f.observed_ms > best.observed_ms ? f : best), null);
  const out: Record<string, number> = {};
  for (const p of fault?.phases ?? []) if (p.observed_ms !== null) out[p.name] = p.observed_ms;
  return out;
}

function longestOutage(results: Results): number | null {
  if (results.verdict === 'error' && results.analysis.writes.attempts === 0) return null;
  return longestWindow(results.analysis.writes.windows)?.duration_ms ?? 0;
}

export function repeatRun(folder: string, results: Results): RepeatRun {
  const w = results.analysis.writes;
  return {
    folder,
    verdict: results.verdict,
    write_outage_ms: longestOutage(results),
    phases_ms: phaseDurations(results),
    lost: w.accounted ? w.lost : null,
    duration_ms: results.duration_ms,
    ...(results.error ? { error: results.error } : {}),
  };
}

/** wall / drill, or null when there is nothing to divide by. */
export const wallRatio = (wall_ms: number | null, drill_ms: number): number | null => (wall_ms !== null && drill_ms > 0 ? wall_ms / drill_ms : null);

export function summariseRepeats(experiment: string, runs: readonly RepeatRun[], wall_ms: number | null = null): RepeatSummary {
  const verdicts: Record<Verdict, number> = { pass: 0, fail: 0, error: 0 };
  for (const r of runs) verdicts[r.verdict]++;
  const usual = (Object.entries(verdicts) as Array<[Verdict, number]>).reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const drill_ms = runs.reduce((sum, r) => sum + r.duration_ms, 0);
  const phaseNames = [...new Set(runs.flatMap((r) => Object.keys(r.phases_ms)))];
  const phases_ms: Record<string, Distribution> = {};
  for (const name of phaseNames) {
    const d = distribution(runs.flatMap((r) => (name in r.phases_ms ? [r.phases_ms[name]!] : [])));
    if (d) phases_ms[name] = d;
  }
  return {
    experiment,
    repeat: runs.length,
    runs: [...runs],
    verdicts,
    flaky: Object.values(verdicts).filter((n) => n > 0).length > 1,
    differing: runs.filter((r) => r.verdict !== usual).map((r) => r.folder),
    write_outage_ms: distribution(runs.flatMap((r) => (r.write_outage_ms === null ? [] : [r.write_outage_ms]))),
    phases_ms,
    lost_writes: runs.reduce((sum, r) => sum + (r.lost ?? 0), 0),
    drill_ms,
    wall_ms,
    wall_ratio: wallRatio(wall_ms, drill_ms),
  };
}

import type { Analysis, Window } from './types.js';

/** The few figures a report headline, a suite table or an assertion needs. */
export interface AnalysisSummary {
  longest_write_window: Window | null;
  longest_read_window: Window | null;
  write_unavailable_ms: number;
  read_unavailable_ms: number;
  acknowledged: number;
  lost: number;
  recovered: number;
  accounted: boolean;
  split_brain_ms: number;
  split_brain: boolean;
  leader_changes: number;
  unexplained_gaps: number;
  predictions_exceeded: number;
}

export function longestWindow(windows: readonly Window[]): Window | null {
  let best: Window | null = null;
  for (const w of windows) if (!best || w.duration_ms > best.duration_ms) best = w;
  return best;
}

export function summarise(a: Analysis): AnalysisSummary {
  return {
    longest_write_window: longestWindow(a.writes.windows),
    longest_read_window: longestWindow(a.reads.windows),
    write_unavailable_ms: a.writes.total_unavailable_ms,
    read_unavailable_ms: a.reads.total_unavailable_ms,
    acknowledged: a.writes.acknowledged,
    lost: a.writes.lost,
    recovered: a.writes.recovered,
    accounted: a.writes.accounted,
    split_brain_ms: a.split_brain_ms,
    split_brain: a.split_brain.length > 0,
    leader_changes: a.leader_changes.length,
    unexplained_gaps: a.id_gaps.filter((g) => g.cause === 'unexplained').length,
    predictions_exceeded: a.faults.filter((f) => f.within === false).length,
  };
}

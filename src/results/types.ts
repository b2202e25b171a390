import type { Analysis } from '../analysis/types.js';
import type { ClusterSettingsSnapshot, EventRecord, RunMeta } from '../history/types.js';

export type Verdict = 'pass' | 'fail' | 'error';

export interface AssertionResult {
  name: string;
  passed: boolean;
  /** What the run measured, as a readable value ("12.4 s", "0", "true"). */
  observed: string;
  /** What the experiment file required ("<= 30 s", "0", "true"). */
  expected: string;
}

/** A `patronictl list`-like row. */
export interface MemberRow {
  name: string;
  host: string;
  role: string;
  state: string;
  timeline: number | null;
  lag: number | null;
}

/** results.json: the whole outcome of one experiment run. Reports and grades render only this. */
export interface Results {
  /** See src/results/schema.ts: the one schema and reader of this file. */
  schema_version: 2;
  experiment: string;
  description: string;
  verdict: Verdict;
  /** Why the run ended in error, when verdict = error. */
  error?: string;
  driver: RunMeta['driver'];
  started_at: string;
  /** Wall-clock time of t = 0, to line every *_ms figure up with server logs. */
  t0_wall?: string;
  duration_ms: number;
  versions: RunMeta['versions'];
  topology: RunMeta['topology'];
  config: ClusterSettingsSnapshot;
  /** The experiment's timeline as it ran: faults injected and healed, waits. */
  events: EventRecord[];
  members_before: MemberRow[];
  members_after: MemberRow[];
  analysis: Analysis;
  assertions: AssertionResult[];
  /** File names, relative to results.json, of the raw records. */
  files: { history: string; final_read: string; meta: string };
}

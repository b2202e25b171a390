/** What analysis derives from a RecordedRun. Every figure is in milliseconds since the run started. */

export interface Window {
  start_ms: number;
  end_ms: number;
  duration_ms: number;
  /**
   * Uncertainty of the edges: the window started somewhere between the last success and the first
   * failure, and ended between the last failure and the first success; this is the wider of the two gaps.
   */
  resolution_ms: number;
  /** Operations that failed or were indeterminate inside the window. */
  failed_ops: number;
  /** Workers that saw the outage (several writers' overlapping windows are merged into one). */
  workers: string[];
}

export interface Availability {
  windows: Window[];
  /** The measurement's time resolution: the largest gap between consecutive operations of a worker. */
  resolution_ms: number;
  attempts: number;
  ok: number;
  failed: number;
  indeterminate: number;
  total_unavailable_ms: number;
}

export interface WriteAccounting extends Availability {
  acknowledged: number;
  /** Acknowledged but absent from the final read: the only data loss. */
  lost: number;
  lost_keys: string[];
  /** Indeterminate writes that are present in the final read. */
  recovered: number;
  /** Indeterminate writes that are absent (they never committed: not a loss). */
  indeterminate_absent: number;
  /** Rows present whose key was never attempted. */
  unexpected: number;
  /** Keys or ids present more than once. */
  duplicates: number;
  /** Failed (definite) writes that are present anyway: a client was told no but the row is there. */
  failed_present: number;
  /** Final read missing: data accounting could not be done. */
  accounted: boolean;
}

export type GapCause = 'failed_attempts' | 'sequence_prelog' | 'unexplained';

export interface IdGap {
  /** Last present id before the gap and first present id after it. */
  after_id: number;
  before_id: number;
  /** Number of missing ids. */
  size: number;
  cause: GapCause;
  /** Plain-words explanation, e.g. "3 writes failed or were indeterminate between these rows". */
  explanation: string;
  /** Approximate time of the gap (ms), when the surrounding rows' writes were seen. */
  t_ms?: number;
}

export interface LeaderChange {
  t_ms: number;
  from: string | null;
  to: string | null;
  timeline?: number;
}

export interface SplitBrainInterval {
  start_ms: number;
  end_ms: number;
  duration_ms: number;
  /** Nodes that answered pg_is_in_recovery() = false at the same time. */
  nodes: string[];
}

/** The phases of one write outage, as times (ms) when each was first seen; null if not seen. */
export interface OutagePhases {
  window: Window;
  fault_injected_ms: number | null;
  leader_key_lost_ms: number | null;
  new_leader_promoted_ms: number | null;
  haproxy_routes_ms: number | null;
  first_ack_ms: number | null;
}

export interface Prediction {
  /** Fault kind the bound is for, e.g. 'kill' on the leader. */
  fault: string;
  /** Upper bound of the write outage the live configuration predicts, ms; 0 = no outage expected. */
  bound_ms: number;
  /** Human-readable formula with the values used, e.g. "ttl 20 s + loop_wait 2 s + rise 1 × inter 0.5 s". */
  formula: string;
  /** Longest observed write window, ms. */
  observed_ms: number;
  within: boolean;
  /** The fault's id in the experiment file, so an assertion can name the prediction it checks. */
  id?: string;
  /** When the fault was injected (or the switchover began), ms. */
  t_ms?: number;
}

export interface ErrorGroup {
  op: 'write' | 'read';
  class: string;
  sqlstate?: string;
  count: number;
  /** One sample message. */
  example: string;
}

export interface Analysis {
  writes: WriteAccounting;
  reads: Availability;
  id_gaps: IdGap[];
  leader_changes: LeaderChange[];
  timelines: Array<{ t_ms: number; timeline: number; node: string }>;
  split_brain: SplitBrainInterval[];
  split_brain_ms: number;
  outages: OutagePhases[];
  predictions: Prediction[];
  errors: ErrorGroup[];
}

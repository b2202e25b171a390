/** What analysis derives from a RecordedRun. Every figure is in milliseconds since the run started. */
import type { LogEvent } from './logs.js';
import type { Interval, PhaseName, Scenario, Term } from './model.js';

export interface Window {
  start_ms: number;
  end_ms: number;
  duration_ms: number;
  /**
   * Uncertainty of the edges: the window started somewhere between the last success and the first
   * failure, and ended between the last failure and the first success; this is the wider of the two gaps.
   */
  resolution_ms: number;
  /** Largest unsampled gap at each edge: last success → first failure, last failure → first success. */
  start_resolution_ms: number;
  end_resolution_ms: number;
  /**
   * The server's own account (writes only): the gap between consecutive commits (written_at, on the
   * history's axis) that covers this window; absent without a final read with commit times.
   */
  server_gap_ms?: number;
  server_gap_start_ms?: number;
  server_gap_end_ms?: number;
  /** Operations that failed or were indeterminate inside the window. */
  failed_ops: number;
  /** Workers that saw the outage (several writers' overlapping windows are merged into one). */
  workers: string[];
}

export interface Availability {
  windows: Window[];
  /** The measurement's time resolution: the largest unsampled gap at any window's edge (the load interval without windows). */
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

/** One phase of a fault's write outage: when it was seen and when the model expected it, ms after the fault took effect. */
export interface PhaseResult {
  name: PhaseName;
  observed_ms: number | null;
  lo_ms: number;
  hi_ms: number;
  terms: Term[];
  /** lo <= observed <= hi (within the window's resolution); null when the phase was not seen. */
  within: boolean | null;
}

/** One injected fault (or switchover) as the fault model sees it. */
export interface FaultResult {
  /** The fault's id in the experiment file, so an assertion can name it. */
  id?: string;
  step: number;
  /** "stop leader (patroni2)" */
  fault: string;
  kind: string;
  target: string;
  nodes: string[];
  roles: string[];
  scenario: Scenario;
  /** Whether the model expects writes to stop; null without a model. */
  disrupts: boolean | null;
  injected_ms: number;
  /** When the component actually went down (see the model's rule for this fault). */
  effective_ms: number;
  effective_source: 'inject_end' | 'inject_begin' | 'log';
  healed_ms: number | null;
  /** The write outage's duration the live settings predict, with its terms; null without a model. */
  predicted: Interval | null;
  /** Set when the fault took effect while another was in effect and the pair has its own prediction. */
  combined_with?: { id?: string; fault: string; scenario: Scenario; story: string };
  /**
   * Set when another fault is judged for this one's outage (within is null): the fault combined with
   * this one took the window, or an earlier fault had already taken the same leader out of the race.
   */
  explained_by?: { id?: string; fault: string };
  /** Longest write window this fault explains, ms (0: none). */
  observed_ms: number;
  /** Indices into writes.windows of the windows this fault explains. */
  windows: number[];
  /** lo <= observed <= hi, within the window's resolution; null without a model. */
  within: boolean | null;
  /** faster: below lo (the model or the clock is wrong); slower: above hi; no_model: the table has no entry. */
  finding?: 'faster' | 'slower' | 'no_model';
  phases: PhaseResult[];
}

/** A promotion as PostgreSQL answered it directly (pg_is_in_recovery() true → false). */
export interface PromotionSeen {
  node: string;
  /** Midpoint of the two polls, and half their gap. */
  t_ms: number;
  resolution_ms: number;
  /** The matching log line's instant ("archive recovery complete"), when the node's log was collected. */
  log_ms?: number;
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
  /** Every injected fault with its model, prediction and observation. */
  faults: FaultResult[];
  promotions: PromotionSeen[];
  /** Key events of the node logs on the history's axis (empty without logs/). */
  log_events: LogEvent[];
  errors: ErrorGroup[];
}

/**
 * The recorded run: everything the load generators and observers saw, as one ordered history.
 * Times are monotonic milliseconds since the run started (`RunMeta.started_at` anchors them to the
 * wall clock). Analysis reads nothing else, so any run can be re-analysed from its files.
 */

import type { ClusterDriver, KeepalivedSettings } from '../cluster/types.js';

/** ok = acknowledged; failed = a definite error; indeterminate = sent but never answered. */
export type Outcome = 'ok' | 'failed' | 'indeterminate';

/** Which HAProxy port (or direct node connection) a client used. */
export type Port = 'write' | 'read' | 'direct';

export interface ClientError {
  /** Coarse class: connect_refused, connect_timeout, timeout, connection_lost, read_only, sql, other. */
  class: string;
  sqlstate?: string;
  message: string;
}

export interface OperationRecord {
  type: 'op';
  /** e.g. "writer-1", "reader-2", "rw-reader-1" */
  worker: string;
  op: 'write' | 'read';
  port: Port;
  start_ms: number;
  end_ms: number;
  outcome: Outcome;
  /** Client-generated unique key of a write, so an indeterminate write can be found in the table later. */
  key?: string;
  /** Write: the id the INSERT returned. Read: the highest id the read saw. */
  id?: number;
  /** Cluster member that served the operation (resolved from inet_server_addr()). */
  node?: string;
  in_recovery?: boolean;
  error?: ClientError;
}

/** One poll of a member's Patroni REST API (GET /patroni). */
export interface PatroniObservation {
  type: 'patroni';
  t_ms: number;
  node: string;
  reachable: boolean;
  /** Normalised: 'primary' | 'replica' | 'standby_leader' | other strings Patroni reports. */
  role?: string;
  state?: string;
  timeline?: number;
  /** Replication lag in bytes, when the member is a replica and Patroni reports it. */
  lag?: number;
  /** Holder of the leader key as this member sees it (from GET /cluster), if it answered. */
  leader?: string;
}

/** One HAProxy backend server's state, as HAProxy's stats CSV reports it. */
export interface HaproxyObservation {
  type: 'haproxy';
  t_ms: number;
  haproxy: string;
  reachable: boolean;
  /** Backend (listen section) name: 'primary' or 'replicas'. */
  backend?: string;
  server?: string;
  /** 'UP' | 'DOWN' | 'MAINT' | 'no check' | ... as HAProxy says. */
  status?: string;
}

/** pg_is_in_recovery() asked directly of one PostgreSQL, bypassing HAProxy and Patroni. */
export interface RecoveryObservation {
  type: 'recovery';
  t_ms: number;
  node: string;
  reachable: boolean;
  in_recovery?: boolean;
  timeline?: number;
}

export type StepAction = 'inject' | 'heal' | 'wait' | 'sleep' | 'switchover' | 'config';

/** The experiment's own actions: a fault injected or healed, a wait begun or satisfied. */
export interface EventRecord {
  type: 'event';
  t_ms: number;
  /** 'begin' when the action starts, 'end' when it returned or its condition held, 'error' if it failed. */
  phase: 'begin' | 'end' | 'error';
  action: StepAction;
  /** Index of the step in the experiment's timeline. */
  step: number;
  /** Fault kind for inject/heal, e.g. 'stop', 'kill', 'kill-patroni', 'pause', 'isolate'. */
  fault?: string;
  /** The fault's id in the experiment file, so a heal and an assertion can name the fault. */
  id?: string;
  /** The target as the experiment wrote it ("leader", "replica", "etcd:majority", "haproxy", "patroni2"). */
  target?: string;
  /** Role of each resolved node when the step ran: 'leader', 'replica', 'etcd', 'haproxy', ... */
  roles?: string[];
  /** Resolved target nodes. */
  nodes?: string[];
  /** partition, loss, bandwidth, delay: the nodes on the other side, when the file named them; absent = every peer. */
  peers?: string[];
  detail?: string;
}

export type HistoryRecord =
  | OperationRecord
  | PatroniObservation
  | HaproxyObservation
  | RecoveryObservation
  | EventRecord;

/** The table as read once on the final leader after every fault was healed. */
export interface FinalRead {
  t_ms: number;
  node: string;
  /**
   * [id, key, written_at] of every row, in id order; written_at is the server's clock_timestamp() at
   * the insert, in epoch ms (absent in runs recorded before it was read).
   */
  rows: Array<[number, string] | [number, string, number]>;
}

export interface ClusterSettingsSnapshot {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  failsafe_mode: boolean;
  synchronous_mode: boolean;
  haproxy: { inter_ms: number; fall: number; rise: number };
  /** Absent in runs recorded before they were kept. */
  etcd?: { heartbeat_ms: number; election_ms: number };
  keepalived?: KeepalivedSettings;
}

/** The server's clock against ours, asked once right after t = 0. */
export interface ClockCheck {
  /** Server clock minus local wall clock at the query's midpoint, ms. */
  offset_ms: number;
  /** Round trip of the query, ms: the offset is known to ± half of it. */
  rtt_ms: number;
}

export interface RunMeta {
  experiment: string;
  description: string;
  /** The driver kind, one list: ClusterDriver['kind']. */
  driver: ClusterDriver['kind'];
  started_at: string;
  /** Wall-clock time of t = 0 (ISO), taken at the same instant; absent in older runs. */
  t0_wall?: string;
  clock?: ClockCheck;
  /** Monotonic end of the run, ms since start. */
  ended_ms: number;
  /** Sampling interval of the load (smallest gap between a worker's operations), ms. */
  load_interval_ms: number;
  versions: { postgres: string; patroni: string; etcd: string; haproxy: string; pgbouncer?: string };
  topology: { etcd: string[]; patroni: string[]; haproxy: string[]; pgbouncer: boolean; keepalived: boolean };
  /** Configuration read from the live cluster at run start. */
  config: ClusterSettingsSnapshot;
}

/** Everything analysis needs: pure input. */
export interface RecordedRun {
  meta: RunMeta;
  history: HistoryRecord[];
  final: FinalRead | null;
  /** The nodes' logs (logs/<node>.<component>.log), when the run collected them. */
  logs?: Array<{ node: string; component: string; text: string }>;
}

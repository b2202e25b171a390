/** The one interface every cluster driver (local namespaces, Docker) implements. */

export interface Endpoint {
  host: string;
  port: number;
}

export interface DbCredentials {
  user: string;
  password: string;
  database: string;
}

/** How many of each component, and what sits in front of PostgreSQL. */
export interface Topology {
  etcd: number;
  patroni: number;
  haproxy: number;
  pgbouncer: boolean;
  /** Two or more HAProxy nodes sharing a virtual IP through VRRP. */
  keepalived: boolean;
}

/** DCS and HAProxy timings; seconds where Patroni speaks seconds. */
export interface ClusterSettings {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  failsafe_mode: boolean;
  synchronous_mode: boolean | 'strict';
  haproxy: { inter_ms: number; fall: number; rise: number };
  etcd: { heartbeat_ms: number; election_ms: number };
  /** VRRP between HAProxy nodes, when the topology has keepalived. */
  keepalived: { advert_int_ms: number; nopreempt: boolean };
}

export interface ClusterSpec {
  /** Patroni scope (cluster name). */
  scope: string;
  topology: Topology;
  settings: ClusterSettings;
}

export type NodeKind = 'etcd' | 'patroni' | 'haproxy';

export interface NodeInfo {
  name: string;
  kind: NodeKind;
  /** The node's own address, as its peers reach it. */
  address: string;
}

/** Everything a client, an observer or a report needs to reach a running cluster. */
export interface ClusterAccess {
  topology: Topology;
  nodes: NodeInfo[];
  /** HAProxy write port (leader only) and read port (replicas only), or the virtual IP's. */
  write: Endpoint;
  read: Endpoint;
  /** HAProxy stats pages as CSV (";csv" appended), one per HAProxy node, with basic auth. */
  stats: Array<{
    haproxy: string;
    url: string;
    user: string;
    password: string;
    /** The write and read backends' names when they are not "primary" and "replicas" (a user's own HAProxy). */
    backends?: { write: string; read: string };
  }>;
  /** Patroni REST API base URL per Patroni node. */
  patroni: Record<string, string>;
  /** Direct connection to each node's PostgreSQL that survives the node's network faults where the driver can. */
  direct: Record<string, Endpoint>;
  app: DbCredentials;
  superuser: DbCredentials;
  /** inet_server_addr() → node name. */
  nodeByAddress: Record<string, string>;
}

/**
 * Faults a driver can inject on a node, each with its inverse (heal):
 * stop ↔ start (graceful), kill (SIGKILL the whole node) ↔ start, kill-patroni (kill -9 of only the
 * Patroni daemon; PostgreSQL keeps running) ↔ start Patroni, pause ↔ resume, isolate ↔ reconnect.
 */
export const FAULT_KINDS = ['stop', 'kill', 'kill-patroni', 'pause', 'isolate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Versions {
  postgres: string;
  patroni: string;
  etcd: string;
  haproxy: string;
  pgbouncer?: string;
}

export interface UpOptions {
  signal?: AbortSignal;
  progress?: (message: string) => void;
}

/**
 * A fault's target: a node ("patroni1"), or one component on it ("patroni1/pgbouncer",
 * "haproxy2/keepalived"). A node-level stop acts on the node's own service (etcd, Patroni, HAProxy);
 * kill, pause and isolate act on the whole node.
 */
export type FaultTarget = string;

export const COMPONENTS = ['etcd', 'patroni', 'pgbouncer', 'haproxy', 'keepalived'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ClusterDriver {
  readonly kind: 'local' | 'docker';
  /** Brings a fresh cluster up (cleaning any leftovers first) and waits until it is healthy. */
  up(spec: ClusterSpec, opts?: UpOptions): Promise<ClusterAccess>;
  /** The HAProxy node that serves clients now (the VIP holder with keepalived), if the driver can tell. */
  activeHaproxy(): Promise<string | null>;
  /** Connects to a cluster this driver brought up earlier (another process's `up`). */
  attach(): Promise<ClusterAccess>;
  /** Removes every process, file, namespace, route, rule or container the driver made. Idempotent. */
  down(): Promise<void>;
  inject(fault: FaultKind, target: FaultTarget): Promise<void>;
  heal(fault: FaultKind, target: FaultTarget): Promise<void>;
  /** Runs patronictl against the cluster (switchover, edit-config), bounded by a timeout. */
  patronictl(args: string[], timeoutMs?: number): Promise<string>;
  versions(): Promise<Versions>;
  /** Writes the nodes' logs of the span into `<outDir>/logs/` and returns their paths. */
  collectLogs(outDir: string, span: { from: Date; to: Date }): Promise<string[]>;
}

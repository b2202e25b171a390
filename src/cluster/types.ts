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

/** keepalived as its configuration has it: what decides how fast the VIP moves. */
export interface KeepalivedSettings {
  advert_int_ms: number;
  nopreempt: boolean;
  /**
   * Its health check of HAProxy (vrrp_script): run every interval_ms, each run given timeout_ms,
   * failed after `fall` failed runs; then, with weight 0, the instance gives the VIP up (FAULT), else
   * its priority changes by the weight. null: no check, the VIP stays with a dead HAProxy.
   */
  check?: { interval_ms: number; timeout_ms: number; fall: number; weight: number } | null;
  /** VRRP priority per HAProxy node: a backup takes over after (256 − its priority) / 256 × advert_int once told to. */
  priorities?: Record<string, number>;
}

export interface ClusterSpec {
  /** Patroni scope (cluster name). */
  scope: string;
  topology: Topology;
  settings: ClusterSettings;
  /** Patroni build: a version installed side by side (`npm run setup -- --patroni 3.0.2`) or an executable's path; default the system's. */
  patroni?: string;
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
  /**
   * The load balancers' settings as their configuration files have them, where the driver wrote or
   * read those files: they, not the experiment file's, are what the run's predictions use.
   */
  balancers?: { haproxy?: ClusterSettings['haproxy']; keepalived?: KeepalivedSettings };
}

/**
 * Faults a driver can inject on a node, each with its inverse (heal):
 * stop ↔ start (graceful), kill (SIGKILL the whole node) ↔ start, kill-patroni (kill -9 of only the
 * Patroni daemon; PostgreSQL keeps running) ↔ start Patroni, pause ↔ resume, isolate ↔ reconnect,
 * partition (drop traffic between the node and some peers, one way or both) ↔ remove the rules,
 * loss (drop a share of the node's outgoing packets) ↔ remove the rule, bandwidth (cap the node's
 * outgoing rate) ↔ remove the cap, delay (a proxy hop holding the node's own connections to its
 * peers delay ± jitter each way; this kernel has no netem) ↔ remove the hop, postgres-crash (SIGKILL of the postmaster only; Patroni restarts
 * it or fails over) ↔ nothing (Patroni is the inverse), replay-pause (pg_wal_replay_pause on a
 * replica) ↔ pg_wal_replay_resume, cpu-starve (a CPU quota on the node) ↔ lift the quota,
 * disk-full (fill the node's pg_wal filesystem) ↔ free it, disk-slow (throttle writes to the node's
 * pg_wal device) ↔ lift the throttle.
 */
export const FAULT_KINDS = [
  'stop',
  'kill',
  'kill-patroni',
  'pause',
  'isolate',
  'partition',
  'loss',
  'bandwidth',
  'delay',
  'postgres-crash',
  'replay-pause',
  'cpu-starve',
  'disk-full',
  'disk-slow',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What each fault can act on: the kinds of node, and whether it also takes one component of a node
 * ("patroni1/pgbouncer"). The experiment loader refuses any other target before a cluster is up.
 */
export const FAULT_TARGETS: Readonly<Record<FaultKind, { nodes: readonly NodeKind[]; components: boolean; what: string }>> = {
  stop: { nodes: ['etcd', 'patroni', 'haproxy'], components: true, what: 'any node or component' },
  kill: { nodes: ['etcd', 'patroni', 'haproxy'], components: true, what: 'any node or component' },
  'kill-patroni': { nodes: ['patroni'], components: false, what: 'a Patroni node' },
  pause: { nodes: ['etcd', 'patroni', 'haproxy'], components: true, what: 'any node or component' },
  isolate: { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  partition: { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  loss: { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  bandwidth: { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  delay: { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  'postgres-crash': { nodes: ['patroni'], components: false, what: 'a Patroni node' },
  'replay-pause': { nodes: ['patroni'], components: false, what: 'a replica' },
  'cpu-starve': { nodes: ['etcd', 'patroni', 'haproxy'], components: false, what: 'a whole node' },
  'disk-full': { nodes: ['patroni'], components: false, what: 'a Patroni node' },
  'disk-slow': { nodes: ['patroni'], components: false, what: 'a Patroni node' },
};

/** Which way a partition cuts, seen from the target: in = it hears nothing from the peers, out = they hear nothing from it. */
export const DIRECTIONS = ['in', 'out', 'both'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Which injection a rule, proxy, qdisc class or quota belongs to: the step's fault id (the runner
 * passes it). Two faults of one kind on one node (two partitions, two losses) are two injections;
 * heal(fault, target, tag) removes only the one with that tag. Absent = the default injection
 * (`npm run cluster -- fault` and `heal` without an id), which is a tag like any other.
 */
export type FaultTag = string;

/** The settings of a fault beyond its kind and target; each kind reads only its own. */
export interface FaultParams {
  /** Whose injection this is; heal() is given the same tag. */
  tag?: FaultTag;
  /** partition, loss, bandwidth, delay: only traffic with these nodes (names); every peer when absent. */
  peers?: string[];
  /** partition: which way to cut (default both). */
  direction?: Direction;
  /** loss: share of outgoing packets dropped, percent. */
  loss_pct?: number;
  /** bandwidth: outgoing rate cap, kbit/s. */
  rate_kbit?: number;
  /** delay: added to each direction of the node's connections to its peers, ms, ± jitter_ms. */
  delay_ms?: number;
  jitter_ms?: number;
  /** cpu-starve: CPU quota, percent of one core. */
  cpu_pct?: number;
  /** disk-slow: write cap on the node's pg_wal device, bytes/s and/or write operations/s. */
  rate_bps?: number;
  iops?: number;
}

/** What an injection did, in words: the mechanism, and what was measured against what was asked. */
export interface FaultOutcome {
  detail: string;
}

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
  readonly kind: 'local' | 'docker' | 'hosts';
  /**
   * Aborted, with a reason naming the node and what it failed to answer, when the driver loses a
   * node it cannot drill without (a host that stops answering over SSH). The run then ends with
   * verdict error after healing what it injected.
   */
  readonly failure?: AbortSignal;
  /** Brings a fresh cluster up (cleaning any leftovers first) and waits until it is healthy. */
  up(spec: ClusterSpec, opts?: UpOptions): Promise<ClusterAccess>;
  /** The HAProxy node that serves clients now (the VIP holder with keepalived), if the driver can tell. */
  activeHaproxy(): Promise<string | null>;
  /** Connects to a cluster this driver brought up earlier (another process's `up`). */
  attach(): Promise<ClusterAccess>;
  /** Removes every process, file, namespace, route, rule or container the driver made. Idempotent. */
  down(): Promise<void>;
  /** Injects a fault (its identity in `params.tag`); the outcome, when the driver has one, says how and what it measured. */
  inject(fault: FaultKind, target: FaultTarget, params?: FaultParams): Promise<FaultOutcome | void>;
  /**
   * Undoes the injection `tag` of `fault` on `target` (the tag inject was given), and nothing else:
   * another open injection of the same kind on the same node keeps its effect.
   */
  heal(fault: FaultKind, target: FaultTarget, tag?: FaultTag): Promise<void>;
  /** Runs patronictl against the cluster (switchover, edit-config), bounded by a timeout. */
  patronictl(args: string[], timeoutMs?: number): Promise<string>;
  versions(): Promise<Versions>;
  /** Writes the nodes' logs of the span into `<outDir>/logs/` and returns their paths. */
  collectLogs(outDir: string, span: { from: Date; to: Date }): Promise<string[]>;
}

export type DriverKind = ClusterDriver['kind'];

/** The fault kinds a driver injects, and why it lacks each other kind. */
export interface DriverFaults {
  faults: readonly FaultKind[];
  missing: Partial<Record<FaultKind, string>>;
}

const ALL_BUT = (missing: Partial<Record<FaultKind, string>>): DriverFaults => ({
  faults: FAULT_KINDS.filter((k) => !(k in missing)),
  missing,
});

/**
 * What each driver can inject. The loader checks an experiment file against the chosen driver's
 * list, so a kind the driver lacks is refused at its place in the file before any cluster starts.
 */
export const DRIVER_FAULTS: Readonly<Record<DriverKind, DriverFaults>> = {
  local: ALL_BUT({}),
  docker: ALL_BUT({
    delay:
      'its proxy hop would be a host process inside a container\'s namespace, which a killed run would leave behind (the image has no Node to run it inside)',
    'disk-full': "the containers' pg_wal is on their own filesystem, and filling that would fill the host's disk",
    'disk-slow': "the containers' pg_wal is on the host's overlay filesystem, whose device is shared with everything else on the host",
  }),
  hosts: ALL_BUT({
    delay: 'it needs tc netem on the host (sch_netem), which the hosts driver does not drive yet',
    bandwidth: 'it needs tc on the host, which the hosts driver does not drive yet',
    'disk-full': "it would fill the real pg_wal volume of someone's database, which the tool never touches",
    'replay-pause': 'it needs a superuser SQL session on the replica, which the inventory does not give the tool',
    'cpu-starve': 'a CPU quota on a real host is not built yet',
    'disk-slow': "it would throttle the real pg_wal volume of someone's database, which the tool never touches",
  }),
};

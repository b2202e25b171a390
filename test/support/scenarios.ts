/**
 * Recorded-run scenarios for the report's fixtures and bench, each following what FIELD-NOTES.md
 * measured on a real cluster (Patroni 4.0.7, ttl 20 / loop_wait 2 / retry_timeout 9, HAProxy
 * inter 0.5 s fall 2 rise 1).
 */
import type { Analysis } from '../../src/analysis/types.js';
import type { ClusterSettingsSnapshot, EventRecord, HaproxyObservation, RunMeta, StepAction } from '../../src/history/types.js';
import type { AssertionResult, MemberRow } from '../../src/results/types.js';
import type { LoadSpec, Scenario, Serve } from './synth.js';

const CONFIG: ClusterSettingsSnapshot = {
  ttl: 20,
  loop_wait: 2,
  retry_timeout: 9,
  maximum_lag_on_failover: 1_048_576,
  failsafe_mode: false,
  synchronous_mode: false,
  haproxy: { inter_ms: 500, fall: 2, rise: 1 },
};

const VERSIONS: RunMeta['versions'] = { postgres: '15.14', patroni: '4.0.7', etcd: '3.4.23', haproxy: '2.6.12' };
const NODES = ['patroni1', 'patroni2', 'patroni3'];
const ETCD = ['etcd1', 'etcd2', 'etcd3'];
const HOSTS: Record<string, string> = { patroni1: '10.77.0.21', patroni2: '10.77.0.22', patroni3: '10.77.0.23' };

const FIXTURE_LOAD: LoadSpec = { writers: 1, write_interval_ms: 100, readers: 1, read_interval_ms: 200 };
/**
 * The real observers poll every 100–200 ms; fixtures poll every 500 ms to stay small, which is
 * still fine enough for the phases of an outage to be seen in order.
 */
const FIXTURE_OBSERVE_MS = 500;

const NO_SERVER = { class: 'connect_refused', message: 'Connection terminated unexpectedly' };
const READ_ONLY = { class: 'read_only', sqlstate: '25006', message: 'cannot execute INSERT in a read-only transaction' };

function member(name: string, role: string, state: string, timeline: number | null, lag: number | null = 0): MemberRow {
  return { name, host: HOSTS[name] ?? name, role, state, timeline, lag: role === 'Leader' ? null : lag };
}

/** Builds an experiment's event log from its steps: each step logs begin and end. */
function steps(list: Array<{ action: StepAction; begin: number; end: number; detail?: string; fault?: string; id?: string; target?: string; roles?: string[]; nodes?: string[] }>): EventRecord[] {
  const out: EventRecord[] = [];
  list.forEach((s, step) => {
    const { begin, end, ...rest } = s;
    out.push({ type: 'event', t_ms: begin, phase: 'begin', step, ...rest });
    out.push({ type: 'event', t_ms: end, phase: 'end', step, ...rest });
  });
  return out;
}

/** Backend rows of HAProxy's stats: which servers each listen section has up. */
function haproxyRows(up: { primary: string[]; replicas: string[] }, haproxy = 'haproxy1'): Array<Omit<HaproxyObservation, 'type' | 't_ms'>> {
  const rows: Array<Omit<HaproxyObservation, 'type' | 't_ms'>> = [];
  for (const backend of ['primary', 'replicas'] as const) {
    for (const server of NODES) rows.push({ haproxy, reachable: true, backend, server, status: up[backend].includes(server) ? 'UP' : 'DOWN' });
  }
  return rows;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const longest = (a: Analysis['writes'] | Analysis['reads']) => a.windows.reduce((m, w) => Math.max(m, w.duration_ms), 0);

function assertWithin(name: string, ms: number, limitS: number): AssertionResult {
  return { name, passed: ms <= limitS * 1000, observed: secs(ms), expected: `<= ${limitS} s` };
}

function assertNoLoss(a: Analysis): AssertionResult {
  return { name: 'acknowledged writes lost', passed: a.writes.lost === 0, observed: String(a.writes.lost), expected: '0' };
}

function assertNoSplitBrain(a: Analysis): AssertionResult {
  return { name: 'split brain', passed: a.split_brain_ms === 0, observed: secs(a.split_brain_ms), expected: '0 s' };
}

/** Replication lag a replica reports: a few KB in steady state, more while it catches up. */
function lagAt(t: number, catchUpFrom: number | null, seed: number): number {
  const steady = 2048 + ((Math.sin(t / 1700 + seed) + 1) * 6000) | 0;
  if (catchUpFrom === null || t < catchUpFrom) return steady;
  const left = 1 - (t - catchUpFrom) / 3000;
  return left > 0 ? Math.round(2_600_000 * left) + steady : steady;
}

export interface LeaderCrashOptions {
  folder: string;
  started_at: string;
  seed: number;
  /** How long before the crash the leader last renewed its key: shortens the outage. */
  renewed_before_ms: number;
  fault?: 'kill' | 'pause';
  load?: LoadSpec;
  kill_at_ms?: number;
  /** Steady load after the cluster is whole again. */
  tail_ms?: number;
  /** From the promotion until HAProxy's check marks the new leader up (a slow check makes it long). */
  route_after_ms?: number;
  observe_interval_ms?: number;
  error?: Scenario['error'];
  experiment?: string;
  description?: string;
}

/**
 * The leader dies (SIGKILL of the node). Its key expires ttl after the last renewal, patroni2
 * promotes (timeline 2, sequence jumps 32), HAProxy routes after one check; the write in flight
 * at the crash is indeterminate and committed anyway. The old leader rejoins through pg_rewind.
 */
export function leaderCrash(o: LeaderCrashOptions): Scenario {
  const K = o.kill_at_ms ?? 10_000;
  const E = K - o.renewed_before_ms + CONFIG.ttl * 1000;
  const P = E + 600;
  const R = P + (o.route_after_ms ?? 210);
  const D = K + CONFIG.haproxy.fall * CONFIG.haproxy.inter_ms;
  const H = K + 25_000;
  const J = H + 4000;
  const end = J + 500 + (o.tail_ms ?? 5000) + 600;
  const fault = o.fault ?? 'kill';
  let inFlight = false;
  const keyHolder = (t: number) => (t < E ? 'patroni1' : t < E + 250 ? undefined : 'patroni2');
  const readPool = (t: number) => [...(t < P + 1000 ? ['patroni2'] : []), 'patroni3', ...(t >= J + 500 ? ['patroni1'] : [])];
  return {
    folder: o.folder,
    experiment: o.experiment ?? 'leader-crash',
    description: o.description ?? 'Kill the leader node (SIGKILL) under write and read load; expect a new leader within ttl + loop_wait and no acknowledged write lost.',
    started_at: o.started_at,
    duration_ms: end,
    seed: o.seed,
    nodes: NODES,
    etcd: ETCD,
    haproxy: ['haproxy1'],
    versions: VERSIONS,
    config: CONFIG,
    load: o.load ?? FIXTURE_LOAD,
    observe_interval_ms: o.observe_interval_ms ?? FIXTURE_OBSERVE_MS,
    write(t): Serve {
      if (t < K) return { kind: 'ok', node: 'patroni1', in_recovery: false };
      if (!inFlight) {
        inFlight = true;
        // COMMIT reached the WAL and the replicas, the answer never left the dying node.
        return { kind: 'hang', until: t + 2.5, error: { class: 'connection_lost', message: 'Connection terminated unexpectedly' }, commits_on: 'patroni1' };
      }
      if (t < R) return { kind: 'fail', error: NO_SERVER };
      return { kind: 'ok', node: 'patroni2', in_recovery: false };
    },
    read(t, k) {
      const pool = readPool(t);
      const node = pool[k % pool.length]!;
      return { kind: 'ok', node, in_recovery: !(node === 'patroni2' && t >= P) };
    },
    patroni(t, node) {
      const leader = keyHolder(t);
      const common = leader ? { leader } : {};
      if (node === 'patroni1') {
        if (t < K) return { reachable: true, role: 'primary', state: 'running', timeline: 1, ...common };
        if (t < H + 1500) return { reachable: false };
        if (t < J) return { reachable: true, role: 'replica', state: 'starting', timeline: 1, ...common };
        return { reachable: true, role: 'replica', state: 'streaming', timeline: 2, lag: lagAt(t, J, 1), ...common };
      }
      if (node === 'patroni2') {
        if (t < P) return { reachable: true, role: 'replica', state: 'streaming', timeline: 1, lag: t < K ? lagAt(t, null, 2) : 0, ...common };
        return { reachable: true, role: 'primary', state: 'running', timeline: 2, ...common };
      }
      return { reachable: true, role: 'replica', state: 'streaming', timeline: t < P + 1500 ? 1 : 2, lag: t >= K && t < P + 1500 ? 0 : lagAt(t, null, 3), ...common };
    },
    recovery(t, node) {
      if (node === 'patroni1') {
        if (t < K) return { reachable: true, in_recovery: false, timeline: 1 };
        if (t < J - 1000) return { reachable: false };
        return { reachable: true, in_recovery: true, timeline: 2 };
      }
      if (node === 'patroni2') return t < P ? { reachable: true, in_recovery: true, timeline: 1 } : { reachable: true, in_recovery: false, timeline: 2 };
      return { reachable: true, in_recovery: true, timeline: t < P + 1500 ? 1 : 2 };
    },
    haproxyStats(t) {
      return haproxyRows({ primary: [...(t < D ? ['patroni1'] : []), ...(t >= R ? ['patroni2'] : [])], replicas: readPool(t) });
    },
    promotions: [{ t: P, node: 'patroni2', jump: 32 }],
    events: steps([
      { action: 'wait', begin: 0, end: 12, detail: 'cluster healthy' },
      { action: 'sleep', begin: 12, end: K - 1, detail: `${K / 1000} s of steady load` },
      { action: 'inject', begin: K, end: K + 34, fault, id: 'crash', target: 'leader', roles: ['leader'], nodes: ['patroni1'] },
      { action: 'wait', begin: K + 40, end: R + 90, detail: 'a new leader accepts writes: patroni2' },
      { action: 'heal', begin: H, end: H + 820, fault, id: 'crash', target: 'leader', roles: ['leader'], nodes: ['patroni1'], detail: 'node restarted' },
      { action: 'wait', begin: H + 830, end: J + 500, detail: 'every member streaming' },
      { action: 'sleep', begin: J + 500, end: end - 600, detail: `${((o.tail_ms ?? 5000) / 1000).toFixed(0)} s of steady load` },
    ]),
    assertions: (a) => [
      assertWithin('write outage', longest(a.writes), 30),
      assertNoLoss(a),
      assertNoSplitBrain(a),
      { name: 'leader changed', passed: a.leader_changes.length > 0, observed: String(a.leader_changes.length > 0), expected: 'true' },
    ],
    members_before: [member('patroni1', 'Leader', 'running', 1), member('patroni2', 'Replica', 'streaming', 1), member('patroni3', 'Replica', 'streaming', 1)],
    members_after: [member('patroni1', 'Replica', 'streaming', 2), member('patroni2', 'Leader', 'running', 2), member('patroni3', 'Replica', 'streaming', 2)],
    ...(o.error ? { error: o.error } : {}),
  };
}

/**
 * Two of three etcd members stopped, failsafe_mode off: the leader keeps writing until it fails
 * to renew its key for long enough, demotes itself (read-only), and is promoted again 6–7 s after
 * the quorum is back, on a new timeline. Reads never stop.
 */
export function etcdQuorumLoss(folder: string, started_at: string): Scenario {
  const K = 6000;
  const Dm = K + 18_600;
  const H = K + 36_500;
  const Q = H + 1000;
  const P = Q + 5800;
  const R = P + 240;
  const end = R + 200 + 3000 + 800;
  let cut = false;
  const inReplicaPool = (t: number) => t >= Dm + 1100 && t < P + 1000;
  const readPool = (t: number) => ['patroni2', 'patroni3', ...(inReplicaPool(t) ? ['patroni1'] : [])];
  return {
    folder,
    experiment: 'etcd-quorum-loss',
    description: 'Stop two of the three etcd members for 36.5 s with failsafe_mode off; writes are expected to be refused (not lost) and reads to keep working.',
    started_at,
    duration_ms: end,
    seed: 7,
    nodes: NODES,
    etcd: ETCD,
    haproxy: ['haproxy1'],
    versions: VERSIONS,
    config: CONFIG,
    // The longest fixture: reads every 400 ms keep it near 300 KB.
    load: { ...FIXTURE_LOAD, read_interval_ms: 400 },
    observe_interval_ms: FIXTURE_OBSERVE_MS,
    write(t): Serve {
      if (t < Dm || t >= R) return { kind: 'ok', node: 'patroni1', in_recovery: false };
      if (!cut) {
        cut = true;
        return { kind: 'hang', until: t + 4, error: { class: 'connection_lost', message: 'terminating connection due to administrator command' }, consumes_on: 'patroni1' };
      }
      if (t < Dm + 600) return { kind: 'fail', error: { class: 'other', sqlstate: '57P03', message: 'the database system is starting up' } };
      if (t < Dm + 1000) return { kind: 'fail', error: READ_ONLY };
      return { kind: 'fail', error: NO_SERVER };
    },
    read(t, k) {
      const pool = readPool(t);
      return { kind: 'ok', node: pool[k % pool.length]! };
    },
    patroni(t, node) {
      const dcs = t < K + 300 || t >= P;
      const common = dcs ? { leader: 'patroni1' } : {};
      if (node === 'patroni1') {
        if (t < Dm) return { reachable: true, role: 'primary', state: 'running', timeline: 1, ...common };
        if (t < P) return { reachable: true, role: 'replica', state: t < Dm + 600 ? 'starting' : 'running', timeline: 1, ...common };
        return { reachable: true, role: 'primary', state: 'running', timeline: 2, ...common };
      }
      return { reachable: true, role: 'replica', state: 'streaming', timeline: t < P + 1500 ? 1 : 2, lag: lagAt(t, null, node === 'patroni2' ? 2 : 3), ...common };
    },
    recovery(t, node) {
      if (node === 'patroni1') {
        if (t < Dm) return { reachable: true, in_recovery: false, timeline: 1 };
        if (t < Dm + 600) return { reachable: false };
        return t < P ? { reachable: true, in_recovery: true, timeline: 1 } : { reachable: true, in_recovery: false, timeline: 2 };
      }
      return { reachable: true, in_recovery: true, timeline: t < P + 1500 ? 1 : 2 };
    },
    haproxyStats(t) {
      return haproxyRows({ primary: t < Dm + 1000 || t >= R ? ['patroni1'] : [], replicas: readPool(t) });
    },
    promotions: [],
    events: steps([
      { action: 'wait', begin: 0, end: 10, detail: 'cluster healthy' },
      { action: 'sleep', begin: 10, end: K - 1, detail: '6 s of steady load' },
      { action: 'inject', begin: K, end: K + 300, fault: 'stop', id: 'quorum', target: 'etcd:majority', roles: ['etcd', 'etcd'], nodes: ['etcd2', 'etcd3'] },
      { action: 'sleep', begin: K + 300, end: H - 1, detail: 'hold the quorum loss' },
      { action: 'heal', begin: H, end: H + 800, fault: 'stop', id: 'quorum', target: 'etcd:majority', roles: ['etcd', 'etcd'], nodes: ['etcd2', 'etcd3'], detail: 'etcd2 and etcd3 started' },
      { action: 'wait', begin: H + 810, end: R + 200, detail: 'a leader accepts writes: patroni1' },
      { action: 'sleep', begin: R + 200, end: end - 800, detail: '3 s of steady load' },
    ]),
    assertions: (a) => [
      assertWithin('write outage', longest(a.writes), 40),
      { name: 'read outage', passed: longest(a.reads) === 0, observed: secs(longest(a.reads)), expected: '0 s' },
      assertNoLoss(a),
      { name: 'same leader after', passed: true, observed: 'patroni1', expected: 'patroni1' },
    ],
    members_before: [member('patroni1', 'Leader', 'running', 1), member('patroni2', 'Replica', 'streaming', 1), member('patroni3', 'Replica', 'streaming', 1)],
    members_after: [member('patroni1', 'Leader', 'running', 2), member('patroni2', 'Replica', 'streaming', 2), member('patroni3', 'Replica', 'streaming', 2)],
  };
}

/**
 * The only HAProxy stopped for 5 s: reads and writes are refused until it is back; one write
 * right after the restart reaches a replica (servers count as up before their first check).
 */
export function haproxyStop(folder: string, started_at: string): Scenario {
  const K = 10_000;
  const H = K + 5000;
  const U = H + 150;
  const end = U + 300 + 5000 + 500;
  let cutW = false;
  let cutR = false;
  return {
    folder,
    experiment: 'haproxy-stop',
    description: 'Stop the single HAProxy for 5 s. Every client goes through it, so reads and writes are expected to stop for as long.',
    started_at,
    duration_ms: end,
    seed: 11,
    nodes: NODES,
    etcd: ETCD,
    haproxy: ['haproxy1'],
    versions: VERSIONS,
    config: CONFIG,
    load: FIXTURE_LOAD,
    observe_interval_ms: FIXTURE_OBSERVE_MS,
    write(t): Serve {
      if (t < K || t >= U + 100) return { kind: 'ok', node: 'patroni1', in_recovery: false };
      if (!cutW) {
        cutW = true;
        return { kind: 'hang', until: t + 1.5, error: { class: 'connection_lost', message: 'Connection terminated unexpectedly' } };
      }
      if (t < U) return { kind: 'fail', error: { class: 'connect_refused', message: 'connect ECONNREFUSED 127.0.0.1:5000' } };
      return { kind: 'fail', error: READ_ONLY };
    },
    read(t, k): Serve {
      if (t < K || t >= U) return { kind: 'ok', node: k % 2 ? 'patroni3' : 'patroni2' };
      if (!cutR) {
        cutR = true;
        return { kind: 'fail', error: { class: 'connection_lost', message: 'Connection terminated unexpectedly' } };
      }
      return { kind: 'fail', error: { class: 'connect_refused', message: 'connect ECONNREFUSED 127.0.0.1:5001' } };
    },
    patroni(t, node) {
      if (node === 'patroni1') return { reachable: true, role: 'primary', state: 'running', timeline: 1, leader: 'patroni1' };
      return { reachable: true, role: 'replica', state: 'streaming', timeline: 1, lag: lagAt(t, null, node === 'patroni2' ? 2 : 3), leader: 'patroni1' };
    },
    recovery(_t, node) {
      return { reachable: true, in_recovery: node !== 'patroni1', timeline: 1 };
    },
    haproxyStats(t) {
      if (t >= K && t < U) return [{ haproxy: 'haproxy1', reachable: false }];
      return haproxyRows({ primary: ['patroni1'], replicas: ['patroni2', 'patroni3'] });
    },
    promotions: [],
    events: steps([
      { action: 'wait', begin: 0, end: 9, detail: 'cluster healthy' },
      { action: 'sleep', begin: 9, end: K - 1, detail: '10 s of steady load' },
      { action: 'inject', begin: K, end: K + 120, fault: 'stop', id: 'lb', target: 'haproxy', roles: ['haproxy'], nodes: ['haproxy1'] },
      { action: 'sleep', begin: K + 120, end: H - 1, detail: 'hold 5 s' },
      { action: 'heal', begin: H, end: H + 200, fault: 'stop', id: 'lb', target: 'haproxy', roles: ['haproxy'], nodes: ['haproxy1'], detail: 'haproxy1 started' },
      { action: 'wait', begin: H + 210, end: U + 300, detail: 'clients served' },
      { action: 'sleep', begin: U + 300, end: end - 500, detail: '5 s of steady load' },
    ]),
    assertions: (a) => [assertWithin('write outage', longest(a.writes), 7), assertWithin('read outage', longest(a.reads), 7), assertNoLoss(a)],
    members_before: [member('patroni1', 'Leader', 'running', 1), member('patroni2', 'Replica', 'streaming', 1), member('patroni3', 'Replica', 'streaming', 1)],
    members_after: [member('patroni1', 'Leader', 'running', 1), member('patroni2', 'Replica', 'streaming', 1), member('patroni3', 'Replica', 'streaming', 1)],
  };
}

/**
 * kill -9 of Patroni alone on the leader, PostgreSQL surviving (systemd-style). HAProxy drops the
 * node at once, patroni2 takes over after ttl, but the orphaned PostgreSQL stays writable for a
 * client connected to it directly: split brain until Patroni comes back and rewinds it, and the
 * direct write acknowledged meanwhile is gone.
 */
export function patroniKillSplitBrain(folder: string, started_at: string): Scenario {
  const K = 6000;
  const D = K + 1000;
  const E = K - 700 + CONFIG.ttl * 1000;
  const P = E + 600;
  const R = P + 200;
  const H = K + 30_000;
  const Dm = H + 1500;
  const J = H + 5000;
  const end = J + 600 + 3000 + 400;
  const readPool = (t: number) => [...(t < P + 1000 ? ['patroni2'] : []), 'patroni3', ...(t >= J + 500 ? ['patroni1'] : [])];
  return {
    folder,
    experiment: 'patroni-kill-direct-client',
    description: 'Kill -9 Patroni on the leader while its PostgreSQL keeps running; one client writes to the leader directly, bypassing HAProxy. <script>alert(1)</script>',
    started_at,
    duration_ms: end,
    seed: 13,
    nodes: NODES,
    etcd: ETCD,
    haproxy: ['haproxy1'],
    versions: VERSIONS,
    config: CONFIG,
    load: { ...FIXTURE_LOAD, direct: { node: 'patroni1', interval_ms: 10_000, offset_ms: 4000 } },
    observe_interval_ms: FIXTURE_OBSERVE_MS,
    write(t): Serve {
      if (t < D) return { kind: 'ok', node: 'patroni1', in_recovery: false };
      if (t < R) return { kind: 'fail', error: NO_SERVER };
      return { kind: 'ok', node: 'patroni2', in_recovery: false };
    },
    direct(t): Serve {
      if (t < Dm) return { kind: 'ok', node: 'patroni1', in_recovery: false };
      if (t < J) return { kind: 'fail', error: { class: 'connect_refused', message: 'connect ECONNREFUSED 10.77.0.21:5432' } };
      return { kind: 'fail', error: READ_ONLY };
    },
    read(t, k) {
      const pool = readPool(t);
      const node = pool[k % pool.length]!;
      return { kind: 'ok', node, in_recovery: !(node === 'patroni2' && t >= P) };
    },
    patroni(t, node) {
      const leader = t < E ? 'patroni1' : t < E + 250 ? undefined : 'patroni2';
      const common = leader ? { leader } : {};
      if (node === 'patroni1') {
        if (t < K) return { reachable: true, role: 'primary', state: 'running', timeline: 1, ...common };
        if (t < H + 1200) return { reachable: false };
        if (t < J) return { reachable: true, role: 'replica', state: t < Dm ? 'running' : 'starting', timeline: 1, ...common };
        return { reachable: true, role: 'replica', state: 'streaming', timeline: 2, lag: lagAt(t, J, 1), ...common };
      }
      if (node === 'patroni2') {
        if (t < P) return { reachable: true, role: 'replica', state: 'streaming', timeline: 1, lag: lagAt(t, null, 2), ...common };
        return { reachable: true, role: 'primary', state: 'running', timeline: 2, ...common };
      }
      return { reachable: true, role: 'replica', state: 'streaming', timeline: t < P + 1500 ? 1 : 2, lag: lagAt(t, null, 3), ...common };
    },
    recovery(t, node) {
      if (node === 'patroni1') {
        if (t < Dm) return { reachable: true, in_recovery: false, timeline: 1 };
        if (t < J - 1000) return { reachable: false };
        return { reachable: true, in_recovery: true, timeline: 2 };
      }
      if (node === 'patroni2') return t < P ? { reachable: true, in_recovery: true, timeline: 1 } : { reachable: true, in_recovery: false, timeline: 2 };
      return { reachable: true, in_recovery: true, timeline: t < P + 1500 ? 1 : 2 };
    },
    haproxyStats(t) {
      return haproxyRows({ primary: [...(t < D ? ['patroni1'] : []), ...(t >= R ? ['patroni2'] : [])], replicas: readPool(t) });
    },
    promotions: [{ t: P, node: 'patroni2', jump: 7 }],
    discarded: (t, node) => node === 'patroni1' && t >= P && t < Dm,
    events: steps([
      { action: 'wait', begin: 0, end: 11, detail: 'cluster healthy' },
      { action: 'sleep', begin: 11, end: K - 1, detail: '6 s of steady load' },
      { action: 'inject', begin: K, end: K + 18, fault: 'kill-patroni', id: 'orphan', target: 'leader', roles: ['leader'], nodes: ['patroni1'] },
      { action: 'wait', begin: K + 25, end: R + 100, detail: 'a new leader accepts writes: patroni2' },
      { action: 'sleep', begin: R + 100, end: H - 1, detail: 'hold: the orphan keeps running' },
      { action: 'heal', begin: H, end: H + 400, fault: 'kill-patroni', id: 'orphan', target: 'leader', roles: ['leader'], nodes: ['patroni1'], detail: 'Patroni started on patroni1' },
      { action: 'wait', begin: H + 410, end: J + 600, detail: 'every member streaming' },
      { action: 'sleep', begin: J + 600, end: end - 400, detail: '3 s of steady load' },
    ]),
    assertions: (a) => [assertWithin('write outage', longest(a.writes), 30), assertNoLoss(a), assertNoSplitBrain(a)],
    members_before: [member('patroni1', 'Leader', 'running', 1), member('patroni2', 'Replica', 'streaming', 1), member('patroni3', 'Replica', 'streaming', 1)],
    members_after: [member('patroni1', 'Replica', 'streaming', 2), member('patroni2', 'Leader', 'running', 2), member('patroni3', 'Replica', 'streaming', 2)],
  };
}

/** Small builders for hand-made runs: every test states only what it is about. */
import type {
  ClientError,
  EventRecord,
  FinalRead,
  HaproxyObservation,
  HistoryRecord,
  OperationRecord,
  Outcome,
  PatroniObservation,
  RecordedRun,
  RecoveryObservation,
  RunMeta,
} from '../../../src/history/types.js';

export const NODES = ['patroni1', 'patroni2', 'patroni3'];

export function meta(over: Partial<RunMeta> = {}): RunMeta {
  return {
    experiment: 'test',
    description: 'hand-built run',
    driver: 'local',
    started_at: '2025-01-01T00:00:00.000Z',
    ended_ms: 60_000,
    load_interval_ms: 50,
    versions: { postgres: '15', patroni: '4.0.7', etcd: '3.4.23', haproxy: '2.6.12' },
    topology: { etcd: ['etcd1', 'etcd2', 'etcd3'], patroni: NODES, haproxy: ['haproxy1'], pgbouncer: false, keepalived: false },
    config: {
      ttl: 20,
      loop_wait: 2,
      retry_timeout: 9,
      maximum_lag_on_failover: 1048576,
      failsafe_mode: false,
      synchronous_mode: false,
      haproxy: { inter_ms: 500, fall: 2, rise: 1 },
    },
    ...over,
  };
}

export function run(history: HistoryRecord[], final: FinalRead | null = null, over: Partial<RunMeta> = {}): RecordedRun {
  return { meta: meta(over), history, final };
}

export function final(rows: Array<[number, string]>, node = 'patroni1'): FinalRead {
  return { t_ms: 59_000, node, rows };
}

export const ERR: Record<string, ClientError> = {
  refused: { class: 'connect_refused', message: 'connect ECONNREFUSED 127.0.0.1:5000' },
  lost: { class: 'connection_lost', message: 'Connection terminated unexpectedly' },
  timeout: { class: 'timeout', message: 'Query read timeout' },
  readOnly: { class: 'read_only', sqlstate: '25006', message: 'cannot execute INSERT in a read-only transaction' },
};

export function op(
  kind: 'write' | 'read',
  worker: string,
  start: number,
  outcome: Outcome = 'ok',
  extra: Partial<OperationRecord> = {},
): OperationRecord {
  const rec: OperationRecord = {
    type: 'op',
    worker,
    op: kind,
    port: kind === 'write' ? 'write' : 'read',
    start_ms: start,
    end_ms: start + 2,
    outcome,
    ...extra,
  };
  if (outcome !== 'ok' && !rec.error) rec.error = outcome === 'failed' ? ERR.refused! : ERR.timeout!;
  return rec;
}

export function write(worker: string, start: number, outcome: Outcome = 'ok', extra: Partial<OperationRecord> = {}): OperationRecord {
  return op('write', worker, start, outcome, extra);
}

export function read(worker: string, start: number, outcome: Outcome = 'ok', extra: Partial<OperationRecord> = {}): OperationRecord {
  return op('read', worker, start, outcome, extra);
}

/**
 * A worker's ops every `every` ms over [from, to); `outcome(t)` decides each. Writes get keys
 * `${worker}-${t}` so tests can name them.
 */
export function series(
  kind: 'write' | 'read',
  worker: string,
  from: number,
  to: number,
  every: number,
  outcome: (t: number) => Outcome = () => 'ok',
  extra: (t: number) => Partial<OperationRecord> = () => ({}),
): OperationRecord[] {
  const out: OperationRecord[] = [];
  for (let t = from; t < to; t += every) {
    out.push(op(kind, worker, t, outcome(t), { ...(kind === 'write' ? { key: `${worker}-${t}` } : {}), ...extra(t) }));
  }
  return out;
}

export function patroni(t: number, node: string, role: string | null, extra: Partial<PatroniObservation> = {}): PatroniObservation {
  if (role === null) return { type: 'patroni', t_ms: t, node, reachable: false };
  return { type: 'patroni', t_ms: t, node, reachable: true, role, ...extra };
}

/** One poll of every node at time t: `roles[node]` (null = unreachable), all reporting `leader`. */
export function patroniRound(
  t: number,
  roles: Record<string, string | null>,
  leader?: string,
  timeline?: number,
): PatroniObservation[] {
  return Object.entries(roles).map(([node, role], i) =>
    patroni(t + i, node, role, {
      ...(leader !== undefined ? { leader } : {}),
      ...(timeline !== undefined ? { timeline } : {}),
    }),
  );
}

export function recovery(t: number, node: string, inRecovery: boolean | null): RecoveryObservation {
  if (inRecovery === null) return { type: 'recovery', t_ms: t, node, reachable: false };
  return { type: 'recovery', t_ms: t, node, reachable: true, in_recovery: inRecovery };
}

export function haproxy(t: number, server: string, status: string, backend = 'primary', name = 'haproxy1'): HaproxyObservation {
  return { type: 'haproxy', t_ms: t, haproxy: name, reachable: true, backend, server, status };
}

export function haproxyDown(t: number, name = 'haproxy1'): HaproxyObservation {
  return { type: 'haproxy', t_ms: t, haproxy: name, reachable: false };
}

export function event(
  t: number,
  action: EventRecord['action'],
  phase: EventRecord['phase'],
  extra: Partial<EventRecord> = {},
): EventRecord {
  return { type: 'event', t_ms: t, action, phase, step: 0, ...extra };
}

/**
 * Inject (begin + end) and, if `healAt` is given, heal (begin + end) one fault, shaped as the runner
 * records them: the targets' nodes and roles are known only on the inject's 'end'.
 */
export function fault(
  at: number,
  kind: string,
  roles: string[],
  nodes: string[],
  healAt?: number,
  id = 'f1',
  target = roles[0] ?? 'leader',
): EventRecord[] {
  const base = { fault: kind, id, target };
  const out = [
    event(at, 'inject', 'begin', { ...base, step: 1 }),
    event(at + 5, 'inject', 'end', { ...base, step: 1, nodes, roles }),
  ];
  if (healAt !== undefined) {
    out.push(
      event(healAt, 'heal', 'begin', { fault: kind, id, nodes, step: 2 }),
      event(healAt + 100, 'heal', 'end', { fault: kind, id, nodes, step: 2 }),
    );
  }
  return out;
}

/**
 * A leader crash at 10 s with ttl 20: the key expires at 30 s, patroni2 promotes at 30.25 s, HAProxy
 * routes to it at 30.75 s and writes come back at 31 s.
 */
export function leaderKill(): HistoryRecord[] {
  const h: HistoryRecord[] = [...fault(10_000, 'kill', ['leader'], ['patroni1'], 40_000)];
  h.push(...series('write', 'w1', 0, 60_000, 50, (t) => (t >= 10_000 && t < 31_000 ? 'failed' : 'ok')));
  for (let t = 0; t < 60_000; t += 250) {
    if (t < 10_000) h.push(...patroniRound(t, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1));
    else if (t < 30_000) h.push(...patroniRound(t, { patroni1: null, patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1));
    else if (t < 30_250) h.push(...patroniRound(t, { patroni1: null, patroni2: 'replica', patroni3: 'replica' }, '', 1));
    else {
      const old = t < 40_000 ? null : 'replica';
      h.push(...patroniRound(t, { patroni1: old, patroni2: 'primary', patroni3: 'replica' }, 'patroni2', 2));
    }
    h.push(
      haproxy(t, 'patroni1', t < 11_000 ? 'UP' : 'DOWN'),
      haproxy(t, 'patroni2', t < 30_750 ? 'DOWN' : 'UP'),
      haproxy(t, 'patroni3', 'DOWN'),
    );
  }
  return h;
}

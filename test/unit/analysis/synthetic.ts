/**
 * A synthetic recorded run of any size, shaped like a real leader-crash drill: steady load, the
 * leader killed, writes failing until the key expires and a replica is promoted, the sequence jumping
 * by the pre-log, the old leader rejoining. For benchmarks and for exercising reports at scale;
 * deterministic for a given seed.
 */
import type {
  HaproxyObservation,
  HistoryRecord,
  OperationRecord,
  PatroniObservation,
  RecordedRun,
  RecoveryObservation,
} from '../../../src/history/types.js';
import { event, meta } from './build.js';
import { seeded as rng } from '../../../src/util/random.js';

export interface SyntheticOptions {
  durationMs?: number;
  /** Total across writers. */
  writesPerSecond?: number;
  writers?: number;
  readers?: number;
  /** Total across readers. */
  readsPerSecond?: number;
  /** Polls per second of each observer, per node. */
  observerHz?: number;
  nodes?: string[];
  /** When the leader is killed; null for a quiet run. */
  killAtMs?: number | null;
  /** From the kill until writes are acknowledged again. */
  outageMs?: number;
  seed?: number;
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export function syntheticRun(opts: SyntheticOptions = {}): RecordedRun {
  const durationMs = opts.durationMs ?? 120_000;
  const wps = opts.writesPerSecond ?? 1000;
  const writers = opts.writers ?? 20;
  const readers = opts.readers ?? 4;
  const rps = opts.readsPerSecond ?? 200;
  const hz = opts.observerHz ?? 4;
  const nodes = opts.nodes ?? ['patroni1', 'patroni2', 'patroni3'];
  const killAt = opts.killAtMs === undefined ? Math.round(durationMs / 3) : opts.killAtMs;
  const outageMs = opts.outageMs ?? 20_500;
  const rand = rng(opts.seed ?? 1);

  const [oldLeader, newLeader] = [nodes[0]!, nodes[1]!];
  const down = killAt === null ? null : { from: killAt, to: killAt + outageMs };
  const promotedAt = down ? down.to - 700 : Infinity;
  const rejoinAt = down ? down.to + 10_000 : Infinity;
  const leaderAt = (t: number): string => (t < promotedAt ? oldLeader : newLeader);
  const isDown = (t: number): boolean => down !== null && t >= down.from && t < down.to;

  const history: HistoryRecord[] = [];
  const writes: OperationRecord[] = [];
  const writeEvery = (writers * 1000) / wps;
  for (let w = 0; w < writers; w++) {
    const worker = `writer-${w + 1}`;
    let firstInOutage = true;
    for (let t = (w * writeEvery) / writers; t < durationMs; t += writeEvery) {
      const start = round(t);
      const key = `${worker}-${writes.length}`;
      if (!isDown(start)) {
        writes.push({ type: 'op', worker, op: 'write', port: 'write', start_ms: start, end_ms: round(start + 0.5 + rand() * 2.5), outcome: 'ok', key, node: leaderAt(start) });
        firstInOutage = true;
      } else if (firstInOutage) {
        firstInOutage = false;
        writes.push({
          type: 'op', worker, op: 'write', port: 'write', start_ms: start, end_ms: round(start + 1), outcome: 'indeterminate', key,
          error: { class: 'connection_lost', message: 'Connection terminated unexpectedly' },
        });
      } else {
        writes.push({
          type: 'op', worker, op: 'write', port: 'write', start_ms: start, end_ms: round(start + 0.3), outcome: 'failed', key,
          error: { class: 'connect_refused', message: 'connect ECONNREFUSED 127.0.0.1:5000' },
        });
      }
    }
  }

  // Ids in commit order; a third of the writes cut off by the crash had committed; the new primary
  // continues from the value the old one pre-logged.
  const rows: Array<[number, string]> = [];
  let nextId = 1;
  let jumped = false;
  const byEnd = [...writes].sort((a, b) => a.end_ms - b.end_ms);
  byEnd.forEach((op, i) => {
    if (down && !jumped && op.start_ms >= down.to) {
      nextId += 32 - (nextId % 32);
      jumped = true;
    }
    const landed = op.outcome === 'ok' || (op.outcome === 'indeterminate' && i % 3 === 0);
    if (!landed) return;
    if (op.outcome === 'ok') op.id = nextId;
    rows.push([nextId++, op.key!]);
  });
  history.push(...writes);

  const readEvery = (readers * 1000) / rps;
  const replicas = (t: number): string[] => nodes.filter((n) => n !== leaderAt(t) && (n !== oldLeader || t >= rejoinAt));
  for (let r = 0; r < readers; r++) {
    const worker = `reader-${r + 1}`;
    let i = 0;
    for (let t = (r * readEvery) / readers; t < durationMs; t += readEvery) {
      const start = round(t);
      const pool = replicas(start);
      history.push({
        type: 'op', worker, op: 'read', port: 'read', start_ms: start, end_ms: round(start + 0.3 + rand()), outcome: 'ok',
        node: pool[i++ % pool.length]!, in_recovery: true,
      });
    }
  }

  const pollEvery = 1000 / hz;
  const keyExpiresAt = promotedAt - 300;
  for (let t = 0; t < durationMs; t += pollEvery) {
    nodes.forEach((node, i) => {
      const at = round(t + i * 3);
      const tl = at < promotedAt ? 1 : 2;
      const unreachable = node === oldLeader && down !== null && at >= down.from && at < rejoinAt;
      const primary = node === leaderAt(at);
      const p: PatroniObservation = unreachable
        ? { type: 'patroni', t_ms: at, node, reachable: false }
        : {
            type: 'patroni', t_ms: at, node, reachable: true, role: primary ? 'primary' : 'replica',
            state: primary ? 'running' : 'streaming', timeline: tl,
            leader: at >= keyExpiresAt && at < promotedAt ? '' : leaderAt(at),
          };
      const rec: RecoveryObservation = unreachable
        ? { type: 'recovery', t_ms: at, node, reachable: false }
        : { type: 'recovery', t_ms: at, node, reachable: true, in_recovery: !primary, timeline: tl };
      // HAProxy drops the crashed leader after fall × inter and adds the new one after rise × inter.
      const routesWrites =
        (node === oldLeader && at < (down?.from ?? Infinity) + 1000) || (node === newLeader && at >= promotedAt + 500);
      const inReadPool = !primary && !unreachable;
      const stat = (backend: string, up: boolean): HaproxyObservation => ({
        type: 'haproxy', t_ms: at, haproxy: 'haproxy1', reachable: true, backend, server: node, status: up ? 'UP' : 'DOWN',
      });
      history.push(p, rec, stat('primary', routesWrites), stat('replicas', inReadPool));
    });
  }

  if (down) {
    const f = { fault: 'kill', id: 'kill-leader', target: 'leader', roles: ['leader'], nodes: [oldLeader] };
    history.push(
      event(down.from, 'inject', 'begin', { ...f, step: 1 }),
      event(down.from + 3, 'inject', 'end', { ...f, step: 1 }),
      event(rejoinAt - 2000, 'heal', 'begin', { ...f, step: 2 }),
      event(rejoinAt, 'heal', 'end', { ...f, step: 2 }),
    );
  }

  // Records arrive roughly in time order, as a live run appends them.
  history.sort((a, b) => (a.type === 'op' ? a.start_ms : a.t_ms) - (b.type === 'op' ? b.start_ms : b.t_ms));
  return {
    meta: meta({ experiment: 'synthetic', ended_ms: durationMs, load_interval_ms: writeEvery }),
    history,
    final: { t_ms: durationMs + 500, node: newLeader, rows },
  };
}

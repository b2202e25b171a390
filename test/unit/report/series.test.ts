import { describe, expect, it } from 'vitest';
import type { HistoryRecord, OperationRecord } from '../../../src/history/types.js';
import { bucketHistory, chooseBucketMs, meanOver } from '../../../src/report/series.js';

function op(worker: string, kind: 'write' | 'read', start: number, latency: number, outcome: OperationRecord['outcome'] = 'ok'): OperationRecord {
  return { type: 'op', worker, op: kind, port: kind, start_ms: start, end_ms: start + latency, outcome };
}

describe('chooseBucketMs', () => {
  it('keeps 100 ms buckets for a busy run and widens them for a slow load or a long run', () => {
    expect(chooseBucketMs(120_000, 500, 500)).toBe(200); // 800 points at most
    expect(chooseBucketMs(10_000, 500, 500)).toBe(100);
    expect(chooseBucketMs(60_000, 10, 5)).toBe(1000); // ≥ 5 reads per bucket, capped at 1 s
    expect(chooseBucketMs(3_600_000, 1000, 1000)).toBe(5000);
  });
});

describe('bucketHistory', () => {
  // Writes every 100 ms for 4 s, failing from 1.0 s to 2.0 s; reads every 200 ms, always fine.
  const history: HistoryRecord[] = [];
  for (let t = 0; t < 4000; t += 100) history.push(op('writer-1', 'write', t, t === 3000 ? 1300 : 2, t >= 1000 && t < 2000 ? 'failed' : 'ok'));
  for (let t = 0; t < 4000; t += 200) history.push(op('reader-1', 'read', t, 1));
  history.push(
    { type: 'patroni', t_ms: 0, node: 'b', reachable: true, role: 'replica', state: 'streaming', lag: 100 },
    { type: 'patroni', t_ms: 0, node: 'a', reachable: true, role: 'master', state: 'running', timeline: 1 },
    { type: 'patroni', t_ms: 1000, node: 'a', reachable: false },
    { type: 'patroni', t_ms: 1000, node: 'b', reachable: true, role: 'replica', state: 'streaming', lag: 5000 },
    { type: 'patroni', t_ms: 2000, node: 'a', reachable: false },
    { type: 'patroni', t_ms: 2000, node: 'b', reachable: true, role: 'primary', state: 'running', timeline: 2 },
    { type: 'patroni', t_ms: 3000, node: 'a', reachable: true, role: 'replica', state: 'starting' },
    { type: 'patroni', t_ms: 3000, node: 'b', reachable: true, role: 'primary', state: 'running', timeline: 2 },
    { type: 'recovery', t_ms: 0, node: 'a', reachable: true, in_recovery: false },
    { type: 'recovery', t_ms: 1000, node: 'a', reachable: true, in_recovery: false },
    { type: 'recovery', t_ms: 1000, node: 'b', reachable: true, in_recovery: true },
    { type: 'recovery', t_ms: 2000, node: 'a', reachable: true, in_recovery: false },
    { type: 'recovery', t_ms: 2000, node: 'b', reachable: true, in_recovery: false },
    { type: 'recovery', t_ms: 3000, node: 'a', reachable: false },
    { type: 'recovery', t_ms: 3000, node: 'b', reachable: true, in_recovery: false },
  );
  const s = bucketHistory(history, 4000);

  it('counts completed operations per second by bucket, errors apart', () => {
    expect(s.bucket_ms).toBe(1000);
    // The write started at 3.0 s ends at 4.3 s: the run's span grows to hold it, and rather than
    // a 0.3-s sliver, the last bucket stretches to the end (1.3 s): its 10 writes are 7.7 per second.
    expect(s.end_ms).toBe(4300);
    expect(s.t_s).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(s.write_ok).toEqual([10, 0, 10, 7.7]);
    expect(s.write_err).toEqual([0, 10, 0, 0]);
    expect(s.read_ok).toEqual([5, 5, 5, 3.8]);
    expect(s.ops).toEqual({ writes: 40, reads: 20 });
  });

  it('gives the median and the maximum latency of acknowledged operations only', () => {
    expect(s.write_p50[0]).toBe(2);
    expect(s.write_max.at(-1)).toBe(1300);
    expect(s.write_p50[1]).toBeNull();
    expect(meanOver(s, s.read_ok, 1000, 2000)).toBe(5);
  });

  it("turns each member's polls into role segments, normalising Patroni 3 and 4 names", () => {
    const a = s.roles.filter((r) => r.node === 'a').map((r) => [r.state, r.start_ms, r.end_ms]);
    expect(a).toEqual([
      ['leader', 0, 1000],
      ['unreachable', 1000, 3000],
      ['starting', 3000, 4000],
    ]);
    expect(s.roles.filter((r) => r.node === 'b').map((r) => r.state)).toEqual(['replica', 'leader']);
    expect(s.nodes).toEqual(['a', 'b']);
  });

  it('marks when each PostgreSQL itself accepted writes, so two at once is visible', () => {
    expect(s.writable).toEqual([
      { node: 'a', start_ms: 0, end_ms: 3000 },
      { node: 'b', start_ms: 2000, end_ms: 4000 },
    ]);
  });

  it('keeps replication lag of replicas only, the largest per bucket', () => {
    expect(s.lag).toEqual([{ node: 'b', points: [[500, 100], [1500, 5000]] }]);
  });
});

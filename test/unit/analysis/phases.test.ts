import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { HistoryRecord } from '../../../src/history/types.js';
import { fault, haproxy, haproxyDown, leaderKill, patroniRound, run, series } from './build.js';

describe('outage phases', () => {
  it('times each phase of a leader failover', () => {
    const a = analyse(run(leaderKill(), null, { ended_ms: 60_000 }));
    expect(a.outages).toHaveLength(1);
    expect(a.outages[0]).toEqual({
      window: { start_ms: 9952, end_ms: 31_002, duration_ms: 21_050, resolution_ms: 50, start_resolution_ms: 50, end_resolution_ms: 50, failed_ops: 420, workers: ['w1'] },
      fault_injected_ms: 10_000,
      leader_key_lost_ms: 30_001,
      new_leader_promoted_ms: 30_251,
      haproxy_routes_ms: 30_750,
      first_ack_ms: 31_002,
    });
  });

  it('times a quorum loss: the leader demotes, re-promotes itself, and HAProxy routes to it again', () => {
    const h: HistoryRecord[] = [...fault(5000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 30_000, 'q', 'etcd:majority')];
    h.push(...series('write', 'w1', 0, 50_000, 50, (t) => (t >= 20_000 && t < 33_000 ? 'failed' : 'ok')));
    for (let t = 0; t < 50_000; t += 250) {
      const demoted = t >= 20_000 && t < 32_000;
      h.push(
        ...patroniRound(t, { patroni1: demoted ? 'replica' : 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', t < 32_000 ? 1 : 2),
        haproxy(t, 'patroni1', t >= 21_000 && t < 32_500 ? 'DOWN' : 'UP'),
      );
    }
    const a = analyse(run(h, null, { ended_ms: 50_000 }));
    expect(a.outages).toHaveLength(1);
    expect(a.outages[0]).toMatchObject({
      fault_injected_ms: 5000,
      leader_key_lost_ms: 20_000,
      new_leader_promoted_ms: 32_000,
      haproxy_routes_ms: 32_500,
      first_ack_ms: 33_002,
    });
    expect(a.leader_changes.map((c) => [c.t_ms, c.to])).toEqual([
      [20_000, null],
      [32_000, 'patroni1'],
    ]);
  });

  it('times a HAProxy outage: no key lost, no promotion, routing back when HAProxy answers', () => {
    const h: HistoryRecord[] = [...fault(5000, 'stop', ['haproxy'], ['haproxy1'], 10_000, 'h', 'haproxy')];
    h.push(...series('write', 'w1', 0, 20_000, 50, (t) => (t >= 5000 && t < 10_300 ? 'failed' : 'ok')));
    for (let t = 0; t < 20_000; t += 250) {
      h.push(...patroniRound(t, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1));
      h.push(t > 5000 && t < 10_250 ? haproxyDown(t) : haproxy(t, 'patroni1', 'UP'));
    }
    const a = analyse(run(h, null, { ended_ms: 20_000 }));
    expect(a.outages[0]).toMatchObject({
      fault_injected_ms: 5000,
      leader_key_lost_ms: null,
      new_leader_promoted_ms: null,
      haproxy_routes_ms: 10_250,
      first_ack_ms: 10_302,
    });
  });

  it('blames an outage on the fault expected to stop writes, not on a harmless one injected later', () => {
    const h: HistoryRecord[] = [
      ...fault(5000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 40_000, 'quorum', 'etcd:majority'),
      ...fault(10_000, 'stop', ['replica'], ['patroni3'], 12_000, 'replica', 'replica'),
      ...series('write', 'w1', 0, 50_000, 50, (t) => (t >= 20_000 && t < 42_000 ? 'failed' : 'ok')),
    ];
    const a = analyse(run(h, null, { ended_ms: 50_000 }));
    expect(a.outages[0]!.fault_injected_ms).toBe(5000);
  });

  it('leaves the fault out when the window came long after it was healed', () => {
    const h: HistoryRecord[] = [...fault(1000, 'kill', ['leader'], ['patroni1'], 2000)];
    h.push(...series('write', 'w1', 0, 100_000, 50, (t) => (t >= 90_000 && t < 91_000 ? 'failed' : 'ok')));
    const a = analyse(run(h, null, { ended_ms: 100_000 }));
    expect(a.outages[0]!.fault_injected_ms).toBeNull();
  });
});

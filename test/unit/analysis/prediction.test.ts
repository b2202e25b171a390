import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { HistoryRecord, RunMeta } from '../../../src/history/types.js';
import { event, fault, leaderKill, meta, run, series } from './build.js';

/** Predictions for one fault with no outage observed. */
function predict(h: HistoryRecord[], over: Partial<RunMeta> = {}) {
  return analyse(run(h, null, { ended_ms: 100_000, ...over })).predictions;
}

describe('predictions', () => {
  it('bounds a leader kill by ttl + loop_wait + fall + rise, and finds the observed outage within it', () => {
    const [p] = analyse(run(leaderKill(), null, { ended_ms: 60_000 })).predictions;
    expect(p).toEqual({
      fault: 'kill leader (patroni1)',
      bound_ms: 23_500,
      formula: 'ttl 20 s + loop_wait 2 s + fall 2 × inter 0.5 s + rise 1 × inter 0.5 s = 23.5 s',
      observed_ms: 21_050,
      within: true,
      id: 'f1',
      t_ms: 10_000,
    });
  });

  it('flags the same outage as beyond the bound of a shorter ttl', () => {
    const config = { ...meta().config, ttl: 10 };
    const [p] = analyse(run(leaderKill(), null, { ended_ms: 60_000, config })).predictions;
    expect(p).toMatchObject({ bound_ms: 13_500, observed_ms: 21_050, within: false });
  });

  it('expects nothing from a replica, a minority of etcd, or a quorum loss with failsafe on', () => {
    const h = [
      ...fault(1000, 'stop', ['replica'], ['patroni2'], 2000, 'a'),
      ...fault(3000, 'kill-patroni', ['replica'], ['patroni3'], 4000, 'b'),
      ...fault(5000, 'kill', ['etcd'], ['etcd1'], 6000, 'c'),
    ];
    expect(predict(h).map((p) => [p.bound_ms, p.formula, p.within])).toEqual([
      [0, '0: writes do not wait for a replica', true],
      [0, '0: writes do not wait for a replica', true],
      [0, '0: etcd keeps its quorum', true],
    ]);
    const failsafe = { ...meta().config, failsafe_mode: true };
    expect(predict(fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 31_000), { config: failsafe })[0]!.bound_ms).toBe(0);
  });

  it('bounds faults that last as long as they are in place by their duration', () => {
    const quorum = predict(fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 30_900, 'q', 'etcd:majority'));
    expect(quorum[0]).toMatchObject({
      fault: 'stop etcd:majority (etcd1, etcd2)',
      bound_ms: 37_500,
      formula: 'fault duration 30 s + loop_wait 2 s + rise 1 × inter 0.5 s + re-promotion 5 s = 37.5 s',
    });
    expect(predict(fault(1000, 'stop', ['haproxy'], ['haproxy1'], 5900))[0]!.formula).toBe(
      'fault duration 5 s + rise 1 × inter 0.5 s = 5.5 s',
    );
    const topology = { ...meta().topology, haproxy: ['haproxy1', 'haproxy2'], keepalived: true };
    expect(predict(fault(1000, 'kill', ['haproxy'], ['haproxy1'], 5900), { topology })[0]!.formula).toBe(
      '3 × advert 1 s + check script 2 s = 5 s',
    );
    const all = predict(fault(1000, 'stop', ['leader', 'replica', 'replica'], ['patroni1', 'patroni2', 'patroni3'], 10_900));
    expect(all[0]!.formula).toBe('fault duration 10 s + ttl 20 s = 30 s');
  });

  it('bounds a graceful leader stop and a switchover', () => {
    expect(predict(fault(1000, 'stop', ['leader'], ['patroni1'], 20_000))[0]!.formula).toBe(
      'shutdown 5 s + loop_wait 2 s + fall 2 × inter 0.5 s + rise 1 × inter 0.5 s = 8.5 s',
    );
    const switchover = predict([event(1000, 'switchover', 'begin', { step: 3 }), event(4000, 'switchover', 'end', { step: 3 })]);
    expect(switchover).toEqual([
      expect.objectContaining({
        fault: 'switchover',
        bound_ms: 7500,
        formula: '2 × loop_wait 2 s + fall 2 × inter 0.5 s + rise 1 × inter 0.5 s + promotion 2 s = 7.5 s',
        t_ms: 1000,
      }),
    ]);
  });

  it('makes no prediction for a fault the table does not cover', () => {
    expect(predict(fault(1000, 'stop', ['pgbouncer'], ['pgbouncer1'], 2000))).toEqual([]);
    expect(predict(fault(1000, 'kill', ['patroni'], ['patroni2'], 2000))).toEqual([]);
  });

  it('treats every member targeted as patroni:all, whatever their roles', () => {
    const all = predict(fault(1000, 'kill-patroni', ['patroni', 'patroni', 'patroni'], ['patroni1', 'patroni2', 'patroni3'], 10_900));
    expect(all[0]!.formula).toBe('fault duration 10 s + ttl 20 s = 30 s');
  });

  it('takes the id and roles from the inject end, and skips an injection that failed', () => {
    const h = [
      event(1000, 'inject', 'begin', { fault: 'kill', target: 'leader', step: 0 }),
      event(1010, 'inject', 'end', { fault: 'kill', target: 'leader', step: 0, id: 'kill-1', nodes: ['patroni1'], roles: ['leader'] }),
      event(5000, 'inject', 'begin', { fault: 'kill', target: 'leader', step: 1 }),
      event(5010, 'inject', 'error', { fault: 'kill', target: 'leader', step: 1, detail: 'no leader to target' }),
    ];
    expect(predict(h)).toEqual([expect.objectContaining({ id: 'kill-1', fault: 'kill leader (patroni1)', t_ms: 1000, bound_ms: 23_500 })]);
  });

  it('gives a window to the later fault once the earlier one was healed', () => {
    const h: HistoryRecord[] = [
      ...fault(1000, 'kill', ['leader'], ['patroni1'], 30_000, 'first'),
      ...fault(40_000, 'kill', ['leader'], ['patroni2'], 70_000, 'second'),
      ...series('write', 'w1', 0, 100_000, 50, (t) =>
        (t >= 1000 && t < 10_000) || (t >= 40_000 && t < 70_000) ? 'failed' : 'ok',
      ),
    ];
    expect(predict(h).map((p) => [p.id, p.observed_ms, p.within])).toEqual([
      ['first', 9050, true],
      ['second', 30_050, false],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import { cutOf, modelFor } from '../../../src/analysis/model.js';
import { FAULT_KINDS, FAULT_TARGETS } from '../../../src/cluster/types.js';
import type { EventRecord, HistoryRecord, RunMeta } from '../../../src/history/types.js';
import { event, fault, meta, run, series } from './build.js';

function faults(h: HistoryRecord[], over: Partial<RunMeta> = {}) {
  return analyse(run(h, null, { ended_ms: 100_000, ...over })).faults;
}

const writesDown = (...spans: Array<[number, number]>) =>
  series('write', 'w1', 0, 100_000, 50, (t) => (spans.some(([a, b]) => t >= a && t < b) ? 'failed' : 'ok'));

/** A fault whose injection's end names the other side, as the runner records a file's `from:`. */
function withPeers(events: EventRecord[], peers: string): EventRecord[] {
  return events.map((e) => (e.action === 'inject' && e.phase === 'end' ? { ...e, peers: peers.split(', ') } : e));
}

describe('the fault model for partitions, degraded paths and PostgreSQL faults', () => {
  it('tells what the other side of a partition holds', () => {
    const t = meta().topology;
    expect(cutOf(['etcd1', 'etcd2', 'etcd3'], t)).toEqual({ etcd_majority: true, patroni: 0, haproxy: 0 });
    expect(cutOf(['patroni2', 'patroni3'], t)).toEqual({ etcd_majority: false, patroni: 2, haproxy: 0 });
    expect(cutOf([], t)).toEqual({ etcd_majority: false, patroni: 0, haproxy: 0 });
  });

  it('classes a split by the Patroni node on its cutting side, not the etcd member it took along', () => {
    const [f] = faults(withPeers(fault(10_000, 'partition', ['leader', 'etcd'], ['patroni1', 'etcd1'], 45_000), 'etcd2, etcd3, patroni2, patroni3'));
    expect(f).toMatchObject({ scenario: 'leader-dcs-cut', disrupts: true });
  });

  it('takes a partition with no other side named as cut from every other node', () => {
    const [f] = faults(fault(10_000, 'partition', ['leader'], ['patroni1'], 45_000));
    expect(f).toMatchObject({ scenario: 'leader-dcs-cut', disrupts: true });
  });

  it('has an entry for every fault kind on a replica and on the leader, and none says "no model"', () => {
    const m = meta();
    for (const kind of FAULT_KINDS) {
      if (!FAULT_TARGETS[kind].nodes.includes('patroni')) continue;
      expect(modelFor(kind, ['replica'], m), `${kind} on a replica`).not.toBeNull();
      if (kind === 'replay-pause') continue; // a replica's fault
      const peers = kind === 'partition' ? ['etcd1', 'etcd2', 'etcd3'] : undefined;
      expect(modelFor(kind, ['leader'], m, peers && cutOf(peers, m.topology)), `${kind} on the leader`).not.toBeNull();
    }
  });

  it('in a synchronous split, writes stop at the cut, and only the old holder\'s loops count', () => {
    const h = [...withPeers(fault(10_000, 'partition', ['leader', 'etcd'], ['patroni1', 'etcd1'], 45_000), 'etcd2, etcd3, patroni2, patroni3'), ...writesDown([10_000, 34_000])];
    const t0 = Date.parse('2025-01-01T00:00:00.000Z');
    const line = (at: string, node: string) => `2025-01-01 ${at} INFO: Lock owner: ${node}; I am ${node}`;
    const renewed = (at: string, node: string) => `2025-01-01 ${at} INFO: no action. I am (${node}), the leader with the lock`;
    const logs = [
      // The holder's loop began 84 ms before the cut, renewed, and logged it 15 ms before the cut; the
      // next one fails. patroni2 holds the lock from 30 s on.
      { node: 'patroni1', component: 'patroni' as const, text: [renewed('00:00:09,990', 'patroni1'), line('00:00:11,921', 'patroni1')].join('\n') },
      { node: 'patroni2', component: 'patroni' as const, text: line('00:00:30,000', 'patroni2') },
    ];
    const config = { ...meta().config, synchronous_mode: true };
    const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString(), config }), logs });
    const f = a.faults[0]!;
    // Writes stop when the cut goes in, during the injection (5 ms).
    expect(f.phases.find((p) => p.name === 'detection')).toMatchObject({ lo_ms: -5, hi_ms: 0 });
    // Key expiry from patroni1's last renewal (−0.084 … −0.015 s + ttl 20 s … + 0.5 s), takeover, the
    // old leader's REST API timing out (2 s), promotion, rise, client.
    expect(f.predicted).toMatchObject({ lo_ms: 19_916 + 2000, hi_ms: 19_985 + 500 + 800 + 2000 + 300 + 500 + 250 + 5 });
    // etcd1 led etcd and stepped down at 11.5 s: the cut went in at 10.000 … 10.005 s (the injection),
    // the majority's new leader restarted the lease 0.9 … 2 s later, for election 1 s + ttl 20 s.
    const etcd = { node: 'etcd1', component: 'etcd' as const, text: '{"level":"warn","ts":"2025-01-01T00:00:11.500Z","msg":"e0c55d1b1ee4521e stepped down to follower since quorum is not active"}' };
    const led = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString(), config }), logs: [...logs, etcd] }).faults[0]!;
    expect(led.phases.find((p) => p.name === 'promotion')).toMatchObject({ lo_ms: -5 + 900 + 21_000 + 2000, hi_ms: 2000 + 21_000 + 500 + 800 + 2000 + 300 });
  });

  it('demotes a leader cut from etcd (failsafe off) and lets a replica take the key ttl after its last renewal', () => {
    const h = [...withPeers(fault(10_000, 'partition', ['leader'], ['patroni1'], 45_000), 'etcd1, etcd2, etcd3'), ...writesDown([21_350, 29_450])];
    const t0 = Date.parse('2025-01-01T00:00:00.000Z');
    // Its last loop began 1.2 s before the cut and logged its renewal 0.1 s later (Patroni 4 drops
    // "Lock owner" before "no action"); the next one, 0.8 s after the cut, cannot renew and logs it.
    const text = ['00:00:08,905 INFO: no action. I am (patroni1), the leader with the lock', '00:00:10,805 INFO: Lock owner: patroni1; I am patroni1']
      .map((l) => `2025-01-01 ${l}`)
      .join('\n');
    const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs: [{ node: 'patroni1', component: 'patroni', text }] });
    const f = a.faults[0]!;
    expect(f).toMatchObject({ scenario: 'leader-dcs-cut', disrupts: true, effective_ms: 10_005, within: true, observed_ms: 8150 });
    // Key expiry 18.8 … 19.4 s after the cut, then takeover, promotion, rise, client; demotion 0.8 + 10.5 … 10.7 s (+ 0.5).
    expect(f.predicted).toMatchObject({ lo_ms: 18_800 - (800 + 10_700 + 500), hi_ms: 19_400 + 800 + 300 + 500 + 250 - (800 + 10_500) });
    const failsafe = { ...meta().config, failsafe_mode: true };
    const [on] = faults(withPeers(fault(10_000, 'partition', ['leader'], ['patroni1'], 45_000), 'etcd1, etcd2, etcd3'), { config: failsafe });
    expect(on).toMatchObject({ scenario: 'leader-dcs-cut', disrupts: false, predicted: { lo_ms: 0, hi_ms: 0 } });
    // Switched on by a `config` step after the run began: the run's settings are those at its start.
    const config = [event(5000, 'config', 'begin', { step: 1, detail: 'failsafe_mode=true' }), event(5800, 'config', 'end', { step: 1 })];
    const [later] = faults([...config, ...withPeers(fault(10_000, 'partition', ['leader'], ['patroni1'], 45_000), 'etcd1, etcd2, etcd3')]);
    expect(later).toMatchObject({ scenario: 'leader-dcs-cut', disrupts: false, predicted: { lo_ms: 0, hi_ms: 0 } });
  });

  it('expects no outage when the leader is cut from its replicas only, or etcd is slowed down', () => {
    const h = [
      ...withPeers(fault(1000, 'partition', ['leader'], ['patroni1'], 20_000, 'a'), 'patroni2, patroni3'),
      ...fault(30_000, 'delay', ['etcd', 'etcd', 'etcd'], ['etcd1', 'etcd2', 'etcd3'], 60_000, 'b', 'etcd:all'),
      ...fault(70_000, 'replay-pause', ['replica'], ['patroni2'], 80_000, 'c'),
    ];
    expect(faults(h).map((f) => [f.scenario, f.predicted?.hi_ms, f.within])).toEqual([
      ['leader-replicas-cut', 0, true],
      ['etcd-degraded', 0, true],
      ['replica', 0, true],
    ]);
  });

  it('bounds a degraded leader by a few timeouts, without a failover', () => {
    const [lossy] = faults([...fault(1000, 'loss', ['leader'], ['patroni1'], 41_000), ...writesDown([5000, 6200])]);
    expect(lossy).toMatchObject({ scenario: 'leader-degraded', disrupts: false, predicted: { lo_ms: 0, hi_ms: 3000 }, within: true });
  });

  it('keeps a CPU-starved leader out of HAProxy until the quota is lifted, without a failover', () => {
    const [starved] = faults([...fault(1000, 'cpu-starve', ['leader'], ['patroni1'], 41_000), ...writesDown([3000, 42_000])]);
    expect(starved).toMatchObject({ scenario: 'leader-starved', disrupts: true, predicted: { lo_ms: 32_095, hi_ms: 42_095 }, within: true });
  });

  it('predicts a PostgreSQL crash from the next HA loop and the restart, and a full pg_wal from its heal or a failover', () => {
    const h = [...fault(1000, 'postgres-crash', ['leader'], ['patroni1']), ...writesDown([1005, 4300])];
    // Without the log: the next loop 0 … loop_wait 2 s, the restart 0.8 … 8 s, rise, a client's retry.
    const [crash] = faults(h);
    expect(crash).toMatchObject({ scenario: 'postgres-crash', predicted: { lo_ms: 800, hi_ms: 10_750 }, within: true });
    // With it: the holder's loop that found the postmaster gone, 1.2 s after the kill.
    const t0 = Date.parse('2025-01-01T00:00:00.000Z');
    const text = ['00:00:00,205 INFO: no action. I am (patroni1), the leader with the lock', '00:00:02,205 WARNING: Postgresql is not running.', '00:00:02,205 INFO: Lock owner: patroni1; I am patroni1']
      .map((l) => `2025-01-01 ${l}`)
      .join('\n');
    const logged = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs: [{ node: 'patroni1', component: 'patroni', text }] }).faults[0]!;
    expect(logged).toMatchObject({ predicted: { lo_ms: 1200 + 800, hi_ms: 1200 + 8000 + 500 + 250 }, within: true });
    // Held until the heal (no PANIC line without logs: from the injection's begin), or released after a failed start.
    const [full] = faults([...fault(1000, 'disk-full', ['leader'], ['patroni1'], 21_000), ...writesDown([1005, 29_000])]);
    expect(full!.predicted!.terms[0]!.label).toContain('pg_wal full for 20.1 s');
    expect(full).toMatchObject({ scenario: 'disk-full', within: true });
    const [released] = faults([...fault(1000, 'disk-full', ['leader'], ['patroni1'], 21_000), ...writesDown([1005, 6300])]);
    expect(released).toMatchObject({ scenario: 'disk-full', within: true });
  });

  it('keeps writes out until the old leader is back when no replica is fit to take over', () => {
    const h = [
      ...withPeers(fault(1000, 'partition', ['replica'], ['patroni2'], 80_000, 'lag'), 'patroni1'),
      ...fault(11_000, 'stop', ['replica'], ['patroni3'], 80_000, 'other'),
      ...fault(13_000, 'kill', ['leader'], ['patroni1'], 43_000, 'crash'),
      ...writesDown([13_005, 52_000]),
    ];
    const crash = faults(h).find((f) => f.id === 'crash')!;
    expect(crash.combined_with?.story).toBe('no replica is fit to take over: writes wait until the old leader is back');
    expect(crash.predicted!.terms.map((t) => t.label)).toContain('old leader down for 30.095 s');
    expect(crash).toMatchObject({ within: true });
    // With one replica left fit, the crash plays out as on its own.
    const one = faults(h.filter((e) => !('id' in e) || e.id !== 'other')).find((f) => f.id === 'crash')!;
    expect(one.combined_with?.story).toBe('a replica is left to take over: the fault plays out as on its own');
  });
});

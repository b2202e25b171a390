import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import { modelFor, MODEL, renewalGivesUp } from '../../../src/analysis/model.js';
import type { HistoryRecord, RunMeta } from '../../../src/history/types.js';
import { event, fault, leaderKill, meta, run, series } from './build.js';

function faults(h: HistoryRecord[], over: Partial<RunMeta> = {}) {
  return analyse(run(h, null, { ended_ms: 100_000, ...over })).faults;
}

const writesDown = (...spans: Array<[number, number]>) =>
  series('write', 'w1', 0, 100_000, 50, (t) => (spans.some(([a, b]) => t >= a && t < b) ? 'failed' : 'ok'));

describe('the fault model', () => {
  it("bounds when Patroni's Retry gives up renewing the lease over every jitter it can draw", () => {
    const [lo, hi] = renewalGivesUp(9);
    // Given up 7.0 s (two 0.5 s and 0.66 s sleeps), 7.5, 9.0 and 9.1 s after the loop began, on lab 1.
    for (const seen of [7006, 7500, 9000]) expect(seen).toBeGreaterThanOrEqual(lo);
    expect([lo, hi]).toEqual([6467, 9000]);
    // A longer retry_timeout leaves more tries: the give-up moves with it.
    expect(renewalGivesUp(15)[0]).toBeGreaterThan(lo + 5000);
  });

  it('predicts a leader crash from both ends: key expiry ttl − loop_wait … ttl, then takeover, promotion, rise', () => {
    const [f] = analyse(run(leaderKill(), null, { ended_ms: 60_000 })).faults;
    expect(f).toMatchObject({ id: 'f1', scenario: 'leader-crash', effective_ms: 10_005, effective_source: 'inject_end', observed_ms: 21_050, within: true });
    expect(f!.predicted).toMatchObject({ lo_ms: 18_000, hi_ms: 22_350 });
    expect(f!.predicted!.terms.map((t) => t.label)).toContain('key expiry: ttl 20 s − loop_wait 2 s … ttl + lease round 0.5 s');
    const detection = f!.phases.find((p) => p.name === 'detection')!;
    expect(detection).toMatchObject({ observed_ms: 19_996, lo_ms: 18_000, hi_ms: 20_500, within: true });
    expect(f!.phases.map((p) => p.name)).toEqual(['detection', 'promotion', 'routing', 'first_write']);
  });

  it('reports an outage longer than hi as slower, and one shorter than lo as faster', () => {
    const config = { ...meta().config, ttl: 10 };
    expect(analyse(run(leaderKill(), null, { ended_ms: 60_000, config })).faults[0]).toMatchObject({ within: false, finding: 'slower' });
    const quick = faults([...fault(10_000, 'kill', ['leader'], ['patroni1'], 40_000), ...writesDown([10_000, 15_000])]);
    expect(quick[0]).toMatchObject({ observed_ms: 5050, within: false, finding: 'faster' });
  });

  describe('with keepalived', () => {
    const topology = { ...meta().topology, haproxy: ['haproxy1', 'haproxy2'], keepalived: true };
    // What this tool configures: a check every second (weight 0), haproxy1 preferred.
    const own = { advert_int_ms: 1000, nopreempt: true, check: { interval_ms: 1000, timeout_ms: 1000, fall: 1, weight: 0 }, priorities: { haproxy1: 102, haproxy2: 101 } };
    const config = (keepalived: object) => ({ ...meta().config, keepalived } as RunMeta['config']);

    it("moves the VIP once the holder's check fails and the backup's skew has passed", () => {
      // Outages of 0.94–1.57 s measured in 10 runs of haproxy-vip-failover and haproxy-preempt.
      const [f] = faults([...fault(10_000, 'stop', ['haproxy'], ['haproxy1'], 20_000), ...writesDown([10_005, 11_400])], { topology, config: config(own) });
      expect(f).toMatchObject({ scenario: 'haproxy-vip', within: true });
      // skew (256 − 101) / 256 × 1 s = 0.605 s, the check 0 … 1 s, a client's retry 0 … 0.25 s.
      expect(f!.predicted).toMatchObject({ lo_ms: 605.5, hi_ms: 1855.5 });
      // On hosts a pause freezes HAProxy's unit alone: the check fails only when its 1-s timeout runs out.
      const [frozen] = faults(fault(10_000, 'pause', ['haproxy'], ['haproxy1'], 20_000), { topology, config: config(own), driver: 'hosts' });
      expect(frozen!.predicted).toMatchObject({ lo_ms: 1605.5, hi_ms: 2855.5 });
      // Here it freezes the whole node, keepalived too: the backup waits out the master-down interval.
      const [node] = faults(fault(10_000, 'pause', ['haproxy'], ['haproxy1'], 20_000), { topology, config: config(own) });
      expect(node!.predicted).toMatchObject({ lo_ms: 2605.5, hi_ms: 3855.5 });
      // A run recorded before the check and priorities were kept: the skew can be anything up to advert_int.
      const [old] = faults(fault(10_000, 'stop', ['haproxy'], ['haproxy1'], 20_000), { topology, config: config({ advert_int_ms: 1000, nopreempt: true }) });
      expect(old!.predicted).toMatchObject({ lo_ms: 0, hi_ms: 2250 });
    });

    it('keeps the VIP on a dead HAProxy when the check only lowers a priority that nopreempt will not act on, or there is no check', () => {
      for (const check of [{ ...own.check, weight: -20 }, null]) {
        const [f] = faults([...fault(10_000, 'stop', ['haproxy'], ['haproxy1'], 20_000), ...writesDown([10_005, 20_300])], { topology, config: config({ ...own, check }) });
        expect(f).toMatchObject({ scenario: 'haproxy-vip', within: true });
        expect(f!.predicted!.terms[0]!.label).toMatch(/the VIP stays with the dead HAProxy/);
      }
      // Without nopreempt a backup that now outranks the holder takes over at its next advertisement.
      const [preempt] = faults(fault(10_000, 'stop', ['haproxy'], ['haproxy1'], 20_000), { topology, config: config({ ...own, nopreempt: false, check: { ...own.check, weight: -20 } }) });
      expect(preempt!.predicted).toMatchObject({ lo_ms: 0, hi_ms: 2250 });
    });

    it('sees a killed keepalived cost only a reset when the backup claims the VIP after the master-down interval', () => {
      // Measured: blips of 54–152 ms, 3.3–3.6 s after the kill, in 5 keepalived-kill runs.
      const [f] = faults([...fault(10_000, 'kill', ['keepalived'], ['haproxy1/keepalived'], 20_000), ...writesDown([13_500, 13_650])], { topology, config: config(own) });
      expect(f).toMatchObject({ scenario: 'keepalived', within: true });
      expect(f!.predicted).toMatchObject({ lo_ms: 0, hi_ms: 400 });
      // 3 × advert_int + skew after the last advertisement, heard 0 … 1 s before the kill.
      expect(f!.phases.find((p) => p.name === 'first_write')).toMatchObject({ lo_ms: 2605.5, hi_ms: 4005.5, within: true });
    });

    it('expects nothing from the HAProxy that does not hold the VIP, and the master-down interval from a holder cut off', () => {
      expect(faults(fault(10_000, 'stop', ['haproxy_backup'], ['haproxy2'], 20_000), { topology, config: config(own) })[0]).toMatchObject({ scenario: 'haproxy-standby', predicted: { lo_ms: 0, hi_ms: 0 } });
      for (const driver of ['local', 'hosts'] as const) {
        const [cut] = faults(fault(10_000, 'isolate', ['haproxy'], ['haproxy1'], 20_000), { topology, config: config(own), driver });
        expect(cut!.predicted).toMatchObject({ lo_ms: 2605.5, hi_ms: 3855.5 });
      }
    });
  });

  it('expects no outage from a replica, a minority of etcd (its Raft leader too), or a quorum loss with failsafe on', () => {
    const h = [
      ...fault(1000, 'stop', ['replica'], ['patroni2'], 2000, 'a'),
      ...fault(3000, 'kill-patroni', ['replica'], ['patroni3'], 4000, 'b'),
      ...fault(5000, 'kill', ['etcd'], ['etcd1'], 6000, 'c'),
      // etcd-leader: the member that was the Raft leader, still one of three.
      ...fault(7000, 'kill', ['etcd_leader'], ['etcd2'], 8000, 'd'),
    ];
    expect(faults(h).map((f) => [f.scenario, f.predicted?.hi_ms, f.within])).toEqual([
      ['replica', 0, true],
      ['replica', 0, true],
      ['etcd-minority', 0, true],
      ['etcd-minority', 0, true],
    ]);
    const failsafe = { ...meta().config, failsafe_mode: true };
    expect(faults(fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 31_000), { config: failsafe })[0]!.predicted!.hi_ms).toBe(0);
  });

  it('predicts a quorum loss from the live state: when etcd lost its leader, the leader\'s next HA loop, retry_timeout, then the quorum\'s return', () => {
    const h = [...fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 36_000, 'q', 'etcd:majority'), ...writesDown([21_000, 38_000])];
    const t0 = Date.parse('2025-01-01T00:00:10.000Z');
    const logs = [
      { node: 'etcd3', component: 'etcd', text: '{"level":"warn","ts":"2025-01-01T00:00:12.900Z","msg":"720b stepped down to follower since quorum is not active"}\n' },
      {
        node: 'patroni1',
        component: 'patroni',
        // The loop in progress renewed the lease before etcd lost its leader; the next one cannot.
        text: '2025-01-01 00:00:11,500 INFO: Lock owner: patroni1; I am patroni1\n2025-01-01 00:00:22,700 INFO: Lock owner: patroni1; I am patroni1\n',
      },
    ];
    const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs });
    const q = a.faults[0]!;
    expect(q).toMatchObject({ scenario: 'etcd-quorum', effective_ms: 2900, effective_source: 'log', within: true, observed_ms: 17_050 });
    const labels = q.predicted!.terms.map((t) => t.label);
    expect(labels).toContain("− (leader's first HA loop after etcd lost its leader (Patroni log) 9.8 s)");
    expect(labels.some((l) => l.startsWith('quorum lost for 33.2 s'))).toBe(true);
    expect(q.predicted).toMatchObject({ lo_ms: 13_950, hi_ms: 22_183 });
    // Detection is the demotion, seen as the writes stopping (the key outlives the outage).
    expect(q.phases.find((p) => p.name === 'detection')).toMatchObject({ observed_ms: 18_052, lo_ms: 16_267, hi_ms: 19_500, within: true });
    // The lock holder's loops feed the model; they are not marks for the chart.
    expect(a.log_events.map((e) => e.kind)).toEqual(['etcd_stepped_down']);
    // Without the logs: from the stop's start, and the leader's loop can be anywhere up to
    // loop_wait + a /status try + a whole touch_member retry (the slow runs' 18.7–28.6 s).
    const [bare] = faults(h);
    expect(bare).toMatchObject({ effective_ms: 1000, effective_source: 'inject_begin', within: true });
    expect(bare!.predicted!.hi_ms - bare!.predicted!.lo_ms).toBeGreaterThan(15_000);
  });

  it("places a quorum loss where etcd stopped renewing leases: the lone leader's step-down, else its followers losing the last peer of a majority", () => {
    const h = [...fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 36_000, 'q', 'etcd:majority')];
    const t0 = Date.parse('2025-01-01T00:00:10.000Z');
    const inactive = (ts: string, peer: string) =>
      `{"level":"warn","ts":"2025-01-01T00:00:${ts}Z","caller":"rafthttp/peer_status.go:68","msg":"peer became inactive (message send to peer failed)","peer-id":"${peer}","error":"EOF"}\n`;
    const effect = (etcd3: string) => analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs: [{ node: 'etcd3', component: 'etcd', text: etcd3 }] }).faults[0]!;
    // A stopped etcd leader tried to hand its leadership over for 7 s before it left raft (recorded on
    // lab 5): until then the follower left running still had a leader, and the key was renewed.
    const lingering = inactive('11.020', 'd7be') + inactive('11.030', 'd7be') + inactive('18.020', '39d5');
    expect(effect(lingering)).toMatchObject({ effective_ms: 8020, effective_source: 'log' });
    // The member left running was the leader: it renews leases alone until check-quorum steps it down.
    const stepped = inactive('11.020', 'd7be') + inactive('11.100', '39d5') + '{"level":"warn","ts":"2025-01-01T00:00:12.900Z","msg":"720b stepped down to follower since quorum is not active"}\n';
    expect(effect(stepped)).toMatchObject({ effective_ms: 2900, effective_source: 'log' });
    // One peer lost is not a quorum lost; nothing else logged: the stop's start.
    expect(effect(inactive('11.020', 'd7be'))).toMatchObject({ effective_ms: 1000, effective_source: 'inject_begin' });
  });

  it('takes a graceful stop to effect at PostgreSQL\'s shutdown line when the log has it', () => {
    const h: HistoryRecord[] = [...fault(1000, 'stop', ['leader'], ['patroni1'], 20_000), ...writesDown([1100, 4000])];
    const t0 = Date.parse('2025-01-01T00:00:10.000Z');
    const logs = [{ node: 'patroni1', component: 'patroni', text: '2025-01-01 00:00:11.003 UTC [12] LOG:  received fast shutdown request\n' }];
    const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs });
    expect(a.faults[0]).toMatchObject({ scenario: 'leader-stop', effective_ms: 1003, effective_source: 'log' });
    expect(a.log_events).toEqual([expect.objectContaining({ t_ms: 1003, kind: 'postgres_shutdown', node: 'patroni1' })]);
    // Without the log line: the command's start.
    expect(faults(h)[0]).toMatchObject({ effective_ms: 1000, effective_source: 'inject_begin' });
  });

  it("places a stop's key release on Patroni's 1-s stop polls after PostgreSQL's shutdown ended", () => {
    const h: HistoryRecord[] = [...fault(1000, 'stop', ['leader'], ['patroni1'], 20_000), ...writesDown([1100, 4000])];
    const t0 = Date.parse('2025-01-01T00:00:10.000Z');
    const text = (down: string, extra = '') =>
      `2025-01-01 00:00:11.000 UTC [12] LOG:  received fast shutdown request\n${extra}2025-01-01 00:00:${down} UTC [12] LOG:  database system is shut down\n`;
    const detection = (down: string, extra = '') => {
      const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString() }), logs: [{ node: 'patroni1', component: 'patroni', text: text(down, extra) }] });
      return a.faults[0]!.phases.find((p) => p.name === 'detection');
    };
    // Shut down 0.43 s after the signal, later than any first poll: released at the second, 0.97…1.2 s (+ pg_controldata, delete).
    expect(detection('11.430')).toMatchObject({ lo_ms: 990, hi_ms: 1350 });
    // Shut down 1.2 s after: the second poll may or may not find it gone, the third (1.97…2.35 s) does (+ 0.15 s).
    expect(detection('12.200')).toMatchObject({ lo_ms: 990, hi_ms: 2500 });
    // The shutdown checkpoint ended at 0.9 s, before any second poll: had that poll found the postmaster
    // still there it would have asked the replicas (no such lines), so it found it gone.
    const checkpoint = '2025-01-01 00:00:11.100 UTC [13] LOG:  checkpoint starting: shutdown immediate\n2025-01-01 00:00:11.900 UTC [13] LOG:  checkpoint complete: wrote 9 buffers\n';
    expect(detection('12.150')).toMatchObject({ lo_ms: 990, hi_ms: 2500 });
    expect(detection('12.150', checkpoint)).toMatchObject({ lo_ms: 990, hi_ms: 1350 });
    // The slow path: the stopped leader asked the replicas (is_failover_possible), the key goes just after.
    const asked = '2025-01-01 00:00:13,050 INFO: Got response from patroni2 http://10.0.0.2:8008/patroni: {"state": "running"}\n';
    expect(detection('11.430', asked)).toMatchObject({ lo_ms: 2050, hi_ms: 2350 });
  });

  it("takes a stop's takeover as a reset when the old leader's backlog had room, else either way", () => {
    const down = (ms: number) => ({ type: 'patroni' as const, t_ms: ms, node: 'patroni1', reachable: false });
    const t0 = Date.parse('2025-01-01T00:00:10.000Z');
    const logs = [{ node: 'patroni1', component: 'patroni', text: '2025-01-01 00:00:11.000 UTC [12] LOG:  received fast shutdown request\n2025-01-01 00:00:11.400 UTC [12] LOG:  database system is shut down\n' }];
    const takeover = (polls: number[], haproxy = ['haproxy1']) => {
      const h: HistoryRecord[] = [...fault(1000, 'stop', ['leader'], ['patroni1'], 20_000), ...writesDown([1100, 4000]), ...polls.map(down)];
      const topology = { ...meta().topology, haproxy };
      const a = analyse({ ...run(h, null, { ended_ms: 100_000, t0_wall: new Date(t0).toISOString(), topology }), logs });
      return a.faults[0]!.predicted!.terms.find((x) => x.label.includes('takeover'))!;
    };
    // Our observer's one request waiting (then none while it is out): HAProxy's ≤ 4 + 1 leave room.
    expect(takeover([1100, 1500, 1700, 1900, 2100])).toMatchObject({ lo_ms: 200, hi_ms: 650 });
    // Two HAProxy nodes (the production topology) check twice as often: full, either way.
    expect(takeover([1100, 1500, 1700, 1900, 2100], ['haproxy1', 'haproxy2'])).toMatchObject({ lo_ms: 200, hi_ms: 1500 });
    // Two requests every poll that waited (the observer before 2026-12-07 13:50): full, either way.
    expect(takeover([1000, 1400, 1800, 2200])).toMatchObject({ lo_ms: 200, hi_ms: 1500 });
  });

  it('charges a crash during a one-member etcd stop to the crash, with the pair\'s prediction', () => {
    const h = [
      ...fault(1000, 'stop', ['etcd'], ['etcd1'], 60_000, 'e1', 'etcd:1'),
      ...fault(10_000, 'kill', ['leader'], ['patroni1'], 40_000, 'crash'),
      ...writesDown([10_000, 30_000]),
    ];
    const [etcd, crash] = faults(h);
    expect(etcd).toMatchObject({ scenario: 'etcd-minority', observed_ms: 0, within: true, windows: [] });
    expect(crash).toMatchObject({ scenario: 'leader-crash', observed_ms: 20_050, within: true, windows: [0] });
    expect(crash!.combined_with).toMatchObject({ id: 'e1', scenario: 'etcd-minority' });
  });

  it('gives a leader stop while etcd has no quorum the pair\'s prediction: no leader until the quorum returns', () => {
    const h = [
      ...fault(1000, 'stop', ['etcd', 'etcd'], ['etcd1', 'etcd2'], 40_000, 'q', 'etcd:majority'),
      ...fault(5000, 'stop', ['leader'], ['patroni1'], 50_000, 'stop'),
      ...writesDown([5000, 43_000]),
    ];
    const [, stop] = faults(h);
    expect(stop!.combined_with).toMatchObject({ id: 'q', scenario: 'etcd-quorum' });
    expect(stop!.predicted!.terms[0]!.label).toBe('until the quorum is back 35.1 s');
    expect(stop).toMatchObject({ windows: [0], within: true });
  });

  it('judges a leader frozen and cut off at once (a hung VM) as one outage: the first fault\'s, the second explained by it', () => {
    const h = [
      ...fault(10_000, 'pause', ['leader'], ['patroni1'], 40_000, 'frozen'),
      ...fault(10_002, 'isolate', ['leader'], ['patroni1'], 40_000, 'cut').map((e) => ({ ...e, step: 2 })),
      ...writesDown([10_000, 31_000]),
    ];
    const [frozen, cut] = faults(h);
    expect(frozen).toMatchObject({ scenario: 'leader-pause', windows: [0], within: true });
    // ttl − loop_wait … ttl + 0.5 s, and the replica's request to the silent old leader times out (2 s).
    expect(frozen!.predicted).toMatchObject({ lo_ms: 20_000, hi_ms: 24_350 });
    expect(cut).toMatchObject({ scenario: 'leader-isolate', windows: [], within: null, explained_by: { id: 'frozen' } });
    expect(cut!.finding).toBeUndefined();
    expect(cut!.phases.every((p) => p.within === null)).toBe(true);
    // On another node it does not apply: the leader's crash during a replica's pause is judged on its own.
    const apart = faults([
      ...fault(10_000, 'pause', ['replica'], ['patroni2'], 40_000, 'r'),
      ...fault(10_002, 'kill', ['leader'], ['patroni1'], 40_000, 'crash').map((e) => ({ ...e, step: 2 })),
      ...writesDown([10_000, 31_000]),
    ]);
    expect(apart[1]).toMatchObject({ scenario: 'leader-crash', windows: [0], within: true });
    expect(apart.map((f) => f.explained_by)).toEqual([undefined, undefined]);
  });

  it('takes the id and roles from the inject end, and skips an injection that failed', () => {
    const h = [
      event(1000, 'inject', 'begin', { fault: 'kill', target: 'leader', step: 0 }),
      event(1010, 'inject', 'end', { fault: 'kill', target: 'leader', step: 0, id: 'kill-1', nodes: ['patroni1'], roles: ['leader'] }),
      event(5000, 'inject', 'begin', { fault: 'kill', target: 'leader', step: 1 }),
      event(5010, 'inject', 'error', { fault: 'kill', target: 'leader', step: 1, detail: 'no leader to target' }),
    ];
    expect(faults(h)).toEqual([expect.objectContaining({ id: 'kill-1', fault: 'kill leader (patroni1)', injected_ms: 1000, effective_ms: 1010 })]);
  });

  it('has no entry for a member of unknown role, and one entry per scenario and kind', () => {
    expect(faults(fault(1000, 'kill', ['patroni'], ['patroni2'], 2000))[0]).toMatchObject({ predicted: null, finding: 'no_model', within: null });
    expect(modelFor('kill', ['patroni', 'patroni', 'patroni'], meta())?.scenario).toBe('all-patroni');
    const keys = MODEL.flatMap((m) => m.kinds.map((k) => `${m.target}/${k}/${m.when ? m.when.toString() : ''}`));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

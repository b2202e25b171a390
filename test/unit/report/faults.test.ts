import { describe, expect, it } from 'vitest';
import type { OutagePhases } from '../../../src/analysis/types.js';
import type { EventRecord } from '../../../src/history/types.js';
import { classifyFault } from '../../../src/report/faults.js';
import { normaliseResults } from '../../../src/report/load.js';
import { phaseRows, worstPhase } from '../../../src/report/phases.js';

const ev = (t_ms: number, phase: EventRecord['phase'], action: EventRecord['action'], step: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  type: 'event',
  t_ms,
  phase,
  action,
  step,
  ...extra,
});

describe('classifyFault', () => {
  const results = (events: EventRecord[], topology: Record<string, unknown> = {}) =>
    normaliseResults({ verdict: 'pass', topology: { etcd: ['e1', 'e2', 'e3'], patroni: ['p1', 'p2', 'p3'], haproxy: ['h1'], ...topology }, events }, 'x').results;

  it('pairs each injection with the end of its heal, taking roles and nodes from the injection\'s end', () => {
    const info = classifyFault(
      results([
        ev(1000, 'begin', 'inject', 1, { fault: 'stop', id: 'a', target: 'replica' }),
        ev(1100, 'end', 'inject', 1, { fault: 'stop', id: 'a', target: 'replica', nodes: ['p2'], roles: ['replica'] }),
        ev(2000, 'begin', 'inject', 2, { fault: 'pause', id: 'b', target: 'leader' }),
        ev(2050, 'end', 'inject', 2, { fault: 'pause', id: 'b', target: 'leader', nodes: ['p1'], roles: ['leader'] }),
        ev(5000, 'begin', 'heal', 3, { fault: 'pause', id: 'b', target: 'leader' }),
        ev(5200, 'end', 'heal', 3, { fault: 'pause', id: 'b', target: 'leader' }),
        ev(7000, 'begin', 'heal', 4, { fault: 'stop', id: 'a', target: 'replica' }),
        ev(7400, 'end', 'heal', 4, { fault: 'stop', id: 'a', target: 'replica' }),
      ]),
    );
    expect(info.all.map((f) => [f.fault, f.nodes, f.start_ms, f.end_ms])).toEqual([
      ['stop', ['p2'], 1000, 7400],
      ['pause', ['p1'], 2000, 5200],
    ]);
    expect(info.scenario).toBe('replica');
  });

  it('leaves a fault that was never healed open', () => {
    expect(classifyFault(results([ev(1000, 'begin', 'inject', 0, { fault: 'kill', target: 'leader', roles: ['leader'] })])).primary!.end_ms).toBeNull();
  });

  const scenario = (inject: Partial<EventRecord>, topology: Record<string, unknown> = {}) => classifyFault(results([ev(0, 'begin', 'inject', 0, inject)], topology)).scenario;

  it("tells the course's faults apart by the roles their targets had, as analysis does", () => {
    expect(scenario({ fault: 'kill', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('leader-crash');
    expect(scenario({ fault: 'stop', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('leader-stop');
    expect(scenario({ fault: 'kill-patroni', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('patroni-kill');
    expect(scenario({ fault: 'stop', target: 'replica', roles: ['replica'], nodes: ['p2'] })).toBe('replica');
    expect(scenario({ fault: 'stop', target: 'etcd:majority', roles: ['etcd', 'etcd'], nodes: ['e2', 'e3'] })).toBe('etcd-quorum');
    expect(scenario({ fault: 'stop', target: 'etcd2', roles: ['etcd'], nodes: ['e2'] })).toBe('etcd-minority');
    expect(scenario({ fault: 'stop', target: 'haproxy', roles: ['haproxy'], nodes: ['h1'] })).toBe('haproxy');
    expect(scenario({ fault: 'stop', target: 'haproxy', roles: ['haproxy'], nodes: ['h1'] }, { haproxy: ['h1', 'h2'], keepalived: true })).toBe('haproxy-vip');
    expect(scenario({ fault: 'stop', target: 'all', roles: ['patroni', 'patroni', 'patroni'], nodes: ['p1', 'p2', 'p3'] })).toBe('all-patroni');
    expect(scenario({ fault: 'stop', target: 'pgbouncer:leader', roles: ['pgbouncer'], nodes: ['p1/pgbouncer'] })).toBe('pgbouncer');
    expect(scenario({ fault: 'stop', target: 'leader' })).toBe('other');
  });
});

describe('phaseRows', () => {
  const config = normaliseResults({ config: { ttl: 20, loop_wait: 2, retry_timeout: 9, haproxy: { inter_ms: 500, fall: 2, rise: 1 } } }, 'x').results.config;
  const crash = { scenario: 'leader-crash' as const, primary: null, all: [] };
  const outage = (p: Partial<OutagePhases>): OutagePhases => ({
    window: { start_ms: 10_000, end_ms: 34_000, duration_ms: 24_000, resolution_ms: 50, failed_ops: 100, workers: ['w'] },
    fault_injected_ms: 10_000,
    leader_key_lost_ms: 29_800,
    new_leader_promoted_ms: 30_300,
    haproxy_routes_ms: 33_800,
    first_ack_ms: 34_000,
    ...p,
  });

  it('gives each step what the configuration lets it take, and finds the one that overran', () => {
    const rows = phaseRows(outage({}), config, crash, 'en');
    expect(rows.map((r) => [r.key, r.took_ms, r.expected_ms])).toEqual([
      ['detect', 19_800, 20_000],
      ['promote', 500, 2000],
      ['route', 3500, 1000],
      ['reconnect', 200, null],
    ]);
    expect(worstPhase(rows)!.key).toBe('route');
  });

  it('skips steps that were not seen', () => {
    const rows = phaseRows(outage({ leader_key_lost_ms: null, new_leader_promoted_ms: null }), config, crash, 'en');
    expect(rows.map((r) => [r.key, r.from_ms, r.to_ms])).toEqual([
      ['route', 10_000, 33_800],
      ['reconnect', 33_800, 34_000],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { FaultResult, OutagePhases } from '../../../src/analysis/types.js';
import type { EventRecord } from '../../../src/history/types.js';
import { classifyFault } from '../../../src/report/faults.js';
import { normaliseResults } from '../../../src/report/load.js';
import { phaseRows, worstPhase } from '../../../src/report/phases.js';
import { run } from '../analysis/build.js';

const ev = (t_ms: number, phase: EventRecord['phase'], action: EventRecord['action'], step: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  type: 'event',
  t_ms,
  phase,
  action,
  step,
  ...extra,
});

describe('classifyFault', () => {
  const results = (events: EventRecord[], topology: Record<string, unknown> = {}) => {
    const r = run(events, null, { topology: { etcd: ['e1', 'e2', 'e3'], patroni: ['p1', 'p2', 'p3'], haproxy: ['h1'], pgbouncer: false, keepalived: false, ...topology } as never });
    return normaliseResults({ schema_version: 2, experiment: 'x', verdict: 'pass', topology: r.meta.topology, events, analysis: analyse(r) }, 'x').results;
  };

  it('reads the faults as analysis modelled them: effective instant, heal, roles and nodes', () => {
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
      ['stop', ['p2'], 1100, 7400],
      ['pause', ['p1'], 2050, 5200],
    ]);
    expect(info.scenario).toBe('replica');
  });

  const scenario = (inject: Partial<EventRecord>, topology: Record<string, unknown> = {}) => classifyFault(results([ev(0, 'begin', 'inject', 0, inject)], topology)).scenario;

  it("tells the course's faults apart by the roles their targets had", () => {
    expect(scenario({ fault: 'kill', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('leader-crash');
    expect(scenario({ fault: 'stop', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('leader-stop');
    expect(scenario({ fault: 'kill-patroni', target: 'leader', roles: ['leader'], nodes: ['p1'] })).toBe('patroni-kill');
    expect(scenario({ fault: 'stop', target: 'etcd:majority', roles: ['etcd', 'etcd'], nodes: ['e2', 'e3'] })).toBe('etcd-quorum');
    expect(scenario({ fault: 'stop', target: 'etcd2', roles: ['etcd'], nodes: ['e2'] })).toBe('etcd-minority');
    expect(scenario({ fault: 'stop', target: 'haproxy', roles: ['haproxy'], nodes: ['h1'] }, { haproxy: ['h1', 'h2'], keepalived: true })).toBe('haproxy-vip');
    expect(scenario({ fault: 'stop', target: 'pgbouncer:leader', roles: ['pgbouncer'], nodes: ['p1/pgbouncer'] })).toBe('pgbouncer');
    expect(scenario({ fault: 'stop', target: 'leader' })).toBe('other');
  });
});

describe('phaseRows', () => {
  const outage = (p: Partial<OutagePhases>): OutagePhases => ({
    window: { start_ms: 10_000, end_ms: 34_000, duration_ms: 24_000, resolution_ms: 50, start_resolution_ms: 50, end_resolution_ms: 20, failed_ops: 100, workers: ['w'] },
    fault_injected_ms: 10_000,
    leader_key_lost_ms: 29_800,
    new_leader_promoted_ms: 30_300,
    haproxy_routes_ms: 33_800,
    first_ack_ms: 34_000,
    ...p,
  });
  const phase = (name: FaultResult['phases'][number]['name'], lo_ms: number, hi_ms: number) => ({ name, lo_ms, hi_ms, terms: [], observed_ms: null, within: null });
  const crash = {
    effective_ms: 10_000,
    phases: [phase('detection', 18_000, 20_500), phase('promotion', 18_150, 23_200), phase('routing', 18_150, 23_700), phase('first_write', 18_150, 23_950)],
  } as unknown as FaultResult;

  it("gives each step the fault model's interval, counted from the fault's effect, and finds the one that overran", () => {
    const rows = phaseRows(outage({ haproxy_routes_ms: 34_800, first_ack_ms: 35_000 }), crash);
    expect(rows.map((r) => [r.key, r.after_ms, r.expected_lo_ms, r.expected_ms])).toEqual([
      ['detect', 19_800, 18_000, 20_500],
      ['promote', 20_300, 18_150, 23_200],
      ['route', 24_800, 18_150, 23_700],
      ['reconnect', 25_000, 18_150, 23_950],
    ]);
    expect(worstPhase(rows)!.key).toBe('route');
  });

  it('skips steps that were not seen', () => {
    const rows = phaseRows(outage({ leader_key_lost_ms: null, new_leader_promoted_ms: null }), crash);
    expect(rows.map((r) => [r.key, r.from_ms, r.to_ms])).toEqual([
      ['route', 10_000, 33_800],
      ['reconnect', 33_800, 34_000],
    ]);
  });
});

import type { FaultResult } from '../../../src/analysis/types.js';
import { describe, expect, it } from 'vitest';
import { evaluateAssertions, verdictOf } from '../../../src/experiment/assertions.js';
import type { HistoryRecord } from '../../../src/history/types.js';
import { analysis, availability, event, experiment, FAULT_EVENTS, run, window, write } from './fixtures.js';

/** The single result of one assertion. */
function check(assertion: string, a = analysis(), history: HistoryRecord[] = FAULT_EVENTS, steps?: string) {
  const results = evaluateAssertions(experiment([assertion], steps), run(history), a);
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('outage assertions', () => {
  const outage = analysis({}, availability([window(20_000, 32_410), window(40_000, 41_000)]));

  it('max_write_outage: the longest window', () => {
    expect(check('max_write_outage: 30s', outage)).toEqual({
      name: 'max write outage',
      passed: true,
      observed: '12.41 s (from 20 s, longest of 2)',
      expected: '<= 30 s',
    });
    expect(check('max_write_outage: 10s', outage)).toMatchObject({ passed: false, expected: '<= 10 s' });
  });

  it('max_write_outage: 0 s passes only without any window', () => {
    expect(check('max_write_outage: 0s')).toEqual({ name: 'max write outage', passed: true, observed: '0 s', expected: '0 s' });
    expect(check('max_write_outage: 0s', analysis({}, availability([window(5000, 5050)])))).toMatchObject({
      passed: false,
      observed: '50 ms (from 5 s)',
    });
  });

  it('fails when nothing was attempted rather than passing vacuously', () => {
    expect(check('max_write_outage: 30s', analysis({}, availability([], 0)))).toMatchObject({
      passed: false,
      observed: 'no write was attempted',
    });
    expect(check('max_read_outage: 30s', analysis({ reads: availability([], 0) }))).toMatchObject({
      passed: false,
      observed: 'no read was attempted',
    });
  });

  it('max_read_outage: the read port', () => {
    const a = analysis({ reads: availability([window(1000, 2200)]) });
    expect(check('max_read_outage: 2s', a)).toEqual({
      name: 'max read outage',
      passed: true,
      observed: '1.2 s (from 1 s)',
      expected: '<= 2 s',
    });
    expect(check('max_read_outage: 1s', a).passed).toBe(false);
  });

  it('total_write_outage: the sum of the windows', () => {
    expect(check('total_write_outage: 15s', outage)).toEqual({
      name: 'total write outage',
      passed: true,
      observed: '13.41 s in 2 windows',
      expected: '<= 15 s',
    });
    expect(check('total_write_outage: 13s', outage).passed).toBe(false);
  });

  it('split_brain: total time and nodes', () => {
    const a = analysis({
      split_brain: [{ start_ms: 1000, end_ms: 2500, duration_ms: 1500, nodes: ['patroni2', 'patroni1'] }],
      split_brain_ms: 1500,
    });
    expect(check('split_brain: 0s', a)).toEqual({
      name: 'split brain',
      passed: false,
      observed: '1.5 s (patroni1, patroni2)',
      expected: '0 s',
    });
    expect(check('split_brain: 2s', a).passed).toBe(true);
    expect(check('split_brain: 0s')).toMatchObject({ passed: true, observed: '0 s' });
  });
});

describe('data assertions', () => {
  it('lost_writes, with the keys that were lost', () => {
    const a = analysis({}, { lost: 4, lost_keys: ['k1', 'k2', 'k3', 'k4'] });
    expect(check('lost_writes: 0', a)).toEqual({
      name: 'lost writes',
      passed: false,
      observed: '4 (k1, k2, k3, … 1 more)',
      expected: '0',
    });
    expect(check('lost_writes: 4', a)).toMatchObject({ passed: true, expected: '<= 4' });
    expect(check('lost_writes: 0')).toMatchObject({ passed: true, observed: '0' });
  });

  it('unexpected_rows and duplicates', () => {
    const a = analysis({}, { unexpected: 1, duplicates: 2 });
    expect(check('unexpected_rows: 0', a)).toEqual({ name: 'unexpected rows', passed: false, observed: '1', expected: '0' });
    expect(check('unexpected_rows: 1', a).passed).toBe(true);
    expect(check('duplicates: 0', a)).toEqual({ name: 'duplicates', passed: false, observed: '2', expected: '0' });
    expect(check('duplicates: 2', a).passed).toBe(true);
  });

  it('fail when the final read is missing', () => {
    const a = analysis({}, { accounted: false });
    for (const assertion of ['lost_writes: 0', 'unexpected_rows: 0', 'duplicates: 0']) {
      expect(check(assertion, a)).toMatchObject({ passed: false, observed: 'not accounted: the final read of the table is missing' });
    }
  });
});

describe('cluster assertions', () => {
  it('leader_changed: another node took over', () => {
    const a = analysis({
      leader_changes: [
        { t_ms: 0, from: null, to: 'patroni1' },
        { t_ms: 20_000, from: 'patroni1', to: null },
        { t_ms: 21_000, from: null, to: 'patroni2' },
      ],
    });
    expect(check('leader_changed: true', a)).toEqual({
      name: 'leader changed',
      passed: true,
      observed: 'true (patroni1 → patroni2)',
      expected: 'true',
    });
    expect(check('leader_changed: false', a).passed).toBe(false);
  });

  it('leader_changed: the same node demoted and promoted again is no change', () => {
    const a = analysis({
      leader_changes: [
        { t_ms: 0, from: null, to: 'patroni1' },
        { t_ms: 20_000, from: 'patroni1', to: null },
        { t_ms: 40_000, from: null, to: 'patroni1' },
      ],
    });
    expect(check('leader_changed: false', a)).toMatchObject({ passed: true, observed: 'false (patroni1 throughout)' });
    expect(check('leader_changed: true', a).passed).toBe(false);
    expect(check('leader_changed: false', analysis({ leader_changes: [] }))).toMatchObject({
      passed: true,
      observed: 'false (no change of leader seen)',
    });
  });

  it('timeline_changed', () => {
    const a = analysis({ timelines: [{ t_ms: 22_000, timeline: 4, node: 'patroni2' }] });
    expect(check('timeline_changed: true', a)).toEqual({
      name: 'timeline changed',
      passed: true,
      observed: 'true (to timeline 4, first on patroni2)',
      expected: 'true',
    });
    expect(check('timeline_changed: false', a).passed).toBe(false);
    expect(check('timeline_changed: false')).toMatchObject({ passed: true, observed: 'false (no timeline increase seen)' });
    expect(check('timeline_changed: true')).toMatchObject({ passed: false });
  });

  it('within_prediction', () => {
    const p: FaultResult = {
      id: 'f1', step: 0, fault: 'kill leader (patroni1)', kind: 'kill', target: 'leader', nodes: ['patroni1'], roles: ['leader'],
      scenario: 'leader-crash', disrupts: true, injected_ms: 5000, effective_ms: 5010, effective_source: 'inject_end', healed_ms: 35_000,
      predicted: { lo_ms: 18_150, hi_ms: 23_950, terms: [] }, observed_ms: 20_060, windows: [0], within: true, phases: [],
    };
    expect(check('within_prediction: true', analysis({ faults: [p] }))).toEqual({
      name: 'within prediction',
      passed: true,
      observed: 'true (kill leader (patroni1): 20.06 s in [18.15 s, 23.95 s])',
      expected: 'true',
    });
    const over: FaultResult = { ...p, observed_ms: 25_000, within: false, finding: 'slower' };
    const fast: FaultResult = { ...p, observed_ms: 5000, within: false, finding: 'faster' };
    expect(check('within_prediction: true', analysis({ faults: [p, over, fast] }))).toMatchObject({
      passed: false,
      observed: 'false (kill leader (patroni1): 20.06 s in [18.15 s, 23.95 s]; kill leader (patroni1): 25 s above [18.15 s, 23.95 s]; kill leader (patroni1): 5 s faster than [18.15 s, 23.95 s])',
    });
    expect(check('within_prediction: false', analysis({ faults: [over] })).passed).toBe(true);
    expect(check('within_prediction: true')).toMatchObject({
      passed: false,
      observed: "no prediction: the fault model has no entry for this run's faults",
    });
  });
});

describe('fault assertions', () => {
  const writes = [write(2000, 'ok'), write(21_000, 'failed'), write(22_000, 'indeterminate', 1000), write(30_000, 'failed'), write(39_600, 'ok')];

  it('writes_refused_during: some write failed between inject and heal', () => {
    expect(check('writes_refused_during: f1', analysis(), [...FAULT_EVENTS, ...writes])).toEqual({
      name: 'writes refused during f1',
      passed: true,
      observed: '3 failed or unanswered between 3 s and 33.1 s, the first 18 s after the injection',
      expected: 'some writes refused',
    });
  });

  it('writes_refused_during: fails when every write was acknowledged', () => {
    const ok = [write(2000, 'ok'), write(10_000, 'ok'), write(20_000, 'ok'), write(40_000, 'failed')];
    expect(check('writes_refused_during: f1', analysis(), [...FAULT_EVENTS, ...ok])).toMatchObject({
      passed: false,
      observed: 'none of 2 writes between 3 s and 33.1 s failed',
    });
  });

  it('a fault never healed, or whose inject failed, is explained', () => {
    const unhealed = FAULT_EVENTS.filter((e) => e.action === 'inject');
    expect(check('writes_refused_during: f1', analysis(), [...unhealed, ...writes])).toMatchObject({
      passed: false,
      observed: 'f1 was never healed',
    });
    expect(check('writes_back_within: { after: f1, max: 10s }', analysis(), [...unhealed, ...writes])).toMatchObject({
      passed: false,
      observed: 'f1 was never healed',
    });
    const failed = [event(3000, 'inject', 'begin', 0, 'f1'), { ...event(3100, 'inject', 'error', 0, 'f1'), detail: 'no such node' }];
    expect(check('writes_refused_during: f1', analysis(), failed)).toMatchObject({
      passed: false,
      observed: 'injecting f1 failed: no such node',
    });
    expect(check('writes_refused_during: f1', analysis(), [])).toMatchObject({
      passed: false,
      observed: 'f1 was never injected (the run stopped before steps[0])',
    });
  });

  it('writes_back_within (from heal): the first acknowledged write after the heal ended', () => {
    const history = [...FAULT_EVENTS, ...writes];
    expect(check('writes_back_within: { after: f1, max: 15s }', analysis(), history)).toEqual({
      name: 'writes back after f1 healed',
      passed: true,
      observed: '6.5 s',
      expected: '<= 15 s',
    });
    expect(check('writes_back_within: { after: f1, max: 5s }', analysis(), history).passed).toBe(false);
    const noAck = [...FAULT_EVENTS, write(34_000, 'failed')];
    expect(check('writes_back_within: { after: f1, max: 5s }', analysis(), noAck)).toMatchObject({
      passed: false,
      observed: 'no write was acknowledged after f1 was healed',
    });
  });

  it('writes_back_within (from inject): the end of the first outage after the injection', () => {
    const a = analysis({}, availability([window(1000, 1500), window(21_000, 39_600), window(50_000, 51_000)]));
    expect(check('writes_back_within: { after: f1, max: 40s, from: inject }', a, FAULT_EVENTS)).toEqual({
      name: 'writes back after f1 injected',
      passed: true,
      observed: '36.6 s',
      expected: '<= 40 s',
    });
    expect(check('writes_back_within: { after: f1, max: 30s, from: inject }', a, FAULT_EVENTS).passed).toBe(false);
    expect(check('writes_back_within: { after: f1, max: 1s, from: inject }', analysis(), FAULT_EVENTS)).toMatchObject({
      passed: true,
      observed: '0 s (writes never stopped)',
    });
  });

  it('a fault healed by `heal: all` is found through that step', () => {
    const steps = `  - at: 3s
    inject: stop
    target: etcd:majority
    id: f1
  - inject: stop
    target: replica
  - after: 30s
    heal: all
`;
    const history = [
      event(3000, 'inject', 'begin', 0, 'f1'),
      event(3010, 'inject', 'end', 0, 'f1'),
      event(3020, 'inject', 'begin', 1),
      event(3030, 'inject', 'end', 1),
      event(33_000, 'heal', 'begin', 2, 'f1'),
      event(33_100, 'heal', 'end', 2, 'f1'),
      event(33_500, 'heal', 'end', 2),
      ...writes,
    ];
    expect(check('writes_back_within: { after: f1, max: 15s }', analysis(), history, steps)).toMatchObject({
      passed: true,
      observed: '6.5 s',
    });
  });
});

describe('verdictOf', () => {
  const pass = { name: 'a', passed: true, observed: '0', expected: '0' };
  const fail = { name: 'b', passed: false, observed: '1', expected: '0' };

  it('pass, fail, error', () => {
    expect(verdictOf([pass])).toBe('pass');
    expect(verdictOf([])).toBe('pass');
    expect(verdictOf([pass, fail])).toBe('fail');
    expect(verdictOf([pass], 'wait for healthy timed out')).toBe('error');
  });
});

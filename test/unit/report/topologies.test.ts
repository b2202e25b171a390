import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareTopologies, faultSignature, topologyOf } from '../../../src/report/topologies.js';
import type { Results } from '../../../src/results/types.js';

const fixture = (name: string): Results => JSON.parse(readFileSync(new URL(`../../fixtures/runs/${name}/results.json`, import.meta.url), 'utf8')) as Results;

/** The same recorded run as if it had been measured on the production topology, with another outage. */
function onProduction(r: Results, experiment: string, outageMs: number): Results {
  const windows = [{ start_ms: 10_000, end_ms: 10_000 + outageMs, duration_ms: outageMs, resolution_ms: 50, start_resolution_ms: 50, end_resolution_ms: 20, failed_ops: 3, workers: ['writer-1'] }];
  return {
    ...r,
    experiment,
    topology: { ...r.topology, haproxy: ['haproxy1', 'haproxy2'], pgbouncer: true, keepalived: true },
    analysis: { ...r.analysis, writes: { ...r.analysis.writes, windows }, errors: [{ op: 'write', class: 'connect_reset', count: 7, example: 'x' }] },
  };
}

describe('topology comparison', () => {
  const course = fixture('20251120T103000-haproxy-stop');

  it('names a fault by what it broke, not by node names', () => {
    expect(topologyOf(course)).toBe('course');
    expect(faultSignature(course)).toBe('stop haproxy');
  });

  it('puts the same fault on both topologies side by side, with medians', () => {
    const rows = compareTopologies([course, onProduction(course, 'haproxy-vip-failover', 1500), onProduction(course, 'haproxy-vip-failover', 2500)]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.fault).toBe('stop haproxy');
    expect(rows[0]!.production).toEqual({ experiment: 'haproxy-vip-failover', runs: 2, write_outage_ms: 2000, client_errors: 7 });
    expect(rows[0]!.course.experiment).toBe('haproxy-stop');
    expect(rows[0]!.course.write_outage_ms).toBeGreaterThan(4000);
  });

  it('leaves out faults measured on one topology only, and runs that ended in error', () => {
    expect(compareTopologies([course, fixture('20251120T101000-leader-crash')])).toEqual([]);
    expect(compareTopologies([course, { ...onProduction(course, 'x', 1000), verdict: 'error' }])).toEqual([]);
  });
});

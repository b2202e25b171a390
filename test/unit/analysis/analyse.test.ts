import { describe, expect, it } from 'vitest';
import { analyse, summarise } from '../../../src/analysis/index.js';
import { syntheticRun } from './synthetic.js';

describe('analyse on a synthetic leader crash', () => {
  const run = syntheticRun({ durationMs: 30_000, writesPerSecond: 200, writers: 4, readers: 2, readsPerSecond: 40, killAtMs: 5000, outageMs: 20_500 });
  const a = analyse(run);

  it('sees one write outage of the crash, all phases, and no data loss', () => {
    expect(a.writes.windows).toHaveLength(1);
    const w = a.writes.windows[0]!;
    expect(w.workers).toEqual(['writer-1', 'writer-2', 'writer-3', 'writer-4']);
    expect(w.start_ms).toBeLessThanOrEqual(5000);
    expect(w.end_ms).toBeGreaterThanOrEqual(25_500);
    expect(w.duration_ms).toBeLessThan(20_500 + 2 * run.meta.load_interval_ms);
    expect(a.writes).toMatchObject({ lost: 0, unexpected: 0, duplicates: 0, failed_present: 0, accounted: true });
    expect(a.writes.recovered).toBeGreaterThan(0);
    const [o] = a.outages;
    expect(o!.fault_injected_ms).toBe(5000);
    const order = [o!.fault_injected_ms, o!.leader_key_lost_ms, o!.new_leader_promoted_ms, o!.first_ack_ms];
    expect(order.every((t) => t !== null)).toBe(true);
    expect([...order].sort((x, y) => x! - y!)).toEqual(order);
    // HAProxy is polled every 250 ms: the first write can get through before the poll shows the route.
    expect(Math.abs(o!.haproxy_routes_ms! - o!.first_ack_ms!)).toBeLessThan(250);
  });

  it('counts one leader change, no split brain, reads unaffected, and explains every gap', () => {
    expect(a.leader_changes.map((c) => [c.from, c.to, c.timeline])).toEqual([['patroni1', 'patroni2', 2]]);
    expect(a.split_brain).toEqual([]);
    expect(a.reads.windows).toEqual([]);
    expect(a.id_gaps.length).toBeGreaterThan(0);
    expect(a.id_gaps.some((g) => g.cause === 'sequence_prelog')).toBe(true);
    expect(a.id_gaps.filter((g) => g.cause === 'unexplained')).toEqual([]);
    expect(a.faults).toEqual([expect.objectContaining({ id: 'kill-leader', scenario: 'leader-crash', within: true })]);
    expect(summarise(a)).toMatchObject({ lost: 0, split_brain: false, leader_changes: 1, unexplained_gaps: 0, predictions_exceeded: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { Outcome } from '../../../src/history/types.js';
import { read, run, series, write } from './build.js';

const down =
  (from: number, to: number) =>
  (t: number): Outcome =>
    t >= from && t < to ? 'failed' : 'ok';

describe('unavailability windows', () => {
  it('measures one writer: edges at the last and first success, resolution from the sampling', () => {
    // Ops every 50 ms lasting 2 ms; failures for ops starting in [1000, 2000).
    const a = analyse(run(series('write', 'w1', 0, 3000, 50, down(1000, 2000)), null, { ended_ms: 3000 }));
    expect(a.writes.windows).toEqual([
      { start_ms: 952, end_ms: 2002, duration_ms: 1050, resolution_ms: 50, failed_ops: 20, workers: ['w1'] },
    ]);
    // 48 ms between the end of one op and the start of the next.
    expect(a.writes.resolution_ms).toBe(48);
    expect(a.writes).toMatchObject({ attempts: 60, ok: 40, failed: 20, indeterminate: 0, total_unavailable_ms: 1050 });
  });

  it('merges overlapping windows of several writers into one, and keeps separate ones apart', () => {
    const history = [
      ...series('write', 'w1', 0, 5000, 100, down(1000, 2000)),
      ...series('write', 'w2', 30, 5000, 100, down(1500, 2500)),
      ...series('write', 'w3', 60, 5000, 100, down(4000, 4200)),
    ];
    const a = analyse(run(history, null, { ended_ms: 5000, load_interval_ms: 100 }));
    expect(a.writes.windows).toHaveLength(2);
    const [merged, alone] = a.writes.windows;
    expect(merged).toMatchObject({ start_ms: 902, end_ms: 2532, failed_ops: 20, workers: ['w1', 'w2'] });
    expect(merged!.duration_ms).toBe(1630);
    expect(alone).toMatchObject({ start_ms: 3962, end_ms: 4262, failed_ops: 2, workers: ['w3'] });
    expect(a.writes.total_unavailable_ms).toBe(1930);
  });

  it('widens a window edge by a slow sample, and keeps an outage open at run end', () => {
    const history = [
      write('w1', 0),
      write('w1', 50),
      // 400 ms of silence before the first failure: the outage began somewhere in it.
      write('w1', 452, 'indeterminate', { end_ms: 1452 }),
      write('w1', 1500, 'failed'),
    ];
    const a = analyse(run(history, null, { ended_ms: 2000 }));
    expect(a.writes.windows).toEqual([
      { start_ms: 52, end_ms: 2000, duration_ms: 1948, resolution_ms: 400, failed_ops: 2, workers: ['w1'] },
    ]);
    expect(a.outages[0]!.first_ack_ms).toBeNull();
  });

  it('counts reads on both ports together and leaves direct probes out of the windows', () => {
    const history = [
      ...series('read', 'r1', 0, 2000, 50, down(500, 700)),
      ...series('read', 'rw1', 10, 2000, 50, down(600, 800), () => ({ port: 'write' })),
      // A direct probe of a node that stays down would otherwise stretch the outage to 2 s.
      ...series('write', 'd1', 0, 2000, 50, down(100, 3000), () => ({ port: 'direct' })),
    ];
    const a = analyse(run(history, null, { ended_ms: 2000 }));
    expect(a.reads.windows).toHaveLength(1);
    expect(a.reads.windows[0]).toMatchObject({ start_ms: 452, end_ms: 812, workers: ['r1', 'rw1'], failed_ops: 8 });
    expect(a.writes.windows).toEqual([]);
    expect(a.writes.attempts).toBe(40);
    expect(a.writes.failed).toBe(38);
  });

  it('without an earlier success, a window starts at its first failure', () => {
    const history = [read('r1', 0, 'failed'), read('r1', 50, 'failed'), read('r1', 100)];
    const a = analyse(run(history, null, { ended_ms: 200 }));
    expect(a.reads.windows[0]).toMatchObject({ start_ms: 0, end_ms: 102, failed_ops: 2 });
  });
});

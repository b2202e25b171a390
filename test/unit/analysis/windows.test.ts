import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { Outcome } from '../../../src/history/types.js';
import { read, run, series, write } from './build.js';

const down =
  (from: number, to: number) =>
  (t: number): Outcome =>
    t >= from && t < to ? 'failed' : 'ok';

describe('unavailability windows', () => {
  it('measures one writer: edges at the last and first success, each known to the span it can lie in', () => {
    // Ops every 50 ms lasting 2 ms; failures for ops starting in [1000, 2000).
    const a = analyse(run(series('write', 'w1', 0, 3000, 50, down(1000, 2000)), null, { ended_ms: 3000 }));
    expect(a.writes.windows).toEqual([
      { start_ms: 952, end_ms: 2002, duration_ms: 1050, resolution_ms: 50, start_resolution_ms: 50, end_resolution_ms: 50, failed_ops: 20, workers: ['w1'] },
    ]);
    expect(a.writes.resolution_ms).toBe(50);
    expect(a.writes).toMatchObject({ attempts: 60, ok: 40, failed: 20, indeterminate: 0, total_unavailable_ms: 1050 });
  });

  it('staggered writers sample the edges together: a success by any of them ends a window', () => {
    // Four writers, 50 ms apart each, staggered by 12.5 ms: together one attempt every 12.5 ms.
    const history = [0, 12.5, 25, 37.5].flatMap((offset, i) => series('write', `w${i + 1}`, offset, 3000, 50, down(1000, 2000)));
    const a = analyse(run(history, null, { ended_ms: 3000, load_interval_ms: 50 }));
    expect(a.writes.windows).toHaveLength(1);
    const [w] = a.writes.windows;
    expect(w).toMatchObject({ start_ms: 989.5, end_ms: 2002, workers: ['w1', 'w2', 'w3', 'w4'], failed_ops: 80 });
    expect(w!.start_resolution_ms).toBe(12.5);
    expect(w!.end_resolution_ms).toBe(12.5);
  });

  it('ends a window at the earliest acknowledgement when a later attempt is answered before a slow first one', () => {
    // Recorded on a loaded machine: writer-2's new connection took 335 ms, writer-3's, begun 65 ms
    // later, was acknowledged 54 ms earlier.
    const history = [
      write('w1', 6000),
      write('w1', 6481.6, 'failed', { end_ms: 6482.9 }),
      write('w2', 6489.9, 'ok', { end_ms: 6825.3 }),
      write('w4', 6510.5, 'ok', { end_ms: 6797.5 }),
      write('w3', 6555, 'ok', { end_ms: 6771.3 }),
      // Refused while the path was coming back, before the first acknowledgement: the same outage.
      write('w1', 6600, 'failed', { end_ms: 6601 }),
    ];
    const windows = analyse(run(history, null, { ended_ms: 8000 })).writes.windows;
    expect(windows).toHaveLength(1);
    // The end lies between writer-2's start (the first success) and writer-1's refusal begun 110 ms
    // after it.
    expect(windows[0]).toMatchObject({ end_ms: 6771.3, end_resolution_ms: 110.1, failed_ops: 2 });
  });

  it('knows the end to the gap between starts while earlier connections still hang', () => {
    // Recorded at a leader stop: connections begun before HAProxy routed to the new primary hung for
    // the whole 1 s connect timeout; the writers kept starting attempts 12.5 ms apart meanwhile.
    const history = [
      write('w1', 4600),
      write('w2', 4612.5, 'failed', { end_ms: 4620 }),
      write('w3', 4625, 'failed', { end_ms: 5625, error: { class: 'connect_timeout', message: 'no connection within 1000 ms' } }),
      write('w4', 4637.5, 'failed', { end_ms: 5637.5, error: { class: 'connect_timeout', message: 'no connection within 1000 ms' } }),
      write('w1', 4650, 'ok', { end_ms: 4722 }),
      write('w2', 4662.5, 'ok', { end_ms: 4731 }),
    ];
    const [w] = analyse(run(history, null, { ended_ms: 8000 })).writes.windows;
    expect(w).toMatchObject({ start_ms: 4602, end_ms: 4722, start_resolution_ms: 12.5, end_resolution_ms: 12.5, failed_ops: 3 });
  });

  it('keeps separate outages apart, and does not join two workers\' failures while the other one wrote', () => {
    const history = [
      ...series('write', 'w1', 0, 5000, 100, down(1000, 1200)),
      ...series('write', 'w2', 50, 5000, 100, down(4000, 4200)),
    ];
    const a = analyse(run(history, null, { ended_ms: 5000, load_interval_ms: 100 }));
    expect(a.writes.windows.map((w) => [w.start_ms, w.end_ms, w.workers])).toEqual([
      // w1's two failures, each ended by w2's next success.
      [952, 1052, ['w1']],
      [1052, 1152, ['w1']],
      [4002, 4102, ['w2']],
      [4102, 4202, ['w2']],
    ]);
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
      { start_ms: 52, end_ms: 2000, duration_ms: 1948, resolution_ms: 402, start_resolution_ms: 402, end_resolution_ms: 0, failed_ops: 2, workers: ['w1'] },
    ]);
    expect(a.outages[0]!.first_ack_ms).toBeNull();
  });

  it('counts reads on both ports together and leaves direct probes out of the windows', () => {
    const history = [
      ...series('read', 'r1', 0, 2000, 50, down(500, 700)),
      ...series('read', 'rw1', 10, 2000, 50, down(500, 700), () => ({ port: 'write' })),
      // A direct probe of a node that stays down would otherwise stretch the outage to 2 s.
      ...series('write', 'd1', 0, 2000, 50, down(100, 3000), () => ({ port: 'direct' })),
    ];
    const a = analyse(run(history, null, { ended_ms: 2000 }));
    expect(a.reads.windows).toHaveLength(1);
    expect(a.reads.windows[0]).toMatchObject({ start_ms: 462, end_ms: 702, workers: ['r1', 'rw1'], failed_ops: 8 });
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

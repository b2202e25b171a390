import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import { recovery, run } from './build.js';

describe('split brain', () => {
  it('finds the interval in which two nodes were both out of recovery', () => {
    const history = [
      recovery(0, 'patroni1', false),
      recovery(0, 'patroni2', true),
      recovery(1000, 'patroni1', false),
      recovery(1000, 'patroni2', false), // promoted while patroni1 still writable
      recovery(2000, 'patroni1', false),
      recovery(2000, 'patroni2', false),
      recovery(3000, 'patroni1', true), // rewound and following
      recovery(3000, 'patroni2', false),
    ];
    const a = analyse(run(history));
    expect(a.split_brain).toEqual([{ start_ms: 1000, end_ms: 3000, duration_ms: 2000, nodes: ['patroni1', 'patroni2'] }]);
    expect(a.split_brain_ms).toBe(2000);
  });

  it('does not count an unreachable node as primary: its span ends when it was last seen primary', () => {
    // patroni2 is polled 500 ms after patroni1 and is promoted while patroni1 is out of reach.
    const history = [
      recovery(0, 'patroni1', false),
      recovery(500, 'patroni2', true),
      recovery(1000, 'patroni1', null),
      recovery(1500, 'patroni2', false),
      recovery(2000, 'patroni1', null),
      recovery(2500, 'patroni2', false),
      recovery(3000, 'patroni1', true),
      recovery(3500, 'patroni2', false),
    ];
    const a = analyse(run(history));
    expect(a.split_brain).toEqual([]);
    expect(a.split_brain_ms).toBe(0);
  });

  it("counts a node that kept answering as primary through the other's promotion until it went silent", () => {
    const history = [
      recovery(0, 'patroni1', false),
      recovery(500, 'patroni2', true),
      recovery(1000, 'patroni1', false),
      recovery(1500, 'patroni2', false),
      recovery(2000, 'patroni1', false),
      recovery(2500, 'patroni2', false),
      recovery(3000, 'patroni1', null),
    ];
    expect(analyse(run(history)).split_brain).toEqual([
      { start_ms: 1500, end_ms: 2000, duration_ms: 500, nodes: ['patroni1', 'patroni2'] },
    ]);
  });

  it('does not see a split brain when one node was seen demoted at the instant the other was seen promoted', () => {
    const history = [
      recovery(0, 'patroni1', false),
      recovery(0, 'patroni2', true),
      recovery(1000, 'patroni1', true),
      recovery(1000, 'patroni2', false),
    ];
    expect(analyse(run(history)).split_brain).toEqual([]);
  });
});

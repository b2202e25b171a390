import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { HistoryRecord } from '../../../src/history/types.js';
import { patroni, patroniRound, run } from './build.js';

describe('leader changes', () => {
  it('counts one change per failover, not per poll, and ignores flapping unreachable polls', () => {
    const history: HistoryRecord[] = [];
    for (let t = 0; t < 10_000; t += 250) {
      const flap = (t / 250) % 2 === 1;
      if (t < 5000) {
        // The leader's REST API answers every other poll: not a change.
        history.push(...patroniRound(t, { patroni1: flap ? null : 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1));
      } else {
        history.push(...patroniRound(t, { patroni1: null, patroni2: 'primary', patroni3: flap ? null : 'replica' }, 'patroni2', 2));
      }
    }
    const a = analyse(run(history));
    expect(a.leader_changes).toEqual([{ t_ms: 5001, from: 'patroni1', to: 'patroni2', timeline: 2 }]);
    expect(a.timelines).toEqual([
      { t_ms: 5001, timeline: 2, node: 'patroni2' },
      { t_ms: 5002, timeline: 2, node: 'patroni3' },
    ]);
  });

  it('counts a quorum-loss demotion and re-promotion of the same node as two changes', () => {
    const history = [
      ...patroniRound(0, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1),
      ...patroniRound(1000, { patroni1: 'replica', patroni2: 'replica', patroni3: 'replica' }, '', 1),
      ...patroniRound(2000, { patroni1: 'replica', patroni2: 'replica', patroni3: 'replica' }, '', 1),
      ...patroniRound(3000, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 2),
    ];
    const a = analyse(run(history));
    expect(a.leader_changes).toEqual([
      { t_ms: 1000, from: 'patroni1', to: null },
      { t_ms: 3000, from: null, to: 'patroni1', timeline: 2 },
    ]);
  });

  it('does not count the first sighting of the leader as a change, and accepts "master"', () => {
    const history = [
      patroni(0, 'patroni2', 'replica'),
      patroni(10, 'patroni3', 'replica'),
      patroni(20, 'patroni1', 'master'),
      patroni(250, 'patroni1', 'master'),
    ];
    expect(analyse(run(history)).leader_changes).toEqual([]);
  });

  it('drops a silent old leader once another node is promoted, so it cannot come back as a ghost', () => {
    const history = [
      ...patroniRound(0, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1'),
      ...patroniRound(1000, { patroni1: null, patroni2: 'primary', patroni3: 'replica' }, 'patroni2'),
      // The new leader demotes while the old one is still silent: nobody leads.
      ...patroniRound(2000, { patroni1: null, patroni2: 'replica', patroni3: 'replica' }, ''),
    ];
    expect(analyse(run(history)).leader_changes.map((c) => [c.from, c.to])).toEqual([
      ['patroni1', 'patroni2'],
      ['patroni2', null],
    ]);
  });

  it('with two primaries at once, follows the key holder most members report', () => {
    const history = [
      ...patroniRound(0, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1'),
      // patroni3 claims primary without the key (members still report patroni1).
      ...patroniRound(1000, { patroni1: 'primary', patroni2: 'replica', patroni3: 'primary' }, 'patroni1'),
    ];
    expect(analyse(run(history)).leader_changes).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseExperimentText } from '../../../src/experiment/load.js';
import { problems } from './fixtures.js';

const FILE = 'experiments/t.yaml';
const file = (steps: string, head = '') => `name: t\ndescription: test\n${head}steps:\n${steps}`;

describe('each: and repeat: expand into plain steps at load time', () => {
  it('each: replicas runs its steps once per replica, ids numbered, $member bound at run time', () => {
    const exp = parseExperimentText(
      file(`  - at: 3s
    each: replicas
    steps:
      - inject: stop
        target: $member
        id: r
      - after: 10s
        heal: r
      - wait: healthy
`),
      FILE,
    );
    expect(exp.steps.map((s) => [s.kind, s.index, s.at_ms, s.after_ms, s.source.join('.')])).toEqual([
      ['inject', 0, 3000, 0, 'steps.0.steps.0'],
      ['heal', 1, null, 10_000, 'steps.0.steps.1'],
      ['wait', 2, null, 0, 'steps.0.steps.2'],
      ['inject', 3, null, 0, 'steps.0.steps.0'],
      ['heal', 4, null, 10_000, 'steps.0.steps.1'],
      ['wait', 5, null, 0, 'steps.0.steps.2'],
    ]);
    expect(exp.steps[0]).toMatchObject({ id: 'r-1', target: { kind: 'bound', name: 'member', block: 0, iteration: 1 } });
    expect(exp.steps[1]).toMatchObject({ id: 'r-1' });
    expect(exp.steps[3]).toMatchObject({ id: 'r-2', target: { kind: 'bound', name: 'member', block: 0, iteration: 2 } });
    expect(exp.steps[4]).toMatchObject({ id: 'r-2' });
  });

  it('each: etcd binds the members by name when the file is loaded', () => {
    const exp = parseExperimentText(
      file(`  - each: etcd
    as: e
    steps:
      - inject: kill
        target: $e
        id: k
      - heal: k
`),
      FILE,
    );
    const injects = exp.steps.filter((s) => s.kind === 'inject');
    expect(injects.map((s) => [s.id, s.target, s.target_text])).toEqual([
      ['k-1', { kind: 'node', name: 'etcd1' }, 'etcd1'],
      ['k-2', { kind: 'node', name: 'etcd2' }, 'etcd2'],
      ['k-3', { kind: 'node', name: 'etcd3' }, 'etcd3'],
    ]);
  });

  it('repeat: N every: starts the iterations every apart from the block\'s at', () => {
    const exp = parseExperimentText(
      file(`  - at: 5s
    repeat: 3
    every: 15s
    steps:
      - inject: isolate
        target: leader
        id: flap
      - sleep: 5s
      - heal: flap
`),
      FILE,
    );
    expect(exp.steps.filter((s) => s.kind === 'inject').map((s) => [s.at_ms, s.kind === 'inject' && s.id])).toEqual([
      [5000, 'flap-1'],
      [20_000, 'flap-2'],
      [35_000, 'flap-3'],
    ]);
  });

  it('refuses at inside a block, every without at, an iteration longer than every, and an unbound $name', () => {
    expect(
      problems(
        file(`  - repeat: 2
    every: 4s
    steps:
      - at: 5s
        inject: stop
        target: $member
        id: a
      - sleep: 5s
      - heal: a
`),
      ),
    ).toEqual([
      'experiments/t.yaml:5:12: steps[0].every: every needs at: on the block (iterations start every apart from it)',
      'experiments/t.yaml:5:12: steps[0].every: one iteration waits 5 s already, not less than every (4 s)',
      'experiments/t.yaml:7:13: steps[0].steps[0].at: at is not allowed inside each/repeat (steps of a block follow one another); use after',
      'experiments/t.yaml:9:17: steps[0].steps[0].target: $member is only bound inside each:',
    ]);
  });
});

describe('fault settings', () => {
  it('partition, loss, bandwidth and cpu-starve read their own settings', () => {
    const exp = parseExperimentText(
      file(`  - at: 3s
    inject: partition
    target: leader
    from: etcd:all
    direction: out
    id: p
  - inject: loss
    target: leader
    loss: 10%
    id: l
  - inject: bandwidth
    target: etcd-leader
    rate: 1.5mbit
    from: [etcd:all]
    id: b
  - inject: cpu-starve
    target: leader
    cpu: 20%
    id: c
  - inject: partition
    target: replica:other
    id: q
  - inject: delay
    target: etcd:all
    delay: 200ms
    jitter: 50ms
    id: d
  - heal: all
`),
      FILE,
    );
    expect(exp.steps.map((s) => (s.kind === 'inject' ? [s.fault, s.target, s.params, s.target_text] : s.kind))).toEqual([
      ['partition', { kind: 'role', role: 'leader' }, { from: [{ kind: 'etcd', count: 'all' }], direction: 'out' }, 'leader from etcd:all'],
      ['loss', { kind: 'role', role: 'leader' }, { loss_pct: 10 }, 'leader'],
      ['bandwidth', { kind: 'etcd_leader' }, { from: [{ kind: 'etcd', count: 'all' }], rate_kbit: 1500 }, 'etcd-leader from etcd:all'],
      ['cpu-starve', { kind: 'role', role: 'leader' }, { cpu_pct: 20 }, 'leader'],
      ['partition', { kind: 'role', role: 'replica', other: true }, { direction: 'both' }, 'replica:other'],
      ['delay', { kind: 'etcd', count: 'all' }, { delay_ms: 200, jitter_ms: 50 }, 'etcd:all'],
      'heal',
    ]);
  });

  it('refuses a setting the fault does not read, a missing one, and bad values', () => {
    expect(
      problems(
        file(`  - at: 3s
    inject: stop
    target: leader
    loss: 10%
  - inject: loss
    target: leader
  - inject: cpu-starve
    target: leader
    cpu: 150%
  - inject: bandwidth
    target: leader
    rate: fast
`),
      ),
    ).toEqual([
      'experiments/t.yaml:7:11: steps[0].loss: loss applies to loss, not to stop',
      'experiments/t.yaml:8:13: steps[1].inject: loss needs loss: (e.g. loss: 10%)',
      'experiments/t.yaml:12:10: steps[2].cpu: cpu must be more than 0% and at most 100%',
      'experiments/t.yaml:15:11: steps[3].rate: invalid rate "fast" (expected e.g. 1mbit, 500kbit)',
    ]);
  });
});

describe('partition shapes (Jepsen grudges)', () => {
  it('a shape is kept on the step, to be built around the target when it runs', () => {
    const exp = parseExperimentText(file(`  - inject: partition\n    target: leader\n    shape: split\n    id: s\n  - after: 10s\n    heal: s\n`), FILE);
    expect(exp.steps[0]).toMatchObject({ kind: 'inject', fault: 'partition', params: { shape: 'split', direction: 'both' }, target_text: 'leader (split)' });
  });

  it('is refused with another fault, with from:, or when unknown', () => {
    expect(
      problems(
        file(`  - inject: stop
    target: leader
    shape: split
  - inject: partition
    target: leader
    from: etcd:all
    shape: isolate
  - inject: partition
    target: leader
    shape: halves
`),
      ),
    ).toEqual([
      'experiments/t.yaml:6:12: steps[0].shape: shape applies to partition, not to stop',
      'experiments/t.yaml:10:12: steps[1].shape: shape makes both sides itself; give either shape or from, not both',
      'experiments/t.yaml:13:12: steps[2].shape: unknown shape "halves" (expected isolate, split, bridge)',
    ]);
  });
});

describe('targets that cannot exist in the profile, or cannot take the fault, are refused at load time', () => {
  it('the three a user got through to run time: kill-patroni on etcd1, patroni9, a switchover to etcd1', () => {
    expect(
      problems(
        file(`  - at: 3s
    inject: kill-patroni
    target: etcd1
    id: a
  - inject: stop
    target: patroni9
  - switchover:
      to: etcd1
  - heal: a
`),
      ),
    ).toEqual([
      'experiments/t.yaml:6:13: steps[0].target: kill-patroni needs a Patroni node, not etcd1 (etcd node)',
      'experiments/t.yaml:9:13: steps[1].target: patroni9 is no node of profile course (nodes: etcd1, etcd2, etcd3, patroni1, patroni2, patroni3, haproxy)',
      'experiments/t.yaml:11:11: steps[2].switchover.to: etcd1 is an etcd member; a switchover goes to a Patroni node (patroni1, patroni2, patroni3)',
    ]);
  });

  it('faults that need PostgreSQL refuse etcd and HAProxy; replay-pause refuses the leader; from: and not: are checked too', () => {
    expect(
      problems(
        file(`  - at: 3s
    inject: postgres-crash
    target: haproxy
  - inject: replay-pause
    target: leader
  - inject: disk-full
    target: etcd-leader
  - inject: partition
    target: leader
    from: [etcd:all, patroni7]
  - inject: stop
    target: replica
    not: r9
  - inject: cpu-starve
    target: pgbouncer:leader
    cpu: 10%
`),
      ),
    ).toEqual([
      'experiments/t.yaml:6:13: steps[0].target: postgres-crash needs a Patroni node, not haproxy (haproxy node)',
      'experiments/t.yaml:8:13: steps[1].target: replay-pause needs a replica, not leader (the leader replays nothing)',
      'experiments/t.yaml:10:13: steps[2].target: disk-full needs a Patroni node, not etcd-leader (etcd node)',
      'experiments/t.yaml:13:11: steps[3].from: patroni7 is no node of profile course (nodes: etcd1, etcd2, etcd3, patroni1, patroni2, patroni3, haproxy)',
      'experiments/t.yaml:16:10: steps[4].not: no earlier inject declares id "r9" (no inject declares an id)',
      'experiments/t.yaml:18:13: steps[5].target: cpu-starve needs a whole node, not pgbouncer:leader (a component)',
      'experiments/t.yaml:18:13: steps[5].target: pgbouncer:leader needs pgbouncer, which only profile: production has',
    ]);
  });
});

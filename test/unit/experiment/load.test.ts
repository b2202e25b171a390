import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPERIMENTS_DIR,
  ExperimentFileError,
  listExperiments,
  loadExperiment,
  parseExperimentText,
  PROJECT_ROOT,
} from '../../../src/experiment/load.js';
import { experimentJsonSchemaText } from '../../../src/experiment/schema.js';
import { problems } from './fixtures.js';

const FILE = 'experiments/t.yaml';
const FILES = (await readdir(EXPERIMENTS_DIR)).filter((f) => f.endsWith('.yaml'));

const BASE = `name: t
description: test
steps:
  - at: 3s
    inject: stop
    target: leader
    id: f1
  - after: 15s
    heal: f1
`;

describe('the experiment files in experiments/', () => {
  it('are all there', async () => {
    expect(await listExperiments()).toEqual([
      'all-patroni-stop',
      'cpu-starved-leader',
      'etcd-leader-kill',
      'etcd-member-loss',
      'etcd-quorum-loss',
      'etcd-quorum-loss-failsafe',
      'etcd-slow-network',
      'haproxy-preempt',
      'haproxy-stop',
      'haproxy-vip-failover',
      'keepalived-kill',
      'leader-crash',
      'leader-dcs-partition',
      'leader-freeze',
      'leader-isolation',
      'leader-minority-split',
      'leader-pause',
      'leader-replicas-partition',
      'leader-stop',
      'leader-stop-production',
      'lossy-leader',
      'patroni-kill9',
      'pgbouncer-stop-leader',
      'postgres-crash-leader',
      'replica-isolation',
      'replica-isolation-production',
      'replica-lag-failover',
      'replica-stop',
      'switchover',
      'wal-disk-full',
      'wal-disk-slow',
    ]);
  });

  it.each(FILES)('%s loads and points editors at the schema', async (f) => {
    const exp = await loadExperiment(path.join(EXPERIMENTS_DIR, f));
    expect(exp.name).toBe(f.replace(/\.yaml$/, ''));
    expect(exp.steps.length).toBeGreaterThan(0);
    expect(exp.assertions.length).toBeGreaterThan(0);
    const text = await readFile(path.join(EXPERIMENTS_DIR, f), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/experiment.schema.json');
    // Every fault is healed by the end of the timeline.
    const injected = exp.steps.filter((s) => s.kind === 'inject').length;
    const healAll = exp.steps.some((s) => s.kind === 'heal' && s.id === null);
    const healed = exp.steps.filter((s) => s.kind === 'heal' && s.id !== null).length;
    expect(healAll || healed === injected).toBe(true);
  });

  it('is found by bare name', async () => {
    const exp = await loadExperiment('leader-stop');
    expect(exp.file).toBe(path.join(EXPERIMENTS_DIR, 'leader-stop.yaml'));
    expect(exp.steps[0]).toMatchObject({ kind: 'inject', fault: 'stop', target: { kind: 'role', role: 'leader' } });
  });

  it('names the available experiments when a name is unknown', async () => {
    await expect(loadExperiment('leader-stpo')).rejects.toThrow(/leader-stpo\.yaml:1:1: no such file \(experiments: all-patroni-stop, /);
  });
});

describe('schema/experiment.schema.json', () => {
  it('is what `npm run schema` generates now', async () => {
    const committed = await readFile(path.join(PROJECT_ROOT, 'schema', 'experiment.schema.json'), 'utf8');
    expect(committed).toBe(experimentJsonSchemaText());
  });
});

describe('defaults', () => {
  it('fills in every default, durations in ms', () => {
    const exp = parseExperimentText(BASE, FILE);
    expect(exp).toMatchObject({
      name: 't',
      description: 'test',
      profile: 'course',
      cluster: {
        ttl: 20,
        loop_wait: 2,
        retry_timeout: 9,
        maximum_lag_on_failover: 1048576,
        failsafe_mode: false,
        synchronous_mode: false,
        haproxy: { inter_ms: 500, fall: 2, rise: 1 },
        etcd: { heartbeat_ms: 100, election_ms: 1000 },
        keepalived: { advert_int_ms: 1000, nopreempt: true },
      },
      load: {
        writers: { count: 4, rate: 20 },
        readers: { count: 1, rate: 20 },
        rw_readers: { count: 0, rate: 1 },
        op_timeout_ms: 1000,
        connect_timeout_ms: 1000,
        backoff: { initial_ms: 5, max_ms: 10 },
        warmup_ms: 3000,
        cooldown_ms: 5000,
      },
      assertions: [],
    });
    expect(exp.file).toBe(path.resolve(FILE));
    expect(exp.steps).toEqual([
      {
        index: 0,
        kind: 'inject',
        at_ms: 3000,
        after_ms: 0,
        fault: 'stop',
        target: { kind: 'role', role: 'leader' },
        target_text: 'leader',
        id: 'f1',
        params: {},
        source: ['steps', 0],
      },
      { index: 1, source: ['steps', 1], kind: 'heal', at_ms: null, after_ms: 15_000, id: 'f1' },
    ]);
  });

  it('fills defaults inside partly given objects and parses every step and assertion kind', () => {
    const exp = parseExperimentText(
      `name: t
description: >
  folded
  text
cluster:
  synchronous_mode: strict
  haproxy: { fall: 3 }
load:
  writers: { rate: max }
  readers: { count: 2 }
steps:
  - inject: kill-patroni
    target: sync_standby
    id: f1
  - heal: all
  - wait: replicas_streaming
  - switchover: { to: patroni2 }
  - switchover: {}
  - config: { failsafe_mode: true, ttl: 30 }
  - sleep: 1.5
assertions:
  - max_write_outage: 30s
  - max_read_outage: 0
  - total_write_outage: 1m
  - lost_writes: 0
  - unexpected_rows: 1
  - duplicates: 2
  - split_brain: 500ms
  - leader_changed: true
  - timeline_changed: false
  - writes_refused_during: f1
  - writes_back_within: { after: f1, max: 10s }
  - writes_back_within: { after: f1, max: 25s, from: inject }
  - within_prediction: true
`,
      FILE,
    );
    expect(exp.description).toBe('folded text');
    expect(exp.cluster.synchronous_mode).toBe('strict');
    expect(exp.cluster.haproxy).toEqual({ inter_ms: 500, fall: 3, rise: 1 });
    expect(exp.load.writers).toEqual({ count: 4, rate: 'max' });
    expect(exp.load.readers).toEqual({ count: 2, rate: 20 });
    expect(exp.steps.map((s) => s.kind)).toEqual(['inject', 'heal', 'wait', 'switchover', 'switchover', 'config', 'sleep']);
    expect(exp.steps[0]).toMatchObject({ at_ms: null, after_ms: 0, target: { kind: 'role', role: 'sync_standby' } });
    expect(exp.steps[1]).toMatchObject({ kind: 'heal', id: null });
    expect(exp.steps[2]).toMatchObject({ condition: 'replicas_streaming', timeout_ms: 60_000 });
    expect(exp.steps[3]).toMatchObject({ to: 'patroni2' });
    expect(exp.steps[4]).toMatchObject({ to: null });
    expect(exp.steps[5]).toMatchObject({ changes: { failsafe_mode: true, ttl: 30 } });
    expect(Object.keys((exp.steps[5] as { changes: object }).changes)).toEqual(['ttl', 'failsafe_mode']);
    expect(exp.steps[6]).toMatchObject({ duration_ms: 1500 });
    expect(exp.assertions).toEqual([
      { kind: 'max_write_outage', max_ms: 30_000 },
      { kind: 'max_read_outage', max_ms: 0 },
      { kind: 'total_write_outage', max_ms: 60_000 },
      { kind: 'lost_writes', max: 0 },
      { kind: 'unexpected_rows', max: 1 },
      { kind: 'duplicates', max: 2 },
      { kind: 'split_brain', max_ms: 500 },
      { kind: 'leader_changed', expected: true },
      { kind: 'timeline_changed', expected: false },
      { kind: 'writes_refused_during', fault: 'f1' },
      { kind: 'writes_back_within', fault: 'f1', from: 'heal', max_ms: 10_000 },
      { kind: 'writes_back_within', fault: 'f1', from: 'inject', max_ms: 25_000 },
      { kind: 'within_prediction', expected: true },
    ]);
  });
});

describe('errors name the file, line, column and field', () => {
  it('unknown target', () => {
    expect(problems(BASE.replace('target: leader', 'target: leder'))).toEqual([
      'experiments/t.yaml:6:13: steps[0].target: unknown target "leder" (did you mean "leader"? expected leader, replica, replicas, ' +
        'sync_standby, replica:other, etcd:N, etcd:majority, etcd:minority, etcd:all, etcd-leader, haproxy, haproxy:all, ' +
        'haproxy:backup, patroni:all, pgbouncer:leader, keepalived:active, a node name such as patroni2, $name inside each: replicas)',
    ]);
  });

  it('unknown key (a typo)', () => {
    expect(problems(BASE.replace('    id: f1', '    idd: f1').replace('heal: f1', 'heal: all'))).toEqual([
      'experiments/t.yaml:7:5: steps[0]: unknown key "idd" (did you mean "id"? expected at, after, inject, target, id, not, from, direction, shape, loss, rate, cpu, delay, jitter, write, iops)',
    ]);
    expect(problems(`${BASE}asertions: []\n`)).toEqual([
      'experiments/t.yaml:10:1: unknown key "asertions" (did you mean "assertions"? ' +
        'expected name, description, profile, cluster, load, steps, assertions)',
    ]);
  });

  it('a typo in the key that says what a step is', () => {
    expect(problems(BASE.replace('inject: stop', 'injct: stop'))).toEqual([
      'experiments/t.yaml:5:5: steps[0]: unknown key "injct" (did you mean "inject"? ' +
        'expected at, after, inject, target, id, not, from, direction, shape, loss, rate, cpu, delay, jitter, write, iops, heal, wait, timeout, ' +
        'switchover, config, sleep, each, as, steps, repeat, every)',
    ]);
  });

  it('bad duration', () => {
    expect(problems(BASE.replace('after: 15s', 'after: 15 sec'))).toEqual([
      'experiments/t.yaml:8:12: steps[1].after: invalid duration "15 sec" (expected e.g. 500ms, 1.5s, 2m, 1m30s or a number of seconds)',
    ]);
  });

  it('heal of an undeclared id', () => {
    expect(problems(BASE.replace('heal: f1', 'heal: f2'))).toEqual([
      'experiments/t.yaml:9:11: steps[1].heal: no earlier inject declares id "f2" (declared: f1)',
    ]);
  });

  it('heal before the inject that declares the id', () => {
    const text = `name: t
description: test
steps:
  - heal: f1
  - inject: stop
    target: leader
    id: f1
`;
    expect(problems(text)).toEqual(['experiments/t.yaml:4:11: steps[0].heal: fault "f1" is only injected later, by steps[1]']);
  });

  it('ttl < 20', () => {
    expect(problems(`${BASE}cluster:\n  ttl: 10\n`)).toEqual([
      'experiments/t.yaml:11:8: cluster.ttl: must be at least 20 (Patroni 4 raises a smaller ttl to 20)',
    ]);
  });

  it('loop_wait + 2 × retry_timeout > ttl, in the cluster and after a config step', () => {
    expect(problems(`${BASE}cluster:\n  retry_timeout: 10\n`)).toEqual([
      'experiments/t.yaml:11:18: cluster.retry_timeout: loop_wait + 2 × retry_timeout must be <= ttl (Patroni 4 enforces it): ' +
        '2 + 2 × 10 = 22 > 20',
    ]);
    expect(problems(`${BASE}  - config: { loop_wait: 3 }\n`)).toEqual([
      'experiments/t.yaml:10:13: steps[2].config: loop_wait + 2 × retry_timeout must be <= ttl (Patroni 4 enforces it): ' +
        '3 + 2 × 9 = 21 > 20 once this change applies',
    ]);
  });

  it('YAML syntax error', () => {
    // yaml reports what follows from the first mistake too; the first line is the one to fix.
    expect(problems(BASE.replace('    target: leader', '   target: leader'))[0]).toBe(
      'experiments/t.yaml:6:1: YAML syntax error: Sequence item without - indicator',
    );
    expect(problems('name: t\nname: t\n')).toEqual(['experiments/t.yaml:2:1: YAML syntax error: Map keys must be unique']);
  });

  it('reports several problems at once, one per line, in file order', () => {
    const text = `name: t
description: test
cluster:
  ttl: 10
load:
  warmup: soon
steps:
  - inject: stop
    target: leder
  - wait: helthy
    timeout: 0s
`;
    expect(problems(text)).toEqual([
      'experiments/t.yaml:4:8: cluster.ttl: must be at least 20 (Patroni 4 raises a smaller ttl to 20)',
      'experiments/t.yaml:6:11: load.warmup: invalid duration "soon" (expected e.g. 500ms, 1.5s, 2m, 1m30s or a number of seconds)',
      expect.stringMatching(/^experiments\/t\.yaml:9:13: steps\[0\]\.target: unknown target "leder"/),
      'experiments/t.yaml:10:11: steps[1].wait: unknown wait condition "helthy" (did you mean "healthy"? ' +
        'expected healthy, leader, leader_changed, writes_ok, replicas_streaming)',
      'experiments/t.yaml:11:14: steps[1].timeout: must be longer than 0',
    ]);
  });

  it('a missing required field points at its parent', () => {
    expect(problems(BASE.replace('    target: leader\n', ''))).toEqual([
      'experiments/t.yaml:4:5: steps[0].target: required, but missing',
    ]);
    expect(problems('name: t\ndescription: x\n')).toEqual(['experiments/t.yaml:1:1: steps: required, but missing']);
  });

  it('a step or an assertion with two kinds', () => {
    expect(problems(`${BASE}  - sleep: 1s\n    heal: f1\nassertions:\n  - lost_writes: 0\n    duplicates: 0\n`)).toEqual([
      'experiments/t.yaml:10:5: steps[2]: give only one of inject, heal, wait, switchover, config, sleep, each, repeat; found heal, sleep',
      expect.stringMatching(/^experiments\/t\.yaml:13:5: assertions\[0\]: give only one of .*; found lost_writes, duplicates$/),
    ]);
  });

  it('cross-field rules: ids, heals, assertions on undeclared or unhealed faults, order, profile', () => {
    const text = `name: t
description: test
load:
  readers: { count: 0 }
steps:
  - at: 5s
    inject: kill-patroni
    target: etcd:1
    id: f1
  - at: 4s
    inject: stop
    target: keepalived:active
    id: f1
  - inject: stop
    target: replica
    id: f2
  - heal: f1
  - heal: f1
  - at: 1m
    sleep: 1s
    after: 1s
assertions:
  - writes_refused_during: f9
  - writes_back_within: { after: f2, max: 5s }
  - writes_back_within: { after: f2, max: 5s, from: inject }
  - max_read_outage: 1s
`;
    expect(problems(text)).toEqual([
      'experiments/t.yaml:21:12: steps[5].after: give either at or after, not both',
    ]);
    expect(problems(text.replace('    after: 1s\n', ''))).toEqual([
      'experiments/t.yaml:8:13: steps[0].target: kill-patroni needs a Patroni node, not etcd:1 (etcd node)',
      'experiments/t.yaml:10:9: steps[1].at: steps run in order, but 4 s is earlier than steps[0] (at 5 s)',
      'experiments/t.yaml:12:13: steps[1].target: keepalived:active needs keepalived, which only profile: production has',
      'experiments/t.yaml:13:9: steps[1].id: duplicate id "f1" (already declared by steps[0])',
      'experiments/t.yaml:18:11: steps[4].heal: fault "f1" was already healed by steps[3]',
      'experiments/t.yaml:22:28: assertions[0].writes_refused_during: no inject declares id "f9" (declared: f1, f2)',
      'experiments/t.yaml:23:34: assertions[1].writes_back_within.after: fault "f2" is never healed; add a heal step for it',
      'experiments/t.yaml:25:5: assertions[3]: max_read_outage needs reads, but load.readers.count is 0',
    ]);
  });

  it('the name must equal the file name', () => {
    expect(problems(BASE, 'experiments/other.yaml')).toEqual([
      'experiments/other.yaml:1:7: name: "t" must equal the file\'s base name "other"',
    ]);
  });

  it('an empty file, or one that is not a mapping', () => {
    expect(problems('')).toEqual(['experiments/t.yaml:1:1: the file is empty']);
    expect(problems('- a\n')).toEqual(['experiments/t.yaml:1:1: expected an object, got ["a"]']);
  });
});

describe('loadExperiment with a path', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'drill-exp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file and reports problems under its path', async () => {
    const good = path.join(dir, 't.yaml');
    await writeFile(good, BASE);
    await expect(loadExperiment(good)).resolves.toMatchObject({ name: 't', file: good });
    const bad = path.join(dir, 'bad.yml');
    await writeFile(bad, BASE.replace('name: t', 'name: bad').replace('15s', 'x'));
    await expect(loadExperiment(bad)).rejects.toThrow(`${bad}:8:12: steps[1].after: invalid duration "x"`);
  });
});

describe('a fault kind the chosen driver cannot inject', () => {
  const DISK_FULL = `name: t
description: test
steps:
  - inject: stop
    target: replica
    id: s
  - repeat: 2
    steps:
      - inject: disk-full
        target: leader
        id: p
      - after: 5s
        heal: p
  - heal: s
`;

  it('is refused at its place when the file is loaded for that driver', () => {
    expect(() => parseExperimentText(DISK_FULL, FILE, { driver: 'docker' })).toThrow(
      new RegExp(`^${FILE}:9:17: steps\\[1\\]\\.steps\\[0\\]\\.inject: the docker driver cannot inject disk-full: the containers. pg_wal is on their own filesystem`),
    );
    // Once, though the block repeats it.
    expect((() => {
      try {
        parseExperimentText(DISK_FULL, FILE, { driver: 'docker' });
      } catch (err) {
        return (err as Error).message.split('\n').length;
      }
      return 0;
    })()).toBe(1);
  });

  it('passes for a driver that has it, and when no driver is named', () => {
    expect(parseExperimentText(DISK_FULL, FILE, { driver: 'local' }).steps).toHaveLength(6);
    expect(parseExperimentText(DISK_FULL, FILE).steps).toHaveLength(6);
  });
});

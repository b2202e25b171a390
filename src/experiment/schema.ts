/**
 * The experiment file format (experiments/<name>.yaml): one zod schema that validates the file and
 * turns it into the runner's form (durations in ms, targets parsed, every default filled in), and
 * whose input side is also the JSON Schema editors use to complete the files.
 */
import { z } from 'zod';
import { DEFAULT_SETTINGS as D } from '../cluster/profiles.js';
import { FAULT_KINDS, type FaultKind } from '../cluster/types.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../util/duration.js';

// ---------------------------------------------------------------------------------------------
// Parsed types: what the runner and the assertions consume.

export { FAULT_KINDS, type FaultKind } from '../cluster/types.js';

export type WaitCondition = 'healthy' | 'leader' | 'leader_changed' | 'writes_ok' | 'replicas_streaming';
export const WAIT_CONDITIONS = [
  'healthy',
  'leader',
  'leader_changed',
  'writes_ok',
  'replicas_streaming',
] as const satisfies readonly WaitCondition[];

export type Profile = 'course' | 'production';

/** false = asynchronous; true = synchronous_mode; 'strict' = synchronous_mode_strict as well. */
export type SynchronousMode = boolean | 'strict';

export type TargetSpec =
  | { kind: 'role'; role: 'leader' | 'replica' | 'replicas' | 'sync_standby' }
  | { kind: 'etcd'; count: number | 'majority' | 'minority' | 'all' }
  | { kind: 'haproxy'; which: 'active' | 'all' | 'backup' }
  | { kind: 'patroni_all' }
  | { kind: 'pgbouncer'; on: 'leader' }
  | { kind: 'keepalived'; which: 'active' }
  | { kind: 'node'; name: string };

/** Patroni's dynamic configuration as the drill sets it; ttl, loop_wait, retry_timeout in seconds. */
export interface PatroniSettings {
  ttl: number;
  loop_wait: number;
  retry_timeout: number;
  maximum_lag_on_failover: number;
  failsafe_mode: boolean;
  synchronous_mode: SynchronousMode;
}

export interface ClusterSpec extends PatroniSettings {
  haproxy: { inter_ms: number; fall: number; rise: number };
  etcd: { heartbeat_ms: number; election_ms: number };
  /** VRRP between the HAProxy nodes; used only where the profile has keepalived. */
  keepalived: { advert_int_ms: number; nopreempt: boolean };
  /** Patroni build (local driver): a version installed side by side, or a patroni executable's path; absent = the system's. */
  patroni?: string;
}

export interface WorkerSpec {
  count: number;
  /** Operations per second per worker, or 'max' = back to back. */
  rate: number | 'max';
}

export interface LoadSpec {
  writers: WorkerSpec;
  /** Reads through the read port (replicas). */
  readers: WorkerSpec;
  /** Reads through the write port, as the course's traffic generator does. */
  rw_readers: WorkerSpec;
  op_timeout_ms: number;
  connect_timeout_ms: number;
  backoff: { initial_ms: number; max_ms: number };
  /** Load runs this long before the first step. */
  warmup_ms: number;
  /** And this long after the last step. */
  cooldown_ms: number;
}

/**
 * When a step starts. at_ms (since load start) when the file said `at`; otherwise null, and the
 * step starts after_ms after the previous step ended (0 = right after).
 */
export interface StepTiming {
  /** Position in `steps`, as EventRecord.step records it. */
  index: number;
  at_ms: number | null;
  after_ms: number;
}

export interface InjectStep extends StepTiming {
  kind: 'inject';
  fault: FaultKind;
  target: TargetSpec;
  /** The target as the file wrote it, for events and reports. */
  target_text: string;
  id: string | null;
}

export interface HealStep extends StepTiming {
  kind: 'heal';
  /** The fault to heal; null = `heal: all`, every fault still open. */
  id: string | null;
}

export interface WaitStep extends StepTiming {
  kind: 'wait';
  condition: WaitCondition;
  /** A wait that times out ends the run with verdict error. */
  timeout_ms: number;
}

export interface SwitchoverStep extends StepTiming {
  kind: 'switchover';
  /** Candidate node; null lets Patroni choose. */
  to: string | null;
}

export interface ConfigStep extends StepTiming {
  kind: 'config';
  /** Only the settings the file names (patronictl edit-config -s). */
  changes: Partial<PatroniSettings>;
}

export interface SleepStep extends StepTiming {
  kind: 'sleep';
  duration_ms: number;
}

export type Step = InjectStep | HealStep | WaitStep | SwitchoverStep | ConfigStep | SleepStep;
export type StepKind = Step['kind'];

export type Assertion =
  | { kind: 'max_write_outage' | 'max_read_outage' | 'total_write_outage' | 'split_brain'; max_ms: number }
  | { kind: 'lost_writes' | 'unexpected_rows' | 'duplicates'; max: number }
  | { kind: 'leader_changed' | 'timeline_changed' | 'within_prediction'; expected: boolean }
  | { kind: 'writes_refused_during'; fault: string }
  /**
   * from 'heal': the first write acknowledged after the fault's heal ended, counted from that end.
   * from 'inject': the end of the first write outage after the fault was injected, counted from the
   * injection (0 if writes never stopped).
   */
  | { kind: 'writes_back_within'; fault: string; from: 'heal' | 'inject'; max_ms: number };
export type AssertionKind = Assertion['kind'];

/** An experiment as the file describes it, every default filled in. */
export interface ExperimentSpec {
  name: string;
  description: string;
  profile: Profile;
  cluster: ClusterSpec;
  load: LoadSpec;
  steps: Step[];
  assertions: Assertion[];
}

// ---------------------------------------------------------------------------------------------
// Targets

const ROLE_TARGETS = ['leader', 'replica', 'replicas', 'sync_standby'] as const;

const KEYWORD_TARGETS: ReadonlyMap<string, TargetSpec> = new Map<string, TargetSpec>([
  ...ROLE_TARGETS.map((role): [string, TargetSpec] => [role, { kind: 'role', role }]),
  ['etcd:majority', { kind: 'etcd', count: 'majority' }],
  ['etcd:minority', { kind: 'etcd', count: 'minority' }],
  ['etcd:all', { kind: 'etcd', count: 'all' }],
  ['haproxy', { kind: 'haproxy', which: 'active' }],
  ['haproxy:all', { kind: 'haproxy', which: 'all' }],
  ['haproxy:backup', { kind: 'haproxy', which: 'backup' }],
  ['patroni:all', { kind: 'patroni_all' }],
  ['pgbouncer:leader', { kind: 'pgbouncer', on: 'leader' }],
  ['keepalived:active', { kind: 'keepalived', which: 'active' }],
]);

/** The forms a target can take, for messages. */
export const TARGET_FORMS = [
  ...ROLE_TARGETS,
  'etcd:N',
  'etcd:majority',
  'etcd:minority',
  'etcd:all',
  'haproxy',
  'haproxy:all',
  'haproxy:backup',
  'patroni:all',
  'pgbouncer:leader',
  'keepalived:active',
  'a node name such as patroni2',
];

const ETCD_COUNT_RE = /^etcd:([1-9][0-9]*)$/;
/**
 * Node names end in their number (patroni2, etcd3, haproxy1), which is what keeps a misspelt
 * keyword ("leder") from passing as the name of a node that does not exist.
 */
const NODE_NAME_RE = /^[a-z][a-z0-9-]*[0-9]$/;
const NODE_NAME_PATTERN = NODE_NAME_RE.source;
const TARGET_PATTERN =
  '^(?:leader|replicas?|sync_standby|etcd:(?:[1-9][0-9]*|majority|minority|all)|haproxy(?::all|:backup)?' +
  `|patroni:all|pgbouncer:leader|keepalived:active|${NODE_NAME_PATTERN.slice(1, -1)})$`;

function targetError(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  const hint = closest(text, [...KEYWORD_TARGETS.keys(), 'etcd:1']);
  return (
    `unknown target ${JSON.stringify(text)}` +
    ` (${hint ? `did you mean "${hint}"? ` : ''}expected ${TARGET_FORMS.join(', ')})`
  );
}

/** Parses a target string; throws an Error whose message lists the accepted forms. */
export function parseTarget(s: string): TargetSpec {
  const keyword = KEYWORD_TARGETS.get(s);
  if (keyword) return keyword;
  const etcd = ETCD_COUNT_RE.exec(s);
  if (etcd) return { kind: 'etcd', count: Number(etcd[1]) };
  if (NODE_NAME_RE.test(s)) return { kind: 'node', name: s };
  throw new Error(targetError(s));
}

export function formatTarget(t: TargetSpec): string {
  switch (t.kind) {
    case 'role':
      return t.role;
    case 'etcd':
      return `etcd:${t.count}`;
    case 'haproxy':
      return t.which === 'active' ? 'haproxy' : `haproxy:${t.which}`;
    case 'patroni_all':
      return 'patroni:all';
    case 'pgbouncer':
      return `pgbouncer:${t.on}`;
    case 'keepalived':
      return `keepalived:${t.which}`;
    case 'node':
      return t.name;
  }
}

/** The closest candidate within a small edit distance, to suggest for a typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

function show(input: unknown): string {
  return input === undefined ? 'nothing' : JSON.stringify(input);
}

const DURATION_HELP = 'expected e.g. 500ms, 1.5s, 2m, 1m30s or a number of seconds';

const durationInput = z.union(
  [
    z.number().nonnegative({ error: (iss) => `invalid duration ${show(iss.input)}: must be >= 0` }),
    z.string().regex(new RegExp(DURATION_PATTERN), {
      error: (iss) => `invalid duration ${show(iss.input)} (${DURATION_HELP})`,
    }),
  ],
  { error: (iss) => `invalid duration ${show(iss.input)} (${DURATION_HELP})` },
);

/** A duration in the file ("500ms", "1.5s", "2m", or seconds), parsed to ms. */
const duration = () => durationInput.transform((v) => parseDuration(v));
const positiveDuration = () =>
  duration().refine((ms) => ms > 0, { error: 'must be longer than 0' });

const count = (min: number) =>
  z.int({ error: (iss) => `expected a whole number, got ${show(iss.input)}` }).min(min, {
    error: `must be at least ${min}`,
  });

function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (iss) => {
      const hint = typeof iss.input === 'string' ? closest(iss.input, values) : undefined;
      return (
        `unknown ${what} ${show(iss.input)}` +
        ` (${hint ? `did you mean "${hint}"? ` : ''}expected ${values.join(', ')})`
      );
    },
  });
}

const faultId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, {
    error: (iss) => `invalid id ${show(iss.input)}: letters, digits, - and _, starting with a letter`,
  })
  .refine((id) => id !== 'all', { error: '"all" is reserved for `heal: all`' })
  .describe('Name of the fault, to heal it or to name it in an assertion.');

const nodeName = z
  .string()
  .regex(NODE_NAME_RE, { error: (iss) => `invalid node name ${show(iss.input)} (expected e.g. patroni2)` });

const synchronousMode = z.union([z.boolean(), z.literal('strict')], {
  error: (iss) => `invalid synchronous_mode ${show(iss.input)} (expected false, true or strict)`,
});

const ttl = z
  .int({ error: (iss) => `expected a whole number of seconds, got ${show(iss.input)}` })
  .min(20, { error: 'must be at least 20 (Patroni 4 raises a smaller ttl to 20)' });

// ---------------------------------------------------------------------------------------------
// cluster

/** The ttl rule Patroni 4 enforces; a ttl below 20 has its own message already. */
const patroniRule = (s: Pick<PatroniSettings, 'ttl' | 'loop_wait' | 'retry_timeout'>): string | null =>
  s.ttl < 20 || s.loop_wait + 2 * s.retry_timeout <= s.ttl
    ? null
    : `loop_wait + 2 × retry_timeout must be <= ttl (Patroni 4 enforces it): ` +
      `${s.loop_wait} + 2 × ${s.retry_timeout} = ${s.loop_wait + 2 * s.retry_timeout} > ${s.ttl}`;

const haproxySchema = z
  .strictObject({
    inter: positiveDuration().prefault(`${D.haproxy.inter_ms}ms`).describe('Health-check interval.'),
    fall: count(1).default(D.haproxy.fall).describe('Failed checks before a server is marked down.'),
    rise: count(1).default(D.haproxy.rise).describe('Passed checks before a server is marked up.'),
  })
  .prefault({})
  .transform((h) => ({ inter_ms: h.inter, fall: h.fall, rise: h.rise }));

const etcdSchema = z
  .strictObject({
    heartbeat: positiveDuration().prefault(`${D.etcd.heartbeat_ms}ms`).describe('etcd --heartbeat-interval.'),
    election: positiveDuration().prefault(`${D.etcd.election_ms}ms`).describe('etcd --election-timeout.'),
  })
  .prefault({})
  .superRefine((e, ctx) => {
    // etcd refuses to start otherwise.
    if (e.election < 5 * e.heartbeat) {
      ctx.addIssue({
        code: 'custom',
        path: ['election'],
        message: `must be at least 5 × heartbeat (${formatDuration(5 * e.heartbeat)}); etcd refuses to start otherwise`,
      });
    }
  })
  .transform((e) => ({ heartbeat_ms: e.heartbeat, election_ms: e.election }));

const keepalivedSchema = z
  .strictObject({
    advert_int: positiveDuration().prefault(`${D.keepalived.advert_int_ms}ms`).describe('VRRP advertisement interval; the backup takes over after 3 missed.'),
    nopreempt: z
      .boolean()
      .default(D.keepalived.nopreempt)
      .describe('A returning HAProxy does not take the virtual IP back (which would cause a second blip).'),
  })
  .prefault({})
  .transform((k) => ({ advert_int_ms: k.advert_int, nopreempt: k.nopreempt }))
  .describe('keepalived settings, for profiles with two HAProxy nodes.');

const clusterSchema = z
  .strictObject({
    ttl: ttl.default(D.ttl).describe('Leader key TTL, seconds (Patroni 4: >= 20).'),
    loop_wait: count(1).default(D.loop_wait).describe('Seconds between Patroni loop runs.'),
    retry_timeout: count(1).default(D.retry_timeout).describe('Seconds Patroni retries DCS and PostgreSQL operations.'),
    maximum_lag_on_failover: count(0).default(D.maximum_lag_on_failover).describe('Bytes a replica may lag and still be promoted.'),
    failsafe_mode: z.boolean().default(D.failsafe_mode).describe('Keep the leader while it reaches every member, even without the DCS.'),
    synchronous_mode: synchronousMode.default(D.synchronous_mode).describe('false | true | strict (synchronous_mode_strict).'),
    haproxy: haproxySchema,
    etcd: etcdSchema,
    keepalived: keepalivedSchema,
    patroni: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .optional()
      .describe(
        'Patroni build to run (local driver): a version installed by `npm run setup -- --patroni <version>` (e.g. 3.0.2), or the path of a patroni executable. Default: the system Patroni.',
      ),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    const problem = patroniRule(c);
    if (problem) ctx.addIssue({ code: 'custom', path: ['retry_timeout'], message: problem });
  })
  .describe('Cluster settings; ttl, loop_wait and retry_timeout are Patroni seconds.');

// ---------------------------------------------------------------------------------------------
// load

const rate = z.union([z.number().positive(), z.literal('max')], {
  error: (iss) => `invalid rate ${show(iss.input)} (expected operations per second > 0, or "max")`,
});

const workers = (defaultCount: number, defaultRate: number) =>
  z
    .strictObject({
      count: count(0).default(defaultCount).describe('Number of workers.'),
      rate: rate.default(defaultRate).describe('Operations per second per worker, or "max" (flat out).'),
    })
    .prefault({});

const loadSchema = z
  .strictObject({
    writers: workers(1, 20).describe('Workers inserting through the write port.'),
    readers: workers(1, 20).describe('Workers reading through the read port (replicas).'),
    rw_readers: workers(0, 1).describe("Workers reading through the write port, as the course's traffic generator does."),
    op_timeout: positiveDuration().prefault('1s').describe('Longest an operation may take before it counts as indeterminate.'),
    connect_timeout: positiveDuration().prefault('1s'),
    backoff: z
      .strictObject({ initial: positiveDuration().prefault('25ms'), max: positiveDuration().prefault('50ms') })
      .prefault({})
      .superRefine((b, ctx) => {
        if (b.initial > b.max) {
          ctx.addIssue({ code: 'custom', path: ['initial'], message: `must not exceed max (${formatDuration(b.max)})` });
        }
      })
      .describe(
        'Reconnect delay after a failed operation, doubling up to max. The default keeps attempts as frequent during an outage as the load interval, so the outage edges keep 50 ms resolution.',
      ),
    warmup: duration().prefault('3s').describe('Load runs this long before the first step.'),
    cooldown: duration().prefault('5s').describe('Load runs this long after the last step.'),
  })
  .prefault({})
  .transform(
    (l): LoadSpec => ({
      writers: l.writers,
      readers: l.readers,
      rw_readers: l.rw_readers,
      op_timeout_ms: l.op_timeout,
      connect_timeout_ms: l.connect_timeout,
      backoff: { initial_ms: l.backoff.initial, max_ms: l.backoff.max },
      warmup_ms: l.warmup,
      cooldown_ms: l.cooldown,
    }),
  );

// ---------------------------------------------------------------------------------------------
// steps

const timing = {
  at: duration().optional().describe('Start this long after the load started.'),
  after: duration().optional().describe('Start this long after the previous step ended.'),
};

type TimingInput = { at?: number | undefined; after?: number | undefined };

function checkTiming(s: TimingInput, ctx: z.RefinementCtx): void {
  if (s.at !== undefined && s.after !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['after'], message: 'give either at or after, not both' });
  }
}

const resolveTiming = (s: TimingInput): Omit<StepTiming, 'index'> => ({
  at_ms: s.at ?? null,
  after_ms: s.at === undefined ? (s.after ?? 0) : 0,
});

const patroniSettingsChange = z
  .strictObject({
    ttl: ttl.optional(),
    loop_wait: count(1).optional(),
    retry_timeout: count(1).optional(),
    maximum_lag_on_failover: count(0).optional(),
    failsafe_mode: z.boolean().optional(),
    synchronous_mode: synchronousMode.optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), { error: 'name at least one setting to change' });

type StepOutput = Omit<InjectStep, 'index'> | Omit<HealStep, 'index'> | Omit<WaitStep, 'index'> |
  Omit<SwitchoverStep, 'index'> | Omit<ConfigStep, 'index'> | Omit<SleepStep, 'index'>;

const stepBranches = [
  z
    .strictObject({
      ...timing,
      inject: oneOf(FAULT_KINDS, 'fault').describe('Fault kind.'),
      target: z
        .string({ error: (iss) => targetError(iss.input) })
        .regex(new RegExp(TARGET_PATTERN), { error: (iss) => targetError(iss.input) })
        .describe(`Where: ${TARGET_FORMS.join(', ')}.`),
      id: faultId.optional(),
    })
    .superRefine(checkTiming)
    .transform(
      (s): StepOutput => ({
        kind: 'inject',
        ...resolveTiming(s),
        fault: s.inject,
        target: parseTarget(s.target),
        target_text: s.target,
        id: s.id ?? null,
      }),
    ),
  z
    .strictObject({
      ...timing,
      heal: z
        .string({ error: (iss) => `expected the id of a fault, or all; got ${show(iss.input)}` })
        .describe('Id of the fault to heal, or "all".'),
    })
    .superRefine(checkTiming)
    .transform((s): StepOutput => ({ kind: 'heal', ...resolveTiming(s), id: s.heal === 'all' ? null : s.heal })),
  z
    .strictObject({
      ...timing,
      wait: oneOf(WAIT_CONDITIONS, 'wait condition').describe('Condition to wait for.'),
      timeout: positiveDuration().prefault('60s').describe('A wait that times out ends the run with verdict error.'),
    })
    .superRefine(checkTiming)
    .transform(
      (s): StepOutput => ({ kind: 'wait', ...resolveTiming(s), condition: s.wait, timeout_ms: s.timeout }),
    ),
  z
    .strictObject({
      ...timing,
      switchover: z
        .strictObject({ to: nodeName.optional().describe('Candidate; Patroni chooses if omitted.') })
        .describe('Planned switchover through Patroni.'),
    })
    .superRefine(checkTiming)
    .transform((s): StepOutput => ({ kind: 'switchover', ...resolveTiming(s), to: s.switchover.to ?? null })),
  z
    .strictObject({
      ...timing,
      config: patroniSettingsChange.describe('Change dynamic configuration at run time (patronictl edit-config).'),
    })
    .superRefine(checkTiming)
    .transform(
      (s): StepOutput => ({
        kind: 'config',
        ...resolveTiming(s),
        changes: Object.fromEntries(Object.entries(s.config).filter(([, v]) => v !== undefined)),
      }),
    ),
  z
    .strictObject({ ...timing, sleep: positiveDuration().describe('Do nothing for this long.') })
    .superRefine(checkTiming)
    .transform((s): StepOutput => ({ kind: 'sleep', ...resolveTiming(s), duration_ms: s.sleep })),
] as const;

const stepSchema = z.union(stepBranches).describe('One step: exactly one of inject, heal, wait, switchover, config, sleep.');

// ---------------------------------------------------------------------------------------------
// assertions

/** A strict object with the single key `key`, as every assertion item is. */
function single<K extends string, S extends z.ZodType>(key: K, schema: S) {
  return z.strictObject({ [key]: schema } as { [P in K]: S });
}

const maxDuration = (kind: 'max_write_outage' | 'max_read_outage' | 'total_write_outage' | 'split_brain', help: string) =>
  single(kind, duration().describe(help)).transform((a): Assertion => ({ kind, max_ms: a[kind] }));

const maxCount = (kind: 'lost_writes' | 'unexpected_rows' | 'duplicates', help: string) =>
  single(kind, count(0).describe(help)).transform((a): Assertion => ({ kind, max: a[kind] }));

const flag = (kind: 'leader_changed' | 'timeline_changed' | 'within_prediction', help: string) =>
  single(kind, z.boolean().describe(help)).transform((a): Assertion => ({ kind, expected: a[kind] }));

const assertionBranches = [
  maxDuration('max_write_outage', 'Longest write unavailability window must be <= this.'),
  maxDuration('max_read_outage', 'Longest read-port unavailability window must be <= this.'),
  maxDuration('total_write_outage', 'Sum of write unavailability windows must be <= this.'),
  maxCount('lost_writes', 'Acknowledged writes missing from the final read must be <= this.'),
  maxCount('unexpected_rows', 'Rows present that no client attempted must be <= this.'),
  maxCount('duplicates', 'Keys or ids present more than once must be <= this.'),
  maxDuration('split_brain', 'Total time two nodes were writable primaries must be <= this.'),
  flag('leader_changed', 'Whether another node became leader during the run.'),
  flag('timeline_changed', 'Whether the PostgreSQL timeline changed during the run.'),
  z
    .strictObject({ writes_refused_during: faultId.describe("Writes failed at some point between this fault's inject and heal.") })
    .transform((a): Assertion => ({ kind: 'writes_refused_during', fault: a.writes_refused_during })),
  z
    .strictObject({
      writes_back_within: z
        .strictObject({
          after: faultId,
          max: duration(),
          from: z
            .enum(['heal', 'inject'])
            .default('heal')
            .describe('heal: first acknowledged write after the heal; inject: end of the first write outage after the injection.'),
        })
        .describe("Writes are acknowledged again within max of the fault's heal (or injection)."),
    })
    .transform(
      (a): Assertion => ({
        kind: 'writes_back_within',
        fault: a.writes_back_within.after,
        from: a.writes_back_within.from,
        max_ms: a.writes_back_within.max,
      }),
    ),
  flag('within_prediction', "Every fault's observed write outage is within the bound the configuration predicts."),
] as const;

const assertionSchema = z.union(assertionBranches).describe('One assertion: a single key.');

const WRITE_ASSERTIONS: ReadonlySet<AssertionKind> = new Set([
  'max_write_outage',
  'total_write_outage',
  'lost_writes',
  'unexpected_rows',
  'duplicates',
  'writes_refused_during',
  'writes_back_within',
]);

// ---------------------------------------------------------------------------------------------
// The whole file

const EXPERIMENT_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

const NEEDS_PRODUCTION: ReadonlyMap<TargetSpec['kind'], string> = new Map([
  ['keepalived', 'keepalived'],
  ['pgbouncer', 'pgbouncer'],
]);

type ParsedFile = Omit<ExperimentSpec, 'steps'> & { steps: StepOutput[] };

/** Rules that span fields: ids, heals, timing order, the Patroni rule after config changes, profile. */
function checkExperiment(exp: ParsedFile, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  const declared = new Map<string, number>();
  const laterDeclared = new Map<string, number>();
  exp.steps.forEach((s, i) => {
    if (s.kind === 'inject' && s.id !== null && !laterDeclared.has(s.id)) laterDeclared.set(s.id, i);
  });
  /** id (or '#step' for an inject without id) → index of the inject, while the fault is open. */
  const open = new Map<string, number>();
  const healedBy = new Map<string, number>();
  let settings: PatroniSettings = { ...exp.cluster };
  let lastAt: { at_ms: number; index: number } | null = null;

  exp.steps.forEach((step, i) => {
    if (step.at_ms !== null) {
      if (step.at_ms < exp.load.warmup_ms) {
        issue(['steps', i, 'at'], `${formatDuration(step.at_ms)} is before the warmup ends (${formatDuration(exp.load.warmup_ms)})`);
      }
      if (lastAt && step.at_ms < lastAt.at_ms) {
        issue(
          ['steps', i, 'at'],
          `steps run in order, but ${formatDuration(step.at_ms)} is earlier than steps[${lastAt.index}] (at ${formatDuration(lastAt.at_ms)})`,
        );
      }
      lastAt = { at_ms: step.at_ms, index: i };
    }

    switch (step.kind) {
      case 'inject': {
        if (step.id !== null) {
          const first = declared.get(step.id);
          if (first !== undefined) issue(['steps', i, 'id'], `duplicate id "${step.id}" (already declared by steps[${first}])`);
          else declared.set(step.id, i);
        }
        open.set(step.id ?? `#${i}`, i);
        checkTarget(step, i, exp, settings, issue);
        break;
      }
      case 'heal': {
        if (step.id === null) {
          if (open.size === 0) issue(['steps', i, 'heal'], 'nothing is open to heal here');
          for (const id of open.keys()) healedBy.set(id, i);
          open.clear();
          break;
        }
        const injectedAt = declared.get(step.id);
        if (injectedAt === undefined) {
          const later = laterDeclared.get(step.id);
          issue(
            ['steps', i, 'heal'],
            later !== undefined
              ? `fault "${step.id}" is only injected later, by steps[${later}]`
              : `no earlier inject declares id "${step.id}"` + knownIds(declared),
          );
        } else if (!open.has(step.id)) {
          issue(['steps', i, 'heal'], `fault "${step.id}" was already healed by steps[${healedBy.get(step.id)}]`);
        } else {
          open.delete(step.id);
          healedBy.set(step.id, i);
        }
        break;
      }
      case 'config': {
        settings = { ...settings, ...step.changes };
        const problem = patroniRule(settings);
        if (problem) issue(['steps', i, 'config'], `${problem} once this change applies`);
        break;
      }
      case 'wait':
      case 'switchover':
      case 'sleep':
        break;
    }
  });

  exp.assertions.forEach((a, i) => {
    if (WRITE_ASSERTIONS.has(a.kind) && exp.load.writers.count === 0) {
      issue(['assertions', i], `${a.kind} needs writes, but load.writers.count is 0`);
    }
    if (a.kind === 'max_read_outage' && exp.load.readers.count === 0) {
      issue(['assertions', i], 'max_read_outage needs reads, but load.readers.count is 0');
    }
    if (a.kind !== 'writes_refused_during' && a.kind !== 'writes_back_within') return;
    const path = a.kind === 'writes_refused_during' ? ['assertions', i, a.kind] : ['assertions', i, a.kind, 'after'];
    if (!declared.has(a.fault)) {
      issue(path, `no inject declares id "${a.fault}"` + knownIds(declared));
    } else if (!healedBy.has(a.fault) && (a.kind === 'writes_refused_during' || a.from === 'heal')) {
      issue(path, `fault "${a.fault}" is never healed; add a heal step for it`);
    }
  });
}

function knownIds(declared: Map<string, number>): string {
  return declared.size ? ` (declared: ${[...declared.keys()].join(', ')})` : ' (no inject declares an id)';
}

function checkTarget(
  step: Omit<InjectStep, 'index'>,
  i: number,
  exp: ParsedFile,
  settings: PatroniSettings,
  issue: (path: PropertyKey[], message: string) => void,
): void {
  const t = step.target;
  const at = ['steps', i, 'target'];
  if (step.fault === 'kill-patroni' && !(t.kind === 'role' || t.kind === 'patroni_all' || t.kind === 'node')) {
    issue(at, `kill-patroni needs a Patroni node (leader, replica, replicas, sync_standby, patroni:all or a node name), not ${step.target_text}`);
  }
  if (exp.profile === 'course') {
    const component = NEEDS_PRODUCTION.get(t.kind) ?? (t.kind === 'haproxy' && t.which === 'backup' ? 'a second HAProxy' : undefined);
    if (component) issue(at, `${step.target_text} needs ${component}, which only profile: production has`);
    if (t.kind === 'etcd' && typeof t.count === 'number' && t.count > 3) {
      issue(at, `the course profile has 3 etcd members, not ${t.count}`);
    }
  }
  if (t.kind === 'role' && t.role === 'sync_standby' && settings.synchronous_mode === false) {
    issue(at, 'sync_standby needs synchronous_mode (cluster.synchronous_mode or an earlier config step)');
  }
}

/** The file format: validates a parsed YAML document and yields the runner's form. */
export const experimentFileSchema = z
  .strictObject({
    name: z
      .string()
      .regex(EXPERIMENT_NAME_RE, { error: 'lower-case letters, digits and -, equal to the file name' })
      .describe("Must equal the file's base name."),
    description: z.string().trim().min(1, { error: 'must not be empty' }).describe('Plain text shown in reports.'),
    profile: oneOf(['course', 'production'], 'profile')
      .default('course')
      .describe('course: 3 etcd, 3 Patroni, 1 HAProxy; production adds a second HAProxy with keepalived, and pgbouncer.'),
    cluster: clusterSchema,
    load: loadSchema.describe('Client load; every field optional.'),
    steps: z.array(stepSchema).min(1, { error: 'needs at least one step' }).describe('Run in order.'),
    assertions: z.array(assertionSchema).default([]).describe('Each item has exactly one key.'),
  })
  .superRefine(checkExperiment)
  .transform(
    (exp): ExperimentSpec => ({ ...exp, steps: exp.steps.map((s, index) => ({ ...s, index }) as Step) }),
  )
  .describe('A patroni-drill experiment: a cluster configuration, client load, a timeline of faults, and assertions.');

/** JSON Schema of the file format (the schema's input side: durations as string | number). */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(experimentFileSchema, { io: 'input', target: 'draft-7' }),
    title: 'patroni-drill experiment',
  };
}

/** The committed schema/experiment.schema.json, byte for byte. */
export function experimentJsonSchemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
}

/**
 * The experiment file format (experiments/<name>.yaml): one zod schema that validates the file and
 * turns it into the runner's form (durations in ms, targets parsed, every default filled in), and
 * whose input side is also the JSON Schema editors use to complete the files.
 */
import { z } from 'zod';
import { DEFAULT_SETTINGS as D, nodeNames, PROFILES } from '../cluster/profiles.js';
import { DIRECTIONS, FAULT_KINDS, FAULT_TARGETS, type Direction, type FaultKind, type FaultParams, type NodeKind } from '../cluster/types.js';
import { SHAPES, type Shape } from '../faults/grudge.js';
import type { LoadOptions } from '../load/types.js';
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

/** The members an `each:` block runs its steps for, in turn. */
export const EACH_OVER = ['replicas', 'patroni', 'etcd'] as const;
export type EachOver = (typeof EACH_OVER)[number];

export type TargetSpec = (
  | { kind: 'role'; role: 'leader' | 'replica' | 'replicas' | 'sync_standby' }
  | { kind: 'etcd'; count: number | 'majority' | 'minority' | 'all' }
  /** The etcd member that is the Raft leader when the step runs. */
  | { kind: 'etcd_leader' }
  | { kind: 'haproxy'; which: 'active' | 'all' | 'backup' }
  | { kind: 'patroni_all' }
  | { kind: 'pgbouncer'; on: 'leader' }
  | { kind: 'keepalived'; which: 'active' }
  | { kind: 'node'; name: string }
  /**
   * `$name` inside `each: replicas`: the replica iteration `iteration` of block `block` is about,
   * chosen when first used (one no earlier iteration had) and the same node for the rest of it.
   */
  | { kind: 'bound'; name: string; block: number; iteration: number }
) & {
  /** replica:other: leave out every node an earlier inject of the run hit. */
  other?: boolean;
  /** Leave out the nodes these earlier faults (ids) hit. */
  not?: string[];
};

/** A fault's settings as the file gives them: its other side as targets, or a shape around the target, resolved when it runs. */
export interface FaultOptions extends Omit<FaultParams, 'peers'> {
  from?: TargetSpec[];
  shape?: Shape;
}

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

/** The load generator's options, and how long it runs around the steps. */
export interface LoadSpec extends LoadOptions {
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
  /** Position in `steps` once each/repeat blocks are expanded, as EventRecord.step records it. */
  index: number;
  /** Where the file wrote it: ['steps', 2] or, inside a block, ['steps', 2, 'steps', 0]. */
  source: (string | number)[];
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
  /** The kind's own settings (partition's other side and direction, loss, rate, CPU share). */
  params: FaultOptions;
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
  ['etcd-leader', { kind: 'etcd_leader' }],
  ['replica:other', { kind: 'role', role: 'replica', other: true }],
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
  'replica:other',
  'etcd:N',
  'etcd:majority',
  'etcd:minority',
  'etcd:all',
  'etcd-leader',
  'haproxy',
  'haproxy:all',
  'haproxy:backup',
  'patroni:all',
  'pgbouncer:leader',
  'keepalived:active',
  'a node name such as patroni2',
  '$name inside each: replicas',
];

const ETCD_COUNT_RE = /^etcd:([1-9][0-9]*)$/;
/**
 * Node names end in their number (patroni2, etcd3, haproxy1), which is what keeps a misspelt
 * keyword ("leder") from passing as the name of a node that does not exist.
 */
const NODE_NAME_RE = /^[a-z][a-z0-9-]*[0-9]$/;
const NODE_NAME_PATTERN = NODE_NAME_RE.source;
const BINDING_RE = /^\$([a-z][a-z0-9_]*)$/;
const TARGET_PATTERN =
  '^(?:leader|replicas?|replica:other|sync_standby|etcd:(?:[1-9][0-9]*|majority|minority|all)|etcd-leader|haproxy(?::all|:backup)?' +
  `|patroni:all|pgbouncer:leader|keepalived:active|${NODE_NAME_PATTERN.slice(1, -1)}|${BINDING_RE.source.slice(1, -1)})$`;

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
  const bound = BINDING_RE.exec(s);
  // Block and iteration are filled in when the each: block around it is expanded.
  if (bound) return { kind: 'bound', name: bound[1]!, block: -1, iteration: -1 };
  throw new Error(targetError(s));
}

export function formatTarget(t: TargetSpec): string {
  switch (t.kind) {
    case 'role':
      return t.other ? `${t.role}:other` : t.role;
    case 'etcd':
      return `etcd:${t.count}`;
    case 'etcd_leader':
      return 'etcd-leader';
    case 'bound':
      return `$${t.name}`;
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
    // Four writers at 20/s, started 12.5 ms apart: together an attempt every 12.5 ms, so an outage's
    // edges are known to about 20 ms, at 80 small inserts a second (measured with the accuracy bench:
    // the outages match one writer's within their resolution).
    writers: workers(4, 20).describe('Workers inserting through the write port, started evenly staggered over one interval.'),
    readers: workers(1, 20).describe('Workers reading through the read port (replicas).'),
    rw_readers: workers(0, 1).describe("Workers reading through the write port, as the course's traffic generator does."),
    op_timeout: positiveDuration().prefault('1s').describe('Longest an operation may take before it counts as indeterminate.'),
    connect_timeout: positiveDuration().prefault('1s'),
    backoff: z
      .strictObject({ initial: positiveDuration().prefault('5ms'), max: positiveDuration().prefault('10ms') })
      .prefault({})
      .superRefine((b, ctx) => {
        if (b.initial > b.max) {
          ctx.addIssue({ code: 'custom', path: ['initial'], message: `must not exceed max (${formatDuration(b.max)})` });
        }
      })
      .describe(
        'Reconnect delay after a failed operation, doubling up to max: an attempt due within it waits for its end. The default, a fifth of the default load interval, is short enough that a writer keeps every slot through an outage of quick refusals, so the staggered writers keep its edges to about 12.5 ms.',
      ),
    max_in_flight: count(1)
      .default(8)
      .describe(
        "Attempts one worker may have going at once. While earlier attempts hang connecting (HAProxy holds a connection for a second before it retries a server that refused), a worker still takes every n-th of its slots, n being the workers of its kind, in turn with the others: an outage's end is seen when it happens, not when the hung connections give up, without piling abandoned sessions onto HAProxy. No attempt starts while the worker's own query is unanswered, so a stalled server is never given more than one query per worker.",
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
      max_in_flight: l.max_in_flight,
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

const resolveTiming = (s: TimingInput): Omit<StepTiming, 'index' | 'source'> => ({
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

type Unplaced<T> = Omit<T, 'index' | 'source'>;
type StepOutput = Unplaced<InjectStep> | Unplaced<HealStep> | Unplaced<WaitStep> | Unplaced<SwitchoverStep> | Unplaced<ConfigStep> | Unplaced<SleepStep>;

const targetText = z
  .string({ error: (iss) => targetError(iss.input) })
  .regex(new RegExp(TARGET_PATTERN), { error: (iss) => targetError(iss.input) });
const targetList = z.union([targetText, z.array(targetText).min(1, { error: 'name at least one target' })], {
  error: (iss) => `expected a target or a list of targets, got ${show(iss.input)}`,
});
const idList = z.union([faultId, z.array(faultId).min(1, { error: 'name at least one fault id' })], {
  error: (iss) => `expected a fault id or a list of ids, got ${show(iss.input)}`,
});

const PERCENT_RE = /^([0-9]+(?:\.[0-9]+)?)\s*%$/;
const percent = (what: string) =>
  z
    .union([z.number(), z.string().regex(PERCENT_RE)], {
      error: (iss) => `invalid ${what} ${show(iss.input)} (expected a percentage such as 10%)`,
    })
    .transform((v) => (typeof v === 'number' ? v : Number(PERCENT_RE.exec(v)![1])))
    .refine((v) => v > 0 && v <= 100, { error: `${what} must be more than 0% and at most 100%` });

const RATE_RE = /^([0-9]+(?:\.[0-9]+)?)\s*(kbit|mbit|gbit)$/;
const RATE_UNIT = { kbit: 1, mbit: 1000, gbit: 1_000_000 } as const;
const bandwidth = z
  .string({ error: (iss) => `invalid rate ${show(iss.input)} (expected e.g. 1mbit, 500kbit)` })
  .regex(RATE_RE, { error: (iss) => `invalid rate ${show(iss.input)} (expected e.g. 1mbit, 500kbit)` })
  .transform((v) => {
    const [, n, unit] = RATE_RE.exec(v)!;
    return Number(n) * RATE_UNIT[unit as keyof typeof RATE_UNIT];
  })
  .refine((kbit) => kbit >= 8, { error: 'rate must be at least 8kbit' });

const BYTES_RE = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)$/i;
const BYTE_UNIT = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;
/** disk-slow's write cap, in bytes per second (binary units: 1mb = 1048576 bytes). */
const writeRate = z
  .string({ error: (iss) => `invalid write rate ${show(iss.input)} (expected e.g. 1mb, 512kb)` })
  .regex(BYTES_RE, { error: (iss) => `invalid write rate ${show(iss.input)} (expected e.g. 1mb, 512kb)` })
  .transform((v) => {
    const [, n, unit] = BYTES_RE.exec(v)!;
    return Math.round(Number(n) * BYTE_UNIT[unit!.toLowerCase() as keyof typeof BYTE_UNIT]);
  })
  .refine((bps) => bps >= 4096, { error: 'write rate must be at least 4kb' });
const iopsLimit = z.coerce
  .number({ error: (iss) => `invalid iops ${show(iss.input)} (expected a whole number of writes per second, e.g. 50)` })
  .int({ error: 'iops must be a whole number' })
  .min(1, { error: 'iops must be at least 1' });

const OPTION_KEYS = ['from', 'direction', 'loss', 'rate', 'cpu', 'delay', 'jitter', 'write', 'iops'] as const;
type OptionKey = (typeof OPTION_KEYS)[number];
const OPTION_EXAMPLES: Record<OptionKey, string> = {
  from: 'e.g. from: etcd:all',
  direction: 'in, out or both',
  loss: 'e.g. loss: 10%',
  rate: 'e.g. rate: 1mbit',
  cpu: 'e.g. cpu: 10%',
  delay: 'e.g. delay: 200ms',
  jitter: 'e.g. jitter: 50ms',
  write: 'e.g. write: 1mb',
  iops: 'e.g. iops: 50',
};
/** Which of the step's settings each fault kind reads, and which it cannot do without. */
const FAULT_OPTIONS: Record<FaultKind, { allowed: readonly OptionKey[]; required: readonly OptionKey[] }> = {
  stop: { allowed: [], required: [] },
  kill: { allowed: [], required: [] },
  'kill-patroni': { allowed: [], required: [] },
  pause: { allowed: [], required: [] },
  isolate: { allowed: [], required: [] },
  partition: { allowed: ['from', 'direction'], required: [] },
  loss: { allowed: ['from', 'loss'], required: ['loss'] },
  bandwidth: { allowed: ['from', 'rate'], required: ['rate'] },
  delay: { allowed: ['from', 'delay', 'jitter'], required: ['delay'] },
  'postgres-crash': { allowed: [], required: [] },
  'replay-pause': { allowed: [], required: [] },
  'cpu-starve': { allowed: ['cpu'], required: ['cpu'] },
  'disk-full': { allowed: [], required: [] },
  // One of write and iops at least; the driver says so when neither is given.
  'disk-slow': { allowed: ['write', 'iops'], required: [] },
};

/**
 * A fault's settings as `npm run cluster -- fault` takes them (strings from the command line, the
 * other side as node names), checked by the same rules as an experiment file's inject step.
 */
export function faultParams(
  fault: FaultKind,
  given: { from?: string; direction?: Direction; loss?: string; rate?: string; cpu?: string; delay?: string; jitter?: string; write?: string; iops?: string },
): FaultParams {
  const rule = FAULT_OPTIONS[fault];
  for (const key of OPTION_KEYS) {
    // direction has a default on the command line; it only matters to partition.
    if (key !== 'direction' && given[key] !== undefined && !rule.allowed.includes(key)) throw new Error(`--${key} applies to ${FAULT_KINDS.filter((k) => FAULT_OPTIONS[k].allowed.includes(key)).join(', ')}, not to ${fault}`);
  }
  for (const key of rule.required) if (given[key] === undefined) throw new Error(`${fault} needs --${key} (${OPTION_EXAMPLES[key]})`);
  const parse = <T>(schema: z.ZodType<T>, value: string | undefined): T | undefined => {
    if (value === undefined) return undefined;
    const r = schema.safeParse(value);
    if (!r.success) throw new Error(r.error.issues[0]!.message);
    return r.data;
  };
  const params: FaultParams = {};
  if (given.from !== undefined) params.peers = given.from.split(',').map((x) => x.trim()).filter(Boolean);
  if (fault === 'partition') params.direction = given.direction ?? 'both';
  const loss = parse(percent('loss'), given.loss);
  const rate = parse(bandwidth, given.rate);
  const cpu = parse(percent('cpu'), given.cpu);
  if (loss !== undefined) params.loss_pct = loss;
  if (rate !== undefined) params.rate_kbit = rate;
  if (cpu !== undefined) params.cpu_pct = cpu;
  const write = parse(writeRate, given.write);
  const iops = parse(iopsLimit, given.iops);
  if (write !== undefined) params.rate_bps = write;
  if (iops !== undefined) params.iops = iops;
  const delay = parse(positiveDuration(), given.delay);
  if (delay !== undefined) {
    params.delay_ms = delay;
    params.jitter_ms = parse(duration(), given.jitter) ?? 0;
  }
  return params;
}

const stepBranches = [
  z
    .strictObject({
      ...timing,
      inject: oneOf(FAULT_KINDS, 'fault').describe('Fault kind.'),
      target: targetText.describe(`Where: ${TARGET_FORMS.join(', ')}.`),
      id: faultId.optional(),
      not: idList.optional().describe('Leave out the nodes these earlier faults (ids) hit, e.g. to stop the other replica.'),
      from: targetList
        .optional()
        .describe('partition, loss, bandwidth: the other side (targets); every other node when omitted.'),
      direction: oneOf(DIRECTIONS, 'direction')
        .optional()
        .describe('partition: in = the target hears nothing from the other side, out = the other side hears nothing from it, both (default).'),
      shape: oneOf(SHAPES, 'shape')
        .optional()
        .describe(
          "partition: a Jepsen grudge around the target instead of from: isolate (it alone), split (it with an etcd minority, from the majority) or bridge (the others in two halves, it reaching both); HAProxy stays outside split and bridge.",
        ),
      loss: percent('loss').optional().describe('loss: share of outgoing packets dropped, e.g. 10%.'),
      rate: bandwidth.optional().describe('bandwidth: outgoing rate cap, e.g. 1mbit or 500kbit.'),
      cpu: percent('cpu').optional().describe('cpu-starve: CPU quota as a share of one core, e.g. 10%.'),
      delay: positiveDuration().optional().describe('delay: added to each direction of the node\'s connections to its peers, e.g. 200ms.'),
      jitter: duration().optional().describe('delay: each chunk is held delay ± up to this much (uniform), e.g. 50ms.'),
      write: writeRate.optional().describe('disk-slow: write cap on the node\'s pg_wal device, bytes per second, e.g. 1mb (1048576) or 512kb.'),
      iops: iopsLimit.optional().describe('disk-slow: write operations per second on the node\'s pg_wal device, e.g. 50.'),
    })
    .superRefine(checkTiming)
    .superRefine((s, ctx) => {
      const rule = FAULT_OPTIONS[s.inject];
      for (const key of OPTION_KEYS) {
        if (s[key] !== undefined && !rule.allowed.includes(key)) {
          const takers = FAULT_KINDS.filter((k) => FAULT_OPTIONS[k].allowed.includes(key));
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to ${takers.join(', ')}, not to ${s.inject}` });
        }
      }
      for (const key of rule.required) {
        if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: ['inject'], message: `${s.inject} needs ${key}: (${OPTION_EXAMPLES[key]})` });
      }
      if (s.shape !== undefined && s.inject !== 'partition') ctx.addIssue({ code: 'custom', path: ['shape'], message: `shape applies to partition, not to ${s.inject}` });
      if (s.shape !== undefined && s.from !== undefined) ctx.addIssue({ code: 'custom', path: ['shape'], message: 'shape makes both sides itself; give either shape or from, not both' });
    })
    .transform((s): StepOutput => {
      const target = parseTarget(s.target);
      const not = s.not === undefined ? [] : typeof s.not === 'string' ? [s.not] : s.not;
      const from = s.from === undefined ? undefined : typeof s.from === 'string' ? [s.from] : s.from;
      const params: FaultOptions = {
        ...(from ? { from: from.map(parseTarget) } : {}),
        ...(s.inject === 'partition' ? { direction: s.direction ?? 'both' } : {}),
        ...(s.shape !== undefined ? { shape: s.shape } : {}),
        ...(s.loss !== undefined ? { loss_pct: s.loss } : {}),
        ...(s.rate !== undefined ? { rate_kbit: s.rate } : {}),
        ...(s.cpu !== undefined ? { cpu_pct: s.cpu } : {}),
        ...(s.write !== undefined ? { rate_bps: s.write } : {}),
        ...(s.iops !== undefined ? { iops: s.iops } : {}),
        ...(s.delay !== undefined ? { delay_ms: s.delay, jitter_ms: s.jitter ?? 0 } : {}),
      };
      return {
        kind: 'inject',
        ...resolveTiming(s),
        fault: s.inject,
        target: not.length ? { ...target, not } : target,
        target_text: [s.target, ...(not.length ? [`not ${not.join(', ')}`] : []), ...(from ? [`from ${from.join(', ')}`] : []), ...(s.shape ? [`(${s.shape})`] : [])].join(' '),
        id: s.id ?? null,
        params,
      };
    }),
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

/** each: / repeat: as parsed; its steps are expanded into plain steps once the profile is known. */
interface BlockOutput {
  kind: 'block';
  at_ms: number | null;
  after_ms: number;
  /** Which members (each:) or how many times (repeat:). */
  over: { each: EachOver; as: string } | { repeat: number; every_ms: number | null };
  steps: StepOutput[];
}

const BINDING_NAME_RE = /^[a-z][a-z0-9_]*$/;
const blockSteps = z.array(stepSchema).min(1, { error: 'needs at least one step' }).describe('Run in order, once per iteration.');

const blockBranches = [
  z
    .strictObject({
      ...timing,
      each: oneOf(EACH_OVER, 'member set').describe('Run the steps once for every member of this set in turn.'),
      as: z
        .string()
        .regex(BINDING_NAME_RE, { error: (iss) => `invalid name ${show(iss.input)}: lower-case letters, digits and _` })
        .default('member')
        .describe('The name the steps use for the member as $name (default: member).'),
      steps: blockSteps,
    })
    .superRefine(checkTiming)
    .transform((b): BlockOutput => ({ kind: 'block', ...resolveTiming(b), over: { each: b.each, as: b.as }, steps: b.steps })),
  z
    .strictObject({
      ...timing,
      repeat: count(1).describe('Run the steps this many times.'),
      every: positiveDuration().optional().describe('Iterations start this far apart (needs at: on the block); right after one another when omitted.'),
      steps: blockSteps,
    })
    .superRefine(checkTiming)
    .transform((b): BlockOutput => ({ kind: 'block', ...resolveTiming(b), over: { repeat: b.repeat, every_ms: b.every ?? null }, steps: b.steps })),
] as const;

const stepOrBlockSchema = z
  .union([...stepBranches, ...blockBranches])
  .describe('One step (exactly one of inject, heal, wait, switchover, config, sleep) or a block (each, repeat) of steps.');

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

type Source = (string | number)[];
type PlacedStep = StepOutput & { source: Source };
type FileInput = Omit<ExperimentSpec, 'steps'> & { steps: Array<StepOutput | BlockOutput> };
type ParsedFile = Omit<ExperimentSpec, 'steps'> & { steps: PlacedStep[] };
type IssueAt = (path: PropertyKey[], message: string) => void;

const sourceText = (source: Source): string =>
  source.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');

/**
 * Expands each: and repeat: blocks into plain steps, so the runner only ever sees a list of steps.
 * Ids declared inside a block get the iteration's number (`r` → `r-1`, `r-2`), and so do the heals
 * and `not:` lists inside it that name them; `$name` becomes the iteration's member.
 */
function expandBlocks(exp: FileInput, issue: IssueAt): ParsedFile {
  const names = nodeNames(PROFILES[exp.profile]!);
  const steps: PlacedStep[] = [];
  exp.steps.forEach((item, i) => {
    if (item.kind !== 'block') {
      steps.push({ ...item, source: ['steps', i] });
      return;
    }
    const inner = item.steps;
    inner.forEach((s, j) => {
      if (s.at_ms !== null) issue(['steps', i, 'steps', j, 'at'], 'at is not allowed inside each/repeat (steps of a block follow one another); use after');
    });
    const ids = new Set(inner.flatMap((s) => (s.kind === 'inject' && s.id !== null ? [s.id] : [])));
    const over = item.over;
    const iterations = 'each' in over ? (over.each === 'replicas' ? names.patroni.length - 1 : names[over.each].length) : over.repeat;
    if ('repeat' in over && over.every_ms !== null) {
      if (item.at_ms === null) issue(['steps', i, 'every'], 'every needs at: on the block (iterations start every apart from it)');
      const busy = inner.reduce((ms, s) => ms + s.after_ms + (s.kind === 'sleep' ? s.duration_ms : 0), 0);
      if (busy >= over.every_ms) {
        issue(['steps', i, 'every'], `one iteration waits ${formatDuration(busy)} already, not less than every (${formatDuration(over.every_ms)})`);
      }
    }
    for (let k = 1; k <= iterations; k++) {
      const rename = (id: string) => (ids.has(id) ? `${id}-${k}` : id);
      const bind = (t: TargetSpec, where: Source): TargetSpec => {
        if (t.kind !== 'bound') return t;
        if (!('each' in over) || over.as !== t.name) {
          issue(where, 'each' in over ? `$${t.name} is not bound here (this block binds $${over.as})` : `$${t.name} is only bound inside each:`);
          return t;
        }
        const { kind: _bound, name: _name, block: _b, iteration: _i, ...rest } = t;
        return over.each === 'replicas' ? { ...t, block: i, iteration: k } : { ...rest, kind: 'node', name: names[over.each][k - 1]! };
      };
      inner.forEach((s, j) => {
        const source: Source = ['steps', i, 'steps', j];
        const timing =
          j > 0
            ? {}
            : 'repeat' in over && over.every_ms !== null && item.at_ms !== null
              ? { at_ms: item.at_ms + (k - 1) * over.every_ms, after_ms: 0 }
              : k === 1
                ? { at_ms: item.at_ms, after_ms: item.after_ms + s.after_ms }
                : {};
        if (s.kind === 'inject') {
          const target = bind(s.target, [...source, 'target']);
          const not = s.target.not?.map(rename);
          const from = s.params.from?.map((f) => bind(f, [...source, 'from']));
          const text = s.target.kind === 'bound' && target.kind === 'node' ? s.target_text.replace(`$${s.target.name}`, target.name) : s.target_text;
          steps.push({
            ...s,
            ...timing,
            source,
            id: s.id === null ? null : rename(s.id),
            target: not ? { ...target, not } : target,
            target_text: text,
            params: from ? { ...s.params, from } : s.params,
          });
        } else if (s.kind === 'heal') {
          steps.push({ ...s, ...timing, source, id: s.id === null ? null : rename(s.id) });
        } else {
          steps.push({ ...s, ...timing, source });
        }
      });
    }
  });
  return { ...exp, steps };
}

/** The kinds of node a target can stand for, and whether it names a component of one. */
function targetNodes(t: TargetSpec, names: ReturnType<typeof nodeNames>): { kinds: NodeKind[]; component: boolean } | { missing: string } {
  switch (t.kind) {
    case 'role':
    case 'patroni_all':
    case 'bound':
      return { kinds: ['patroni'], component: false };
    case 'etcd':
    case 'etcd_leader':
      return { kinds: ['etcd'], component: false };
    case 'haproxy':
      return { kinds: ['haproxy'], component: false };
    case 'pgbouncer':
      return { kinds: ['patroni'], component: true };
    case 'keepalived':
      return { kinds: ['haproxy'], component: true };
    case 'node': {
      const kind = (['etcd', 'patroni', 'haproxy'] as const).find((k) => names[k].includes(t.name));
      if (!kind) return { missing: [...names.etcd, ...names.patroni, ...names.haproxy].join(', ') };
      return { kinds: [kind], component: false };
    }
  }
}

const NEEDS_PRODUCTION: ReadonlyMap<TargetSpec['kind'], string> = new Map([
  ['keepalived', 'keepalived'],
  ['pgbouncer', 'pgbouncer'],
]);

/** Rules that span fields: ids, heals, timing order, the Patroni rule after config changes, profile. */
function checkExperiment(exp: ParsedFile, ctx: z.RefinementCtx): void {
  const issue: IssueAt = (path, message) => ctx.addIssue({ code: 'custom', path, message });

  const declared = new Map<string, PlacedStep>();
  const laterDeclared = new Map<string, PlacedStep>();
  exp.steps.forEach((s) => {
    if (s.kind === 'inject' && s.id !== null && !laterDeclared.has(s.id)) laterDeclared.set(s.id, s);
  });
  /** id (or '#step' for an inject without id) → index of the inject, while the fault is open. */
  const open = new Map<string, number>();
  const healedBy = new Map<string, PlacedStep>();
  let settings: PatroniSettings = { ...exp.cluster };
  let lastAt: { at_ms: number; step: PlacedStep } | null = null;

  exp.steps.forEach((step, i) => {
    const at = (...rest: PropertyKey[]) => [...step.source, ...rest];
    if (step.at_ms !== null) {
      if (step.at_ms < exp.load.warmup_ms) {
        issue(at('at'), `${formatDuration(step.at_ms)} is before the warmup ends (${formatDuration(exp.load.warmup_ms)})`);
      }
      if (lastAt && step.at_ms < lastAt.at_ms) {
        issue(
          at('at'),
          `steps run in order, but ${formatDuration(step.at_ms)} is earlier than ${sourceText(lastAt.step.source)} (at ${formatDuration(lastAt.at_ms)})`,
        );
      }
      lastAt = { at_ms: step.at_ms, step };
    }

    switch (step.kind) {
      case 'inject': {
        if (step.id !== null) {
          const first = declared.get(step.id);
          if (first !== undefined) issue(at('id'), `duplicate id "${step.id}" (already declared by ${sourceText(first.source)})`);
          else declared.set(step.id, step);
        }
        for (const id of step.target.not ?? []) {
          if (!declared.has(id)) issue(at('not'), `no earlier inject declares id "${id}"` + knownIds(declared));
        }
        open.set(step.id ?? `#${i}`, i);
        checkTarget(step, exp, settings, issue);
        break;
      }
      case 'heal': {
        if (step.id === null) {
          if (open.size === 0) issue(at('heal'), 'nothing is open to heal here');
          for (const id of open.keys()) healedBy.set(id, step);
          open.clear();
          break;
        }
        const injectedAt = declared.get(step.id);
        if (injectedAt === undefined) {
          const later = laterDeclared.get(step.id);
          issue(
            at('heal'),
            later !== undefined
              ? `fault "${step.id}" is only injected later, by ${sourceText(later.source)}`
              : `no earlier inject declares id "${step.id}"` + knownIds(declared),
          );
        } else if (!open.has(step.id)) {
          issue(at('heal'), `fault "${step.id}" was already healed by ${sourceText(healedBy.get(step.id)!.source)}`);
        } else {
          open.delete(step.id);
          healedBy.set(step.id, step);
        }
        break;
      }
      case 'config': {
        settings = { ...settings, ...step.changes };
        const problem = patroniRule(settings);
        if (problem) issue(at('config'), `${problem} once this change applies`);
        break;
      }
      case 'switchover': {
        const names = nodeNames(PROFILES[exp.profile]!);
        if (step.to !== null && !names.patroni.includes(step.to)) {
          const kind = names.etcd.includes(step.to) ? 'an etcd member' : names.haproxy.includes(step.to) ? 'an HAProxy node' : 'no node of this profile';
          issue(at('switchover', 'to'), `${step.to} is ${kind}; a switchover goes to a Patroni node (${names.patroni.join(', ')})`);
        }
        break;
      }
      case 'wait':
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

function knownIds(declared: Map<string, unknown>): string {
  return declared.size ? ` (declared: ${[...declared.keys()].join(', ')})` : ' (no inject declares an id)';
}

/**
 * Refuses, before any cluster exists, a target the profile does not have (patroni9 on three nodes),
 * or one the fault cannot act on (kill-patroni on etcd1, replay-pause on the leader).
 */
function checkTarget(step: PlacedStep & Unplaced<InjectStep>, exp: ParsedFile, settings: PatroniSettings, issue: IssueAt): void {
  const topology = PROFILES[exp.profile]!;
  const names = nodeNames(topology);
  const rule = FAULT_TARGETS[step.fault];
  const check = (t: TargetSpec, at: PropertyKey[], text: string, asFault: boolean) => {
    const nodes = targetNodes(t, names);
    if ('missing' in nodes) {
      issue(at, `${text} is no node of profile ${exp.profile} (nodes: ${nodes.missing})`);
      return;
    }
    if (asFault && (!nodes.kinds.some((k) => rule.nodes.includes(k)) || (nodes.component && !rule.components))) {
      issue(at, `${step.fault} needs ${rule.what}, not ${text} (${nodes.component ? 'a component' : `${nodes.kinds.join('/')} node`})`);
    }
    if (exp.profile === 'course') {
      const component = NEEDS_PRODUCTION.get(t.kind) ?? (t.kind === 'haproxy' && t.which === 'backup' ? 'a second HAProxy' : undefined);
      if (component) issue(at, `${text} needs ${component}, which only profile: production has`);
    }
    if (t.kind === 'etcd' && typeof t.count === 'number' && t.count > topology.etcd) {
      issue(at, `the ${exp.profile} profile has ${topology.etcd} etcd members, not ${t.count}`);
    }
    if (t.kind === 'role' && t.role === 'sync_standby' && settings.synchronous_mode === false) {
      issue(at, 'sync_standby needs synchronous_mode (cluster.synchronous_mode or an earlier config step)');
    }
    if (t.other && t.not?.length) issue(at, 'give either replica:other or not:, not both');
  };
  const target = [...step.source, 'target'];
  check(step.target, target, formatTarget(step.target), true);
  if (step.fault === 'replay-pause' && (step.target.kind === 'patroni_all' || (step.target.kind === 'role' && step.target.role === 'leader'))) {
    issue(target, `replay-pause needs a replica, not ${formatTarget(step.target)} (the leader replays nothing)`);
  }
  for (const f of step.params.from ?? []) check(f, [...step.source, 'from'], formatTarget(f), false);
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
    steps: z.array(stepOrBlockSchema).min(1, { error: 'needs at least one step' }).describe('Run in order.'),
    assertions: z.array(assertionSchema).default([]).describe('Each item has exactly one key.'),
  })
  .transform((exp, ctx) => expandBlocks(exp, (path, message) => ctx.addIssue({ code: 'custom', path, message, input: exp })))
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

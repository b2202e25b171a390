/**
 * results.json: one versioned schema and the one reader every consumer (report, index, grader) uses.
 * Parts a run that ended in error may lack default to empty, and the reader says which were absent,
 * so a report never shows zeros from a missing analysis as facts.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Results } from './types.js';

export const RESULTS_FILE = 'results.json';
export const SCHEMA_VERSION = 2;

const num = z.number();
const nan = z.number().or(z.null()).transform((v) => v ?? Number.NaN);

const windowSchema = z.looseObject({
  start_ms: num,
  end_ms: num,
  duration_ms: num,
  resolution_ms: num,
  start_resolution_ms: num,
  end_resolution_ms: num,
  failed_ops: num,
  workers: z.array(z.string()),
  server_gap_ms: num.optional(),
  server_gap_start_ms: num.optional(),
  server_gap_end_ms: num.optional(),
});

const availability = {
  windows: z.array(windowSchema).default([]),
  resolution_ms: num.default(0),
  attempts: num.default(0),
  ok: num.default(0),
  failed: num.default(0),
  indeterminate: num.default(0),
  total_unavailable_ms: num.default(0),
};

const termSchema = z.object({ label: z.string(), lo_ms: num, hi_ms: num });
const intervalSchema = z.object({ lo_ms: num, hi_ms: num, terms: z.array(termSchema) });

const faultSchema = z.looseObject({
  id: z.string().optional(),
  step: num,
  fault: z.string(),
  kind: z.string(),
  target: z.string(),
  nodes: z.array(z.string()),
  roles: z.array(z.string()),
  scenario: z.string(),
  disrupts: z.boolean().nullable(),
  injected_ms: num,
  effective_ms: num,
  effective_source: z.enum(['inject_end', 'inject_begin', 'log']),
  healed_ms: num.nullable(),
  predicted: intervalSchema.nullable(),
  combined_with: z.looseObject({ fault: z.string(), scenario: z.string(), story: z.string(), id: z.string().optional() }).optional(),
  explained_by: z.looseObject({ fault: z.string(), id: z.string().optional() }).optional(),
  observed_ms: num,
  windows: z.array(num),
  within: z.boolean().nullable(),
  finding: z.enum(['faster', 'slower', 'no_model']).optional(),
  phases: z.array(z.object({ name: z.enum(['detection', 'promotion', 'routing', 'first_write']), observed_ms: num.nullable(), lo_ms: num, hi_ms: num, terms: z.array(termSchema), within: z.boolean().nullable() })),
});

const analysisSchema = z.looseObject({
  writes: z
    .looseObject({
      ...availability,
      acknowledged: num.default(0),
      lost: num.default(0),
      lost_keys: z.array(z.string()).default([]),
      recovered: num.default(0),
      indeterminate_absent: num.default(0),
      unexpected: num.default(0),
      duplicates: num.default(0),
      failed_present: num.default(0),
      accounted: z.boolean().default(false),
    })
    .prefault({}),
  reads: z.looseObject(availability).prefault({}),
  id_gaps: z.array(z.looseObject({ after_id: num, before_id: num, size: num, cause: z.string() })).default([]),
  leader_changes: z.array(z.looseObject({ t_ms: num, from: z.string().nullable(), to: z.string().nullable() })).default([]),
  timelines: z.array(z.looseObject({ t_ms: num, timeline: num, node: z.string() })).default([]),
  split_brain: z.array(z.looseObject({ start_ms: num, end_ms: num, duration_ms: num, nodes: z.array(z.string()) })).default([]),
  split_brain_ms: num.default(0),
  outages: z.array(z.looseObject({ window: windowSchema })).default([]),
  faults: z.array(faultSchema).default([]),
  promotions: z.array(z.looseObject({ node: z.string(), t_ms: num, resolution_ms: num, log_ms: num.optional() })).default([]),
  log_events: z.array(z.looseObject({ t_ms: num, node: z.string(), component: z.string(), kind: z.string(), line: z.string() })).default([]),
  errors: z.array(z.looseObject({ op: z.enum(['write', 'read']), class: z.string(), count: num, example: z.string() })).default([]),
});

export const ResultsSchema = z.object({
  schema_version: z.literal(SCHEMA_VERSION),
  experiment: z.string(),
  description: z.string().default(''),
  verdict: z.enum(['pass', 'fail', 'error']).default('error'),
  error: z.string().optional(),
  driver: z.enum(['local', 'docker', 'hosts']).default('local'),
  started_at: z.string().default(''),
  t0_wall: z.iso.datetime().optional(),
  duration_ms: num.default(0),
  versions: z.looseObject({ postgres: z.string(), patroni: z.string(), etcd: z.string(), haproxy: z.string(), pgbouncer: z.string().optional() }).default({ postgres: '', patroni: '', etcd: '', haproxy: '' }),
  topology: z
    .object({
      etcd: z.array(z.string()).default([]),
      patroni: z.array(z.string()).default([]),
      haproxy: z.array(z.string()).default([]),
      pgbouncer: z.boolean().default(false),
      keepalived: z.boolean().default(false),
    })
    .prefault({}),
  config: z
    .looseObject({
      ttl: nan.default(Number.NaN),
      loop_wait: nan.default(Number.NaN),
      retry_timeout: nan.default(Number.NaN),
      maximum_lag_on_failover: nan.default(Number.NaN),
      failsafe_mode: z.boolean().default(false),
      synchronous_mode: z.boolean().default(false),
      haproxy: z.object({ inter_ms: nan.default(Number.NaN), fall: nan.default(Number.NaN), rise: nan.default(Number.NaN) }).prefault({}),
    })
    .prefault({}),
  events: z.array(z.looseObject({ type: z.literal('event'), t_ms: num, phase: z.enum(['begin', 'end', 'error']), action: z.string(), step: num })).default([]),
  members_before: z.array(z.looseObject({ name: z.string() })).default([]),
  members_after: z.array(z.looseObject({ name: z.string() })).default([]),
  analysis: analysisSchema.prefault({}),
  assertions: z.array(z.object({ name: z.string(), passed: z.boolean(), observed: z.string(), expected: z.string() })).default([]),
  files: z
    .object({ history: z.string().default('history.ndjson'), final_read: z.string().default('final-read.json'), meta: z.string().default('run.json') })
    .prefault({}),
});

/** Parts that default to empty when absent (a run that ended in error), named so a report can say so. */
const OPTIONAL_PARTS = ['analysis', 'members_before', 'members_after', 'events', 'verdict'] as const;

export class ResultsFileError extends Error {}

/**
 * Validates a parsed results.json. An old or foreign file is refused with a message that says what
 * it is and what to do, naming the file and the first wrong field.
 */
export function parseResults(raw: unknown, file: string): { results: Results; missing: string[] } {
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (!o || !('schema_version' in o) || !('experiment' in o)) {
    throw new ResultsFileError(`${file}: not a patroni-drill results.json (no schema_version or experiment field)`);
  }
  if (o.schema_version !== SCHEMA_VERSION) {
    const v = JSON.stringify(o.schema_version);
    const hint = typeof o.schema_version === 'number' && o.schema_version < SCHEMA_VERSION ? 'written by an older patroni-drill: run the drill again' : 'written by a newer patroni-drill: update this one';
    throw new ResultsFileError(`${file}: results schema_version ${v}, this patroni-drill reads ${SCHEMA_VERSION} (${hint})`);
  }
  const parsed = ResultsSchema.safeParse(o);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ResultsFileError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const missing = OPTIONAL_PARTS.filter((k) => !(k in o));
  return { results: parsed.data as unknown as Results, missing };
}

/** The one reader of results.json. */
export async function readResults(file: string): Promise<{ results: Results; missing: string[] }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ResultsFileError(`${file}: ${err instanceof SyntaxError ? `not JSON (${err.message})` : (err as Error).message}`);
  }
  return parseResults(raw, file);
}

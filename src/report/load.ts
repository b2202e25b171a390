import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Analysis, Availability, WriteAccounting } from '../analysis/types.js';
import { HISTORY_FILE, readHistory } from '../history/store.js';
import type { ClusterSettingsSnapshot, HistoryRecord, RunMeta } from '../history/types.js';
import type { Results } from '../results/types.js';

export const RESULTS_FILE = 'results.json';

/** A run folder as the report sees it: results always present (normalised), history when recorded. */
export interface LoadedRun {
  dir: string;
  results: Results;
  history: HistoryRecord[] | null;
  /** Parts of the run that were not recorded, e.g. 'history', 'analysis' (a run that ended in error). */
  missing: string[];
  /** Lines of history.ndjson that could not be parsed (a run killed mid-write leaves half a line). */
  skipped_lines: number;
}

type Loose = Record<string, unknown>;

function obj(v: unknown): Loose {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : {};
}

function arr<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function emptyAvailability(): Availability {
  return { windows: [], resolution_ms: 0, attempts: 0, ok: 0, failed: 0, indeterminate: 0, total_unavailable_ms: 0 };
}

function availability(v: unknown): Availability {
  const o = obj(v);
  return { ...emptyAvailability(), ...o, windows: arr(o.windows) } as Availability;
}

function writeAccounting(v: unknown): WriteAccounting {
  const o = obj(v);
  return {
    acknowledged: 0,
    lost: 0,
    recovered: 0,
    indeterminate_absent: 0,
    unexpected: 0,
    duplicates: 0,
    failed_present: 0,
    accounted: false,
    ...availability(o),
    ...o,
    windows: arr(o.windows),
    lost_keys: arr(o.lost_keys),
  } as WriteAccounting;
}

function analysis(v: unknown): Analysis {
  const o = obj(v);
  return {
    writes: writeAccounting(o.writes),
    reads: availability(o.reads),
    id_gaps: arr(o.id_gaps),
    leader_changes: arr(o.leader_changes),
    timelines: arr(o.timelines),
    split_brain: arr(o.split_brain),
    split_brain_ms: typeof o.split_brain_ms === 'number' ? o.split_brain_ms : 0,
    outages: arr(o.outages),
    predictions: arr(o.predictions),
    errors: arr(o.errors),
  };
}

const NO_CONFIG: ClusterSettingsSnapshot = {
  ttl: Number.NaN,
  loop_wait: Number.NaN,
  retry_timeout: Number.NaN,
  maximum_lag_on_failover: Number.NaN,
  failsafe_mode: false,
  synchronous_mode: false,
  haproxy: { inter_ms: Number.NaN, fall: Number.NaN, rise: Number.NaN },
};

/**
 * Fills every part a run that ended in error may lack, so templates and conclusions never meet
 * undefined; `missing` names what was absent so the report can say so instead of showing zeros as facts.
 */
export function normaliseResults(raw: unknown, fallbackName: string): { results: Results; missing: string[] } {
  const o = obj(raw);
  const missing: string[] = [];
  if (!('analysis' in o)) missing.push('analysis');
  if (!('members_before' in o)) missing.push('members_before');
  if (!('members_after' in o)) missing.push('members_after');
  if (!('events' in o)) missing.push('events');
  if (!('verdict' in o)) missing.push('verdict');
  const topology = obj(o.topology);
  const config = obj(o.config);
  const files = obj(o.files);
  const verdict = o.verdict === 'pass' || o.verdict === 'fail' ? o.verdict : 'error';
  const results: Results = {
    schema_version: 1,
    experiment: typeof o.experiment === 'string' ? o.experiment : fallbackName,
    description: typeof o.description === 'string' ? o.description : '',
    verdict,
    ...(typeof o.error === 'string' ? { error: o.error } : {}),
    driver: o.driver === 'docker' ? 'docker' : 'local',
    started_at: typeof o.started_at === 'string' ? o.started_at : '',
    duration_ms: typeof o.duration_ms === 'number' ? o.duration_ms : 0,
    versions: { postgres: '', patroni: '', etcd: '', haproxy: '', ...obj(o.versions) } as RunMeta['versions'],
    topology: {
      etcd: arr(topology.etcd),
      patroni: arr(topology.patroni),
      haproxy: arr(topology.haproxy),
      pgbouncer: topology.pgbouncer === true,
      keepalived: topology.keepalived === true,
    },
    config: { ...NO_CONFIG, ...config, haproxy: { ...NO_CONFIG.haproxy, ...obj(config.haproxy) } } as ClusterSettingsSnapshot,
    events: arr(o.events),
    members_before: arr(o.members_before),
    members_after: arr(o.members_after),
    analysis: analysis(o.analysis),
    assertions: arr(o.assertions),
    files: {
      history: typeof files.history === 'string' ? files.history : HISTORY_FILE,
      final_read: typeof files.final_read === 'string' ? files.final_read : 'final-read.json',
      meta: typeof files.meta === 'string' ? files.meta : 'run.json',
    },
  };
  return { results, missing };
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** history.ndjson, keeping every line that parses: a run killed mid-write must still render. */
async function readHistoryTolerant(file: string): Promise<{ history: HistoryRecord[]; skipped: number }> {
  try {
    return { history: await readHistory(file), skipped: 0 };
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  const history: HistoryRecord[] = [];
  let skipped = 0;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      history.push(JSON.parse(line) as HistoryRecord);
    } catch {
      skipped++;
    }
  }
  return { history, skipped };
}

export async function loadRun(dir: string): Promise<LoadedRun> {
  const raw: unknown = JSON.parse(await readFile(path.join(dir, RESULTS_FILE), 'utf8'));
  const { results, missing } = normaliseResults(raw, path.basename(dir));
  const historyFile = path.join(dir, results.files.history);
  let history: HistoryRecord[] | null = null;
  let skipped = 0;
  if (await exists(historyFile)) {
    ({ history, skipped } = await readHistoryTolerant(historyFile));
    if (skipped > 0) missing.push('history_truncated');
  } else {
    missing.push('history');
  }
  return { dir, results, history, missing, skipped_lines: skipped };
}

/** Only results.json: enough for the index, which must stay fast with many runs. */
export async function loadResults(dir: string): Promise<{ results: Results; missing: string[] }> {
  const raw: unknown = JSON.parse(await readFile(path.join(dir, RESULTS_FILE), 'utf8'));
  return normaliseResults(raw, path.basename(dir));
}

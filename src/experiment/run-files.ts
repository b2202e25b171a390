import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyse } from '../analysis/index.js';
import { FINAL_READ_FILE, HISTORY_FILE, META_FILE } from '../history/store.js';
import type { EventRecord, FinalRead, HistoryRecord, RecordedRun, RunMeta } from '../history/types.js';
import { RESULTS_FILE } from '../report/load.js';
import type { MemberRow, Results } from '../results/types.js';
import { evaluateAssertions, verdictOf } from './assertions.js';
import type { Experiment } from './load.js';

/**
 * Written as soon as the cluster is up and replaced by the real outcome at the end: a runner killed
 * with SIGKILL (or a machine that lost power) still leaves a results.json that says the run did not
 * finish, instead of nothing or a stale file.
 */
export const UNFINISHED = 'the run did not finish: the runner stopped (killed?) before it could heal, read the table and write its results';

export interface RunRecord {
  meta: RunMeta;
  history: HistoryRecord[];
  final: FinalRead | null;
  /** Node logs copied into the run folder, read back for analysis; absent before the run ends. */
  logs?: RecordedRun['logs'];
  membersBefore: MemberRow[];
  membersAfter: MemberRow[];
  error: string | undefined;
}

export function buildResults(exp: Experiment, r: RunRecord): Results {
  const run: RecordedRun = { meta: r.meta, history: r.history, final: r.final, ...(r.logs ? { logs: r.logs } : {}) };
  const analysis = analyse(run);
  const assertions = r.error ? [] : evaluateAssertions(exp, run, analysis);
  return {
    schema_version: 2,
    experiment: exp.name,
    description: exp.description,
    verdict: verdictOf(assertions, r.error),
    ...(r.error ? { error: r.error } : {}),
    driver: r.meta.driver,
    started_at: r.meta.started_at,
    ...(r.meta.t0_wall ? { t0_wall: r.meta.t0_wall } : {}),
    duration_ms: r.meta.ended_ms,
    versions: r.meta.versions,
    topology: r.meta.topology,
    config: r.meta.config,
    events: r.history.filter((x): x is EventRecord => x.type === 'event'),
    members_before: r.membersBefore,
    members_after: r.membersAfter,
    analysis,
    assertions,
    files: { history: HISTORY_FILE, final_read: FINAL_READ_FILE, meta: META_FILE },
  };
}

/** run.json, final-read.json and results.json; results.json last, so it never describes files that are missing. */
export async function writeRunFiles(outDir: string, r: RunRecord, results: Results): Promise<void> {
  await writeFile(path.join(outDir, META_FILE), JSON.stringify(r.meta, null, 2));
  if (r.final) await writeFile(path.join(outDir, FINAL_READ_FILE), JSON.stringify(r.final));
  await writeFile(path.join(outDir, RESULTS_FILE), JSON.stringify(results, null, 2));
}

export async function writeUnfinished(outDir: string, exp: Experiment, r: Omit<RunRecord, 'error' | 'final' | 'membersAfter'>): Promise<void> {
  const rec: RunRecord = { ...r, final: null, membersAfter: [], error: UNFINISHED };
  await writeFile(path.join(outDir, RESULTS_FILE), JSON.stringify(buildResults(exp, rec), null, 2));
}

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HISTORY_FILE, readHistory } from '../history/store.js';
import type { HistoryRecord, RunMeta } from '../history/types.js';
import { analyse } from '../analysis/index.js';
import { parseResults, readResults, RESULTS_FILE } from '../results/schema.js';
import type { Results } from '../results/types.js';

export { RESULTS_FILE };

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

/**
 * Validates results.json (src/results/schema.ts) and fills every part a run that ended in error may
 * lack, so templates and conclusions never meet undefined; `missing` names what was absent.
 */
export function normaliseResults(raw: unknown, fallbackName: string): { results: Results; missing: string[] } {
  return parseResults(raw, `${fallbackName}/${RESULTS_FILE}`);
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
  const { results, missing } = await readResults(path.join(dir, RESULTS_FILE));
  const fill = (history: HistoryRecord[] | null) => {
    // A run that ended before its analysis: its faults are still what the fault model makes of the recorded events.
    if (missing.includes('analysis') && history) {
      const recorded = [...history.filter((r) => r.type !== 'event'), ...results.events];
      results.analysis.faults = analyse({ meta: metaOf(results), history: recorded, final: null }).faults;
    }
  };
  const historyFile = path.join(dir, results.files.history);
  let history: HistoryRecord[] | null = null;
  let skipped = 0;
  if (await exists(historyFile)) {
    ({ history, skipped } = await readHistoryTolerant(historyFile));
    if (skipped > 0) missing.push('history_truncated');
  } else {
    missing.push('history');
  }
  fill(history);
  return { dir, results, history, missing, skipped_lines: skipped };
}

/** Only results.json: enough for the index, which must stay fast with many runs. */
export function loadResults(dir: string): Promise<{ results: Results; missing: string[] }> {
  return readResults(path.join(dir, RESULTS_FILE));
}

/** The run as analysis describes it, rebuilt from results.json. */
function metaOf(r: Results): RunMeta {
  return {
    experiment: r.experiment,
    description: r.description,
    driver: r.driver,
    started_at: r.started_at,
    ...(r.t0_wall ? { t0_wall: r.t0_wall } : {}),
    ended_ms: r.duration_ms,
    load_interval_ms: 0,
    versions: r.versions,
    topology: r.topology,
    config: r.config,
  };
}

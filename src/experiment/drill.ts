import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClusterDriver } from '../cluster/types.js';
import { renderRunReport, type Lang } from '../report/index.js';
import { renderRepeatSummary } from '../report/repeat.js';
import type { Results } from '../results/types.js';
import type { Experiment } from './load.js';
import { repeatRun, summariseRepeats, SUMMARY_FILE, type RepeatSummary } from './repeat.js';
import type { ReportQueue } from './report-queue.js';
import type { ClusterSource } from './reuse.js';
import { runExperiment } from './runner.js';

export interface DrillOptions {
  driver: ClusterDriver;
  outDir: string;
  repeat: number;
  lang: Lang;
  signal: AbortSignal;
  keep?: boolean;
  /** Shares one cluster between runs; absent, every run has a fresh one. */
  cluster?: ClusterSource;
  progress: (message: string) => void;
  /** Renders each run's report in the background; absent, each is rendered as soon as its run ends. */
  reports?: ReportQueue;
}

export interface DrillOutcome {
  results: Results[];
  /** Only for a repeated drill: outDir holds one folder per run and summary.json. */
  summary: RepeatSummary | null;
}

const runFolder = (i: number, n: number) => `run-${String(i + 1).padStart(String(n).length, '0')}`;

/**
 * One drill, run once into outDir, or `repeat` times into outDir/run-NN with the distribution in
 * outDir/summary.json; every run's report is rendered as soon as it ends, or queued.
 */
export async function runDrill(exp: Experiment, opts: DrillOptions): Promise<DrillOutcome> {
  const { repeat, outDir } = opts;
  const started = performance.now();
  const results: Results[] = [];
  for (let i = 0; i < repeat; i++) {
    opts.signal.throwIfAborted();
    const folder = repeat > 1 ? runFolder(i, repeat) : '';
    const dir = path.join(outDir, folder);
    const say = repeat > 1 ? (m: string) => opts.progress(`[${i + 1}/${repeat}] ${m}`) : opts.progress;
    const r = await runExperiment(exp, { driver: opts.driver, outDir: dir, signal: opts.signal, keep: opts.keep && i === repeat - 1, cluster: opts.cluster, progress: say });
    if (opts.reports) opts.reports.add(dir);
    else {
      say('rendering the report');
      await renderRunReport(dir, { lang: opts.lang });
    }
    results.push(r);
  }
  if (repeat === 1) return { results, summary: null };
  const runs = results.map((r, i) => repeatRun(runFolder(i, repeat), r));
  const summary = summariseRepeats(exp.name, runs, performance.now() - started);
  await writeFile(path.join(outDir, SUMMARY_FILE), JSON.stringify(summary, null, 2));
  await renderRepeatSummary(outDir, summary, opts.lang);
  return { results, summary };
}

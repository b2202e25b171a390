import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createDriver, type DriverName } from '../cluster/index.js';
import { toJUnitXml } from '../experiment/junit.js';
import { listExperiments, loadExperiment } from '../experiment/load.js';
import { defaultOutDir, REPORTS_DIR } from '../experiment/output.js';
import { runDrill } from '../experiment/drill.js';
import { ReportQueue } from '../experiment/report-queue.js';
import { ClusterPool } from '../experiment/reuse.js';
import { wallRatio, type RepeatSummary } from '../experiment/repeat.js';
import { renderIndex } from '../report/index.js';
import type { Results } from '../results/types.js';
import { leftoverHint, main, positiveInt, runCli } from './run.js';

const program = new Command('suite')
  .description('Run every experiment (or the named ones) one after another, sharing a cluster between drills of the same settings, then index the reports.')
  .argument('[experiments...]', 'names in experiments/ (default: all of them)')
  .addOption(new Option('--profile <name>', 'only experiments of this cluster profile').choices(['course', 'production']))
  .addOption(new Option('--driver <name>', 'cluster driver').choices(['local', 'docker']).default('local'))
  .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'ru']).default('en'))
  .option('--junit <file>', 'write every run\'s assertions as one JUnit XML file')
  .option('--repeat <n>', 'run each drill n times and report each one\'s distribution', positiveInt, 1)
  .option('--fresh', 'a fresh cluster for every run instead of one restored to its baseline between drills of the same settings')
  .action(async (names: string[], opts: { profile?: string; driver: DriverName; lang: 'en' | 'ru'; junit?: string; repeat: number; fresh?: boolean }) => {
    // Every file is validated before the first cluster starts, and against what the driver can
    // inject: a drill named on the command line that the driver cannot run is an error; of all of
    // them, those are left out, and said so.
    const all = names.length
      ? await Promise.all(names.map((n) => loadExperiment(n, { driver: opts.driver })))
      : (
          await Promise.all(
            (await listExperiments()).map(async (n) => {
              await loadExperiment(n);
              return loadExperiment(n, { driver: opts.driver }).catch((err: Error) => {
                console.error(`skipped: ${err.message}`);
                return null;
              });
            }),
          )
        ).filter((e) => e !== null);
    const chosen = all.filter((e) => !opts.profile || e.profile === opts.profile);
    const driver = await createDriver(opts.driver);
    const done: Results[] = [];
    const summaries: RepeatSummary[] = [];
    const t0 = performance.now();
    const startedAt = new Date();
    const loadBefore = loadavg();
    const say = (m: string) => console.error(`    ${m}`);
    const pool = opts.fresh ? undefined : new ClusterPool(driver, say, REPORTS_DIR);
    // Drills of the same profile and settings next to each other share a cluster (the sort is stable).
    const settingsKey = (e: (typeof chosen)[number]) => `${e.profile} ${JSON.stringify(e.cluster)}`;
    chosen.sort((a, b) => settingsKey(a).localeCompare(settingsKey(b)));
    // A run's own duration is results.json's duration_ms: from t = 0 (load and observers start, the
    // cluster handed over) to the end of recording. Everything else is the suite's overhead: `up`,
    // restores, final reads, analysis, reports and the index. Rewritten after every drill, so an
    // interrupted suite still says what its finished drills cost.
    const record = path.join(REPORTS_DIR, `${path.basename(defaultOutDir('suite', startedAt))}.json`);
    const writeRecord = async () => {
      const drills = done.reduce((sum, r) => sum + r.duration_ms, 0);
      const wall = performance.now() - t0;
      const ratio = wallRatio(wall, drills);
      await mkdir(REPORTS_DIR, { recursive: true });
      const body = {
        started_at: startedAt.toISOString(),
        repeat: opts.repeat,
        fresh: Boolean(opts.fresh),
        finished: done.length === chosen.length * opts.repeat,
        wall_ms: Math.round(wall),
        drill_ms: Math.round(drills),
        wall_ratio: ratio,
        load_average: { start: loadBefore, now: loadavg() },
        drills: summaries.map((x) => ({ experiment: x.experiment, verdicts: x.verdicts, flaky: x.flaky, drill_ms: Math.round(x.drill_ms), wall_ms: x.wall_ms && Math.round(x.wall_ms) })),
        runs: done.map((r) => ({ experiment: r.experiment, verdict: r.verdict, duration_ms: Math.round(r.duration_ms) })),
      };
      await writeFile(record, JSON.stringify(body, null, 2));
      return { wall, drills, ratio };
    };
    let reports: ReportQueue | null = null;
    await runCli(async (signal) => {
      reports = new ReportQueue(opts.lang, signal);
      try {
        for (const [i, exp] of chosen.entries()) {
          signal.throwIfAborted();
          const outDir = defaultOutDir(opts.repeat > 1 ? `${exp.name}-x${opts.repeat}` : exp.name);
          console.error(`[${i + 1}/${chosen.length}] ${exp.name}`);
          const { results, summary } = await runDrill(exp, { driver, outDir, repeat: opts.repeat, signal, lang: opts.lang, cluster: pool, progress: say, reports: reports! });
          done.push(...results);
          if (summary) summaries.push(summary);
          console.error(`    ${results.map((r) => r.verdict.toUpperCase()).join(' ')}`);
          await writeRecord();
        }
      } finally {
        await pool?.close();
        // The last reports are still rendering in the background: the index links to them.
        for (const f of await reports!.done()) console.error(f);
      }
    }, { leftovers: leftoverHint(opts.driver) });
    await renderIndex(REPORTS_DIR, { lang: opts.lang });
    if (opts.junit) await writeFile(opts.junit, toJUnitXml(done));
    const width = Math.max(...done.map((r) => r.experiment.length), 10);
    console.log(`${'experiment'.padEnd(width)}  verdict  write outage  lost`);
    for (const r of done) {
      const longest = Math.max(0, ...r.analysis.writes.windows.map((w) => w.duration_ms));
      console.log(`${r.experiment.padEnd(width)}  ${r.verdict.padEnd(7)}  ${(longest / 1000).toFixed(2).padStart(10)} s  ${r.analysis.writes.lost}`);
    }
    for (const s of summaries.filter((x) => x.flaky)) console.log(`FLAKY ${s.experiment}: ${s.verdicts.pass} pass, ${s.verdicts.fail} fail, ${s.verdicts.error} error`);
    const { wall, drills, ratio } = await writeRecord();
    const load = [loadBefore, loadavg()].map((l) => l.map((x) => x.toFixed(1)).join(' '));
    console.log(`wall ${(wall / 1000).toFixed(0)} s for ${done.length} runs whose own durations add up to ${(drills / 1000).toFixed(0)} s: ratio ${ratio?.toFixed(3) ?? 'n/a'} (load average ${load[0]} at the start, ${load[1]} at the end)`);
    console.log(`suite record: ${path.relative(process.cwd(), record)}`);
    console.log(`index: ${path.relative(process.cwd(), path.join(REPORTS_DIR, 'index.md'))}`);
    // An interrupted suite keeps its signal's status (130/143).
    if (done.length < chosen.length || done.some((r) => r.verdict !== 'pass')) process.exitCode ||= 1;
  });

await main(() => program.parseAsync());

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createDriver, type DriverName } from '../cluster/index.js';
import { toJUnitXml } from '../experiment/junit.js';
import { listExperiments, loadExperiment } from '../experiment/load.js';
import { defaultOutDir, REPORTS_DIR } from '../experiment/output.js';
import { runDrill } from '../experiment/drill.js';
import { ClusterPool } from '../experiment/reuse.js';
import type { RepeatSummary } from '../experiment/repeat.js';
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
    // Every file is validated before the first cluster starts.
    const all = await Promise.all((names.length ? names : await listExperiments()).map((n) => loadExperiment(n)));
    const chosen = all.filter((e) => !opts.profile || e.profile === opts.profile);
    const driver = await createDriver(opts.driver);
    const done: Results[] = [];
    const summaries: RepeatSummary[] = [];
    const t0 = performance.now();
    const say = (m: string) => console.error(`    ${m}`);
    const pool = opts.fresh ? undefined : new ClusterPool(driver, say);
    // Drills of the same profile and settings next to each other share a cluster (the sort is stable).
    const settingsKey = (e: (typeof chosen)[number]) => `${e.profile} ${JSON.stringify(e.cluster)}`;
    chosen.sort((a, b) => settingsKey(a).localeCompare(settingsKey(b)));
    await runCli(async (signal) => {
      try {
        for (const [i, exp] of chosen.entries()) {
          signal.throwIfAborted();
          const outDir = defaultOutDir(opts.repeat > 1 ? `${exp.name}-x${opts.repeat}` : exp.name);
          console.error(`[${i + 1}/${chosen.length}] ${exp.name}`);
          const { results, summary } = await runDrill(exp, { driver, outDir, repeat: opts.repeat, signal, lang: opts.lang, cluster: pool, progress: say });
          done.push(...results);
          if (summary) summaries.push(summary);
          console.error(`    ${results.map((r) => r.verdict.toUpperCase()).join(' ')}`);
        }
      } finally {
        await pool?.close();
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
    const drills = done.reduce((sum, r) => sum + r.duration_ms, 0);
    console.log(`wall ${((performance.now() - t0) / 1000).toFixed(0)} s for ${done.length} runs whose own durations add up to ${(drills / 1000).toFixed(0)} s`);
    console.log(`index: ${path.relative(process.cwd(), path.join(REPORTS_DIR, 'index.md'))}`);
    // An interrupted suite keeps its signal's status (130/143).
    if (done.length < chosen.length || done.some((r) => r.verdict !== 'pass')) process.exitCode ||= 1;
  });

await main(() => program.parseAsync());

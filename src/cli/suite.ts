import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createDriver, type DriverName } from '../cluster/index.js';
import { toJUnitXml } from '../experiment/junit.js';
import { listExperiments, loadExperiment } from '../experiment/load.js';
import { defaultOutDir, REPORTS_DIR } from '../experiment/output.js';
import { runExperiment } from '../experiment/runner.js';
import { renderIndex, renderRunReport } from '../report/index.js';
import type { Results } from '../results/types.js';
import { leftoverHint, main, runCli } from './run.js';

const program = new Command('suite')
  .description('Run every experiment (or the named ones) one after another, each on a fresh cluster, then index the reports.')
  .argument('[experiments...]', 'names in experiments/ (default: all of them)')
  .addOption(new Option('--profile <name>', 'only experiments of this cluster profile').choices(['course', 'production']))
  .addOption(new Option('--driver <name>', 'cluster driver').choices(['local', 'docker']).default('local'))
  .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'ru']).default('en'))
  .option('--junit <file>', 'write every run\'s assertions as one JUnit XML file')
  .action(async (names: string[], opts: { profile?: string; driver: DriverName; lang: 'en' | 'ru'; junit?: string }) => {
    // Every file is validated before the first cluster starts.
    const all = await Promise.all((names.length ? names : await listExperiments()).map((n) => loadExperiment(n)));
    const chosen = all.filter((e) => !opts.profile || e.profile === opts.profile);
    const driver = await createDriver(opts.driver);
    const done: Results[] = [];
    await runCli(async (signal) => {
      for (const [i, exp] of chosen.entries()) {
        signal.throwIfAborted();
        const outDir = defaultOutDir(exp.name);
        console.error(`[${i + 1}/${chosen.length}] ${exp.name}`);
        const results = await runExperiment(exp, { driver, outDir, signal, progress: (m) => console.error(`    ${m}`) });
        await renderRunReport(outDir, { lang: opts.lang });
        done.push(results);
        console.error(`    ${results.verdict.toUpperCase()}`);
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
    console.log(`index: ${path.relative(process.cwd(), path.join(REPORTS_DIR, 'index.md'))}`);
    // An interrupted suite keeps its signal's status (130/143).
    if (done.length < chosen.length || done.some((r) => r.verdict !== 'pass')) process.exitCode ||= 1;
  });

await main(() => program.parseAsync());

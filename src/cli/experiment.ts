import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { createDriver, type DriverName } from '../cluster/index.js';
import { toJUnitXml } from '../experiment/junit.js';
import { loadExperiment } from '../experiment/load.js';
import { defaultOutDir } from '../experiment/output.js';
import { runExperiment } from '../experiment/runner.js';
import { formatSummary } from '../experiment/summary.js';
import { renderRunReport } from '../report/index.js';
import { ERROR_EXIT, leftoverHint, main, runCli } from './run.js';

const program = new Command('experiment')
  .description('Run one failover drill on a fresh cluster, measure it, assert it and report it.')
  .argument('<experiment>', 'a name in experiments/ (e.g. etcd-quorum-loss) or a path to a YAML file')
  .option('--out <dir>', 'where results.json, the history and the report go (default reports/<timestamp>-<name>)')
  .option('--junit <file>', 'also write the assertions as JUnit XML')
  .addOption(new Option('--driver <name>', 'cluster driver').choices(['local', 'docker']).default('local'))
  .option('--compose <file>', "drive this Docker Compose project (your own) instead of the drill's docker-compose.yml; implies --driver docker")
  .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'ru']).default('en'))
  .option('--keep', 'leave the (healed) cluster running afterwards')
  .option('--patroni <build>', "the Patroni build to run (local driver): a version installed by `npm run setup -- --patroni <version>`, or a patroni executable's path; overrides the file's cluster.patroni")
  .action(async (name: string, opts: { out?: string; junit?: string; driver: DriverName; compose?: string; lang: 'en' | 'ru'; keep?: boolean; patroni?: string }) => {
    // Validated before anything starts: a bad file leaves nothing half-started.
    const loaded = await loadExperiment(name);
    const exp = opts.patroni ? { ...loaded, cluster: { ...loaded.cluster, patroni: opts.patroni } } : loaded;
    const driver = await createDriver(opts.compose ? 'docker' : opts.driver, { compose: opts.compose });
    const outDir = path.resolve(opts.out ?? defaultOutDir(exp.name));
    const t0 = performance.now();
    const log = (m: string) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
    await runCli(async (signal) => {
      const results = await runExperiment(exp, { driver, outDir, signal, keep: opts.keep, progress: log });
      log('rendering the report');
      await renderRunReport(outDir, { lang: opts.lang });
      if (opts.junit) await writeFile(opts.junit, toJUnitXml(results));
      console.log(formatSummary(results, path.relative(process.cwd(), outDir) || '.'));
      console.log(`report:  ${path.relative(process.cwd(), path.join(outDir, 'report.md'))}`);
      if (results.verdict !== 'pass') process.exitCode = results.verdict === 'fail' ? 1 : ERROR_EXIT;
    }, { leftovers: leftoverHint(opts.compose ? 'docker' : opts.driver, opts.compose) });
  });

await main(() => program.parseAsync());

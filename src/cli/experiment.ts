import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { HostsDriver } from '../cluster/hosts/driver.js';
import { formatDiscovery } from '../cluster/hosts/discover.js';
import { confirm, drillSeconds, faultPlan, housekeepingPlan } from '../cluster/hosts/plan.js';
import { createDriver, type DriverName } from '../cluster/index.js';
import { toJUnitXml } from '../experiment/junit.js';
import { loadExperiment } from '../experiment/load.js';
import { defaultOutDir } from '../experiment/output.js';
import { runExperiment } from '../experiment/runner.js';
import { formatSummary } from '../experiment/summary.js';
import { renderRunReport } from '../report/index.js';
import { main, runCli } from './run.js';

const program = new Command('experiment')
  .description('Run one failover drill on a fresh cluster, measure it, assert it and report it.')
  .argument('<experiment>', 'a name in experiments/ (e.g. etcd-quorum-loss) or a path to a YAML file')
  .option('--out <dir>', 'where results.json, the history and the report go (default reports/<timestamp>-<name>)')
  .option('--junit <file>', 'also write the assertions as JUnit XML')
  .addOption(new Option('--driver <name>', 'cluster driver').choices(['local', 'docker']).default('local'))
  .option('--compose <file>', "drive this Docker Compose project (your own) instead of the drill's docker-compose.yml; implies --driver docker")
  .option('--hosts <inventory>', 'run on a cluster that already runs on hosts reached over SSH (systemd services), described by this inventory')
  .option('--dry-run', 'with --hosts: discover the cluster (read-only), print every command for every host, touch nothing')
  .option('--yes', 'with --hosts: do not ask for confirmation before the first fault')
  .addOption(new Option('--lang <lang>', 'report language').choices(['en', 'ru']).default('en'))
  .option('--keep', 'leave the (healed) cluster running afterwards')
  .action(async (name: string, opts: { out?: string; junit?: string; driver: DriverName; compose?: string; hosts?: string; dryRun?: boolean; yes?: boolean; lang: 'en' | 'ru'; keep?: boolean }) => {
    // Validated before anything starts: a bad file leaves nothing half-started.
    const exp = await loadExperiment(name);
    if ((opts.dryRun || opts.yes) && !opts.hosts) throw new Error('--dry-run and --yes go with --hosts');
    const driver = await createDriver(opts.hosts ? 'hosts' : opts.compose ? 'docker' : opts.driver, {
      compose: opts.compose,
      hosts: opts.hosts,
      deadmanSeconds: drillSeconds(exp),
    });
    if (driver instanceof HostsDriver) {
      // Someone's real machines: show what was found and what will be done before touching anything.
      try {
        const access = await driver.attach();
        console.error(formatDiscovery(driver.discovery));
        console.error((await faultPlan(exp, driver, access)).join('\n'));
        if (opts.dryRun) {
          console.error(housekeepingPlan(driver).join('\n'));
          console.log('dry run: nothing was changed on any host');
          return;
        }
        if (!opts.yes && !(await confirm(`Run ${exp.name} on these hosts?`))) {
          console.log('not confirmed (pass --yes to run without a terminal): nothing was changed');
          return;
        }
      } finally {
        driver.close();
      }
    }
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
      if (results.verdict !== 'pass') process.exitCode = results.verdict === 'fail' ? 1 : 2;
    });
  });

await main(() => program.parseAsync());

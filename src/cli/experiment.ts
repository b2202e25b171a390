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
import { runDrill } from '../experiment/drill.js';
import { ReportQueue } from '../experiment/report-queue.js';
import { ClusterPool } from '../experiment/reuse.js';
import { formatRepeatSummary, formatSummary } from '../experiment/summary.js';
import { exitCodeOf, leftoverHint, main, positiveInt, runCli } from './run.js';

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
  .option('--patroni <build>', "the Patroni build to run (local driver): a version installed by `npm run setup -- --patroni <version>`, or a patroni executable's path; overrides the file's cluster.patroni")
  .option('--repeat <n>', 'run the drill n times and report the distribution (one folder per run under --out)', positiveInt, 1)
  .option('--fresh', 'with --repeat: a fresh cluster for every run instead of one restored to its baseline between runs')
  .action(async (name: string, opts: { out?: string; junit?: string; driver: DriverName; compose?: string; hosts?: string; dryRun?: boolean; yes?: boolean; lang: 'en' | 'ru'; keep?: boolean; patroni?: string; repeat: number; fresh?: boolean }) => {
    // Validated before anything starts: a bad file leaves nothing half-started.
    const driverName: DriverName = opts.hosts ? 'hosts' : opts.compose ? 'docker' : opts.driver;
    const loaded = await loadExperiment(name, { driver: driverName });
    const exp = opts.patroni ? { ...loaded, cluster: { ...loaded.cluster, patroni: opts.patroni } } : loaded;
    if ((opts.dryRun || opts.yes) && !opts.hosts) throw new Error('--dry-run and --yes go with --hosts');
    const driver = await createDriver(driverName, {
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
    const outDir = path.resolve(opts.out ?? defaultOutDir(opts.repeat > 1 ? `${exp.name}-x${opts.repeat}` : exp.name));
    const t0 = performance.now();
    const log = (m: string) => console.error(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
    const pool = opts.repeat > 1 && !opts.fresh ? new ClusterPool(driver, log, outDir) : undefined;
    await runCli(async (signal) => {
      // Repeats render their reports in the background while the next run goes on.
      const reports = opts.repeat > 1 ? new ReportQueue(opts.lang, signal) : undefined;
      const { results, summary } = await runDrill(exp, { driver, outDir, repeat: opts.repeat, signal, keep: opts.keep, lang: opts.lang, cluster: pool, progress: log, reports }).finally(async () => {
        if (!opts.keep) await pool?.close();
        for (const f of (await reports?.done()) ?? []) console.error(f);
      });
      if (opts.junit) await writeFile(opts.junit, toJUnitXml(results));
      const shown = path.relative(process.cwd(), outDir) || '.';
      if (summary) {
        console.log(formatRepeatSummary(summary, shown));
        console.log(`report:  ${path.join(shown, 'summary.md')}`);
      } else {
        console.log(formatSummary(results[0]!, shown));
        console.log(`report:  ${path.join(shown, 'report.md')}`);
      }
      process.exitCode = exitCodeOf(results);
    }, { leftovers: leftoverHint(driverName, opts.compose ?? opts.hosts) });
  });

await main(() => program.parseAsync());

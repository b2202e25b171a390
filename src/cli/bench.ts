import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { execa } from 'execa';
import { benchAccuracy } from '../bench/accuracy.js';
import { benchCluster } from '../bench/cluster.js';
import { main } from './run.js';

const program = new Command('bench').description('Measure speed and memory (figures for the closing note, not pass/fail tests).');

program
  .command('cluster')
  .description('cold start to a healthy cluster, teardown, and idle memory (root)')
  .option('--runs <n>', 'how many cold starts', (v) => Number(v), 3)
  .addOption(new Option('--profile <name>').choices(['course', 'production']).default('course'))
  .action((opts: { runs: number; profile: string }) => benchCluster(opts.runs, opts.profile));

program
  .command('accuracy')
  .description('runs drills (root) and prints each write window vs the server-side commit gap, promotion vs PostgreSQL log, observed vs predicted [lo, hi]')
  .argument('[experiments...]', 'drills to run', ['leader-stop', 'leader-crash', 'etcd-quorum-loss', 'haproxy-stop'])
  .option('--from <dirs...>', 're-analyse recorded run folders instead of running drills')
  .option('--out <dir>', 'where the runs go', 'reports/accuracy')
  .option('--writers <n>', 'staggered writers', (v) => Number(v), 4)
  .option('--rate <n>', 'writes per second per writer', (v) => Number(v), 20)
  .action((names: string[], opts: { from?: string[]; out: string; writers: number; rate: number }) => benchAccuracy(names, opts));

// Each of these runs in a process of its own, so its peak RSS is its own.
const scripts: Record<string, string> = {
  analysis: 'analyse() on a 120-s run at 1,000 operations per second',
  report: 'rendering the report of a 120-s run at 1,000 operations per second, and its size',
  load: 'writers and readers at full speed against a throwaway PostgreSQL (root)',
};
for (const [name, description] of Object.entries(scripts)) {
  program
    .command(name)
    .description(description)
    .action(async () => {
      const script = fileURLToPath(new URL(`../bench/${name}.ts`, import.meta.url));
      await execa(process.execPath, [...process.execArgv, script], { stdio: 'inherit' });
    });
}

await main(() => program.parseAsync());

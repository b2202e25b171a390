import { Command, Option } from 'commander';
import { benchCluster } from '../bench/cluster.js';
import { main } from './run.js';

const program = new Command('bench').description('Measure speed and memory (figures for the closing note, not pass/fail tests).');

program
  .command('cluster')
  .description('cold start to a healthy cluster, teardown, and idle memory')
  .option('--runs <n>', 'how many cold starts', (v) => Number(v), 3)
  .addOption(new Option('--profile <name>').choices(['course', 'production']).default('course'))
  .action((opts: { runs: number; profile: string }) => benchCluster(opts.runs, opts.profile));

await main(() => program.parseAsync());

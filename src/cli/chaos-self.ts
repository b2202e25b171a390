/**
 * npm run chaos-self -- --cases N: the runner's own chaos test. Each case runs a short drill on the
 * local lab and kills or interrupts the runner at a planned point (during up, warm-up, with a fault
 * injected, during the final read, during teardown; SIGINT, SIGTERM, SIGKILL, three SIGINTs, or a
 * full output filesystem), then runs `down` and checks: nothing of the lab is left, a run that got
 * past `up` left a results.json with verdict error and the reason, no acknowledged write of a run
 * with a final read is missing from its record.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { LAB } from '../cluster/local/lab.js';
import { caseLine, chaosContext, prepareWorkDir, runCase, summarise, type CaseResult } from '../chaos-self/run.js';
import { parseKinds, planCases } from '../chaos-self/plan.js';
import { main } from './run.js';

const program = new Command('chaos-self')
  .description("Kill and interrupt the runner at random points of real drills and check it leaves nothing behind and records what it must.")
  .option('--cases <n>', 'how many cases', (v) => Number.parseInt(v, 10), 30)
  .option('--seed <n>', 'seed of the plan (the same seed gives the same cases)', (v) => Number.parseInt(v, 10))
  .option('--max-minutes <n>', 'start no case after this many minutes', (v) => Number(v), 50)
  .option('--kinds <list>', 'only these kinds, e.g. SIGKILL@up,disk-full@warmup (default: every attack at every point)')
  .action(async (opts: { cases: number; seed?: number; maxMinutes: number; kinds?: string }) => {
    if (process.getuid?.() !== 0) throw new Error('chaos-self drives the local driver: it needs root');
    if (!Number.isInteger(opts.cases) || opts.cases < 1) throw new Error('--cases must be a whole number >= 1');
    const seed = opts.seed ?? Date.now() % 1_000_000;
    const workDir = `/tmp/pdrill-chaos-${LAB.number}`;
    const ctx = await chaosContext(workDir, (l) => console.log(l));
    const lab = ctx.lab;
    // Ctrl-C of chaos-self: the current drill is interrupted the same way (it heals), no other starts.
    process.on('SIGINT', () => {
      ctx.stopping.value = true;
      ctx.stopping.child?.('SIGINT');
    });
    const drill = await prepareWorkDir(workDir);
    const plan = planCases(opts.cases, seed, opts.kinds ? parseKinds(opts.kinds) : undefined);
    const deadline = Date.now() + opts.maxMinutes * 60_000;
    console.log(`chaos-self: lab ${LAB.number} (${lab.prefix}*, ${lab.net}0/24, cgroup ${lab.cgroup}), ${plan.length} case(s), seed ${seed}, work folder ${workDir}`);
    const done: CaseResult[] = [];
    for (const c of plan) {
      if (ctx.stopping.value || Date.now() > deadline) {
        console.log(`stopping before case ${c.index}: ${ctx.stopping.value ? 'interrupted' : `--max-minutes ${opts.maxMinutes} reached`}`);
        break;
      }
      const r = await runCase(c, drill, ctx);
      done.push(r);
      console.log(caseLine(r));
    }
    console.log('');
    console.log(summarise(done));
    const allOk = done.length === plan.length && done.every((r) => r.ok);
    if (allOk) await rm(workDir, { recursive: true, force: true });
    else console.log(`(re-run the same cases with --seed ${seed}; failing cases' folders and runner output are kept in ${path.join(workDir, 'case-NN*')})`);
    process.exitCode = ctx.stopping.value ? 130 : allOk ? 0 : 1;
  });

await main(() => program.parseAsync());

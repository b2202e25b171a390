import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { analyse } from '../analysis/index.js';
import { cgroupPath } from '../cluster/local/cgroup.js';
import { LAB } from '../cluster/local/lab.js';
import { FINAL_READ_FILE } from '../history/store.js';
import { readRecordedRun } from '../history/store.js';
import { PROJECT_ROOT } from '../experiment/load.js';
import { RESULTS_FILE } from '../report/load.js';
import { judge, type CaseObservation, type Check } from './judge.js';
import { findLeftovers, snapshot, type LabNames } from './leftovers.js';
import { KILL_POINTS, PAST_UP_MARKER, POINT_MARKERS, type KillPoint, type PlannedCase } from './plan.js';

/**
 * The drill every case runs: short (a leader pause below ttl, so no failover and no waiting for
 * one), with load, so each kill point lasts long enough to be hit and the final read has writes to
 * check. Written to the work folder: it is no experiment of the suite's.
 */
export const DRILL_NAME = 'chaos-self-drill';
const DRILL_YAML = `name: ${DRILL_NAME}
description: The runner's own chaos test (npm run chaos-self) - a short leader pause under load.
load:
  warmup: 3s
  cooldown: 1s
steps:
  - at: 3s
    inject: pause
    target: leader
    id: f1
  - after: 6s
    heal: f1
  - wait: healthy
    timeout: 60s
assertions:
  - lost_writes: 0
  - unexpected_rows: 0
`;

const CASE_TIMEOUT_MS = 300_000;
const DOWN_TIMEOUT_MS = 120_000;
/** Room for the drill's first records; the rest is filled at the chosen moment. */
const FULL_FS_SIZE = '16m';

export interface ChaosContext {
  workDir: string;
  lab: LabNames;
  labCgroup: string;
  log: (line: string) => void;
  /** Set when chaos-self itself is interrupted: the current case is stopped and no other starts. */
  stopping: { value: boolean; child?: (sig: NodeJS.Signals) => void };
}

export interface CaseResult {
  observation: CaseObservation;
  checks: Check[];
  ok: boolean;
  seconds: number;
}

/** The context of a chaos run on this process's lab (PATRONI_DRILL_LAB). */
export async function chaosContext(workDir: string, log: (line: string) => void): Promise<ChaosContext> {
  const lab = { prefix: LAB.prefix, net: LAB.address(0).slice(0, -1), cgroup: LAB.cgroup, base: LAB.base };
  return { workDir, lab, labCgroup: await cgroupPath(''), log, stopping: { value: false } };
}

const tsxCli = (cli: string, args: string[]) => [process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', cli), ...args]] as const;

async function readResults(dir: string): Promise<CaseObservation['results']> {
  const text = await readFile(path.join(dir, RESULTS_FILE), 'utf8').catch(() => null);
  if (text === null) return 'missing';
  try {
    const r = JSON.parse(text) as { verdict: string; error?: string };
    return { verdict: r.verdict, ...(r.error ? { error: r.error } : {}) };
  } catch {
    return 'invalid';
  }
}

/** For a run whose final read exists: the project's own accounting of its recorded files. */
async function ackCheck(dir: string): Promise<CaseObservation['ack']> {
  const hasFinal = await readFile(path.join(dir, FINAL_READ_FILE)).then(() => true, () => false);
  if (!hasFinal) return null;
  const run = await readRecordedRun(dir).catch(() => null);
  if (!run) return null;
  const w = analyse(run).writes;
  return { acknowledged: w.acknowledged, lost: w.lost, unexpected: w.unexpected };
}

async function mountSmallFs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await execa('mount', ['-t', 'tmpfs', '-o', `size=${FULL_FS_SIZE},mode=0755`, 'pdrill-chaos', dir]);
}

async function unmount(dir: string): Promise<void> {
  const r = await execa('umount', [dir], { reject: false });
  // A process still holding a file there: detach now, the kernel frees it when the last one closes.
  if (r.exitCode !== 0) await execa('umount', ['-l', dir], { reject: false });
  await rm(dir, { recursive: true, force: true });
}

async function runDown(ctx: ChaosContext): Promise<number | null> {
  const [cmd, args] = tsxCli('cluster.ts', ['down']);
  const r = await execa(cmd, [...args], { cwd: PROJECT_ROOT, reject: false, timeout: DOWN_TIMEOUT_MS, all: true });
  if (r.exitCode !== 0) ctx.log(`    down: ${(r.all ?? '').trim().split('\n').slice(-2).join(' / ')}`);
  return r.exitCode ?? null;
}

/**
 * Every command line on the machine (what `ps -eo args` shows any user) that contains one of the
 * lab's passwords, masked; null when the cluster has no state file yet.
 */
async function secretsInArgv(base: string): Promise<string[] | null> {
  const text = await readFile(path.join(base, 'state.json'), 'utf8').catch(() => null);
  if (!text) return null;
  const secrets = Object.values((JSON.parse(text) as { passwords?: Record<string, string> }).passwords ?? {});
  if (secrets.length === 0) return null;
  const ps = await execa('ps', ['-eo', 'args'], { reject: false });
  return (ps.stdout ?? '')
    .split('\n')
    .filter((line) => secrets.some((x) => line.includes(x)))
    .map((line) => secrets.reduce((l, x) => l.split(x).join('****'), line).slice(0, 120));
}

const stripStamp = (line: string) => line.replace(/^\[\s*[\d.]+ s\]\s?/, '');

/** One drill, struck as planned, then `down`, with the machine looked at before and after. */
export async function runCase(plan: PlannedCase, drillFile: string, ctx: ChaosContext): Promise<CaseResult> {
  const started = performance.now();
  const fullFs = plan.attack === 'disk-full' ? path.join(ctx.workDir, 'small-fs') : null;
  const outDir = fullFs ? path.join(fullFs, 'out') : path.join(ctx.workDir, `case-${String(plan.index).padStart(2, '0')}`);
  if (fullFs) await mountSmallFs(fullFs);
  try {
    const [cmd, args] = tsxCli('experiment.ts', [drillFile, '--out', outDir]);
    const child = spawn(cmd, [...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    ctx.stopping.child = (sig) => child.kill(sig);
    let stderr = '';
    let phase: KillPoint | null = null;
    let phaseAtStrike: KillPoint | null = null;
    let pastUp = false;
    let armed = false;
    let struck = false;
    let argv: string[] | null = null;
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, f: () => void) => timers.push(setTimeout(f, ms));
    const strike = async () => {
      // What every user of the machine could read at this moment, before the blow changes it.
      argv = await secretsInArgv(ctx.lab.base).catch(() => null);
      struck = true;
      phaseAtStrike = phase;
      switch (plan.attack) {
        case 'disk-full':
          // dd stops at ENOSPC: the filesystem is full from here on.
          void execa('dd', ['if=/dev/zero', `of=${path.join(fullFs!, 'filler')}`, 'bs=1M'], { reject: false });
          return;
        case 'SIGINTx3':
          child.kill('SIGINT');
          later(300, () => child.kill('SIGINT'));
          later(600, () => child.kill('SIGINT'));
          return;
        default:
          child.kill(plan.attack);
      }
    };
    child.stdout.resume();
    createInterface({ input: child.stderr }).on('line', (raw) => {
      stderr += `${raw}\n`;
      const line = stripStamp(raw);
      if (line.startsWith(PAST_UP_MARKER)) pastUp = true;
      const p = KILL_POINTS.find((k) => line.startsWith(POINT_MARKERS[k]));
      if (p) phase = p;
      if (p === plan.point && !armed) {
        armed = true;
        later(plan.delayMs, () => void strike());
      }
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let timedOut = false;
    const guard = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CASE_TIMEOUT_MS);
    const { code, signal } = await exited;
    clearTimeout(guard);
    for (const t of timers) clearTimeout(t);
    ctx.stopping.child = undefined;

    const leftoversBefore = findLeftovers(await snapshot(ctx.lab, ctx.labCgroup), ctx.lab);
    const results = await readResults(outDir);
    const ack = await ackCheck(outDir);
    const downExitCode = await runDown(ctx);
    const leftoversAfter = findLeftovers(await snapshot(ctx.lab, ctx.labCgroup), ctx.lab);
    const observation: CaseObservation = {
      plan,
      struck,
      phaseAtStrike,
      pastUp,
      exitCode: code,
      exitSignal: signal,
      stderr,
      timedOut,
      secretsInArgv: argv,
      results,
      ack,
      leftoversBefore,
      leftoversAfter,
      downExitCode,
    };
    const checks = judge(observation);
    const ok = checks.every((c) => c.ok);
    if (ok && !fullFs) await rm(outDir, { recursive: true, force: true });
    else if (!ok) await writeFile(path.join(ctx.workDir, `case-${String(plan.index).padStart(2, '0')}.stderr.log`), stderr).catch(() => {});
    return { observation, checks, ok, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (fullFs) await unmount(fullFs);
  }
}

export async function prepareWorkDir(workDir: string): Promise<string> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const file = path.join(workDir, `${DRILL_NAME}.yaml`);
  await writeFile(file, DRILL_YAML);
  return file;
}

export function caseLine(r: CaseResult): string {
  const o = r.observation;
  const p = o.plan;
  const exit = o.exitSignal ? o.exitSignal : `exit ${o.exitCode}`;
  const where = o.struck ? `struck in ${o.phaseAtStrike ?? 'start'}` : 'not struck (drill ended first)';
  const failed = r.checks.filter((c) => !c.ok);
  const status = r.ok ? 'ok  ' : 'FAIL';
  const ack = o.ack ? `, ${o.ack.acknowledged} ack'd checked` : '';
  return (
    `case ${String(p.index).padStart(2)} ${status} ${p.attack.padEnd(9)} at ${p.point.padEnd(10)} +${(p.delayMs / 1000).toFixed(1)} s: ${where}, ${exit}, ` +
    `left ${o.leftoversBefore.length} before down / ${o.leftoversAfter.length} after${ack} (${r.seconds.toFixed(0)} s)` +
    (failed.length ? `\n    ${failed.map((c) => `${c.name}: ${c.detail}`).join('\n    ')}` : '')
  );
}

/** The closing counts: cases by kill point × attack, leftovers, results.json and acknowledged-write checks. */
export function summarise(results: CaseResult[]): string {
  const lines: string[] = [];
  const attacks = [...new Set(results.map((r) => r.observation.plan.attack))];
  const points = [...new Set(results.map((r) => r.observation.plan.point))];
  lines.push(`cases: ${results.length}, all checks passed: ${results.filter((r) => r.ok).length}, failed: ${results.filter((r) => !r.ok).length}`);
  lines.push('');
  lines.push(`cases (ok/run) by kill point × attack:`);
  lines.push(`  ${''.padEnd(11)}${attacks.map((a) => a.padStart(10)).join('')}`);
  for (const p of points) {
    const cells = attacks.map((a) => {
      const here = results.filter((r) => r.observation.plan.point === p && r.observation.plan.attack === a);
      return (here.length ? `${here.filter((r) => r.ok).length}/${here.length}` : '-').padStart(10);
    });
    lines.push(`  ${p.padEnd(11)}${cells.join('')}`);
  }
  const struck = results.filter((r) => r.observation.struck);
  lines.push('');
  lines.push(`struck: ${struck.length} (the others' drill ended before the blow; they still count for cleanup and results)`);
  const count = (name: Check['name']) => {
    const all = results.flatMap((r) => r.checks.filter((c) => c.name === name));
    return `${all.filter((c) => c.ok).length}/${all.length}`;
  };
  const before = results.reduce((n, r) => n + r.observation.leftoversBefore.length, 0);
  const after = results.reduce((n, r) => n + r.observation.leftoversAfter.length, 0);
  lines.push(`leftovers: ${before} item(s) found right after the runner exited (expected only after SIGKILL / forced exit), ${after} after down`);
  lines.push(`checks passed: exit ${count('exit')}, runner tore down by itself ${count('self-teardown')}, clean after down ${count('clean-after-down')}, ` +
    `results.json ${count('results')}, acknowledged writes ${count('acknowledged-writes')}, no password in argv ${count('no-secret-in-argv')}, bounded ${count('bounded')}`);
  const acked = results.reduce((n, r) => n + (r.observation.ack?.acknowledged ?? 0), 0);
  const lost = results.reduce((n, r) => n + (r.observation.ack?.lost ?? 0), 0);
  lines.push(`acknowledged writes checked against final reads: ${acked}, lost: ${lost}`);
  return lines.join('\n');
}

import { createInterface } from 'node:readline/promises';
import type { Experiment } from '../../experiment/load.js';
import { resolveTarget } from '../../faults/targets.js';
import type { ClusterAccess } from '../types.js';
import { cleanupCommand } from './commands.js';
import type { HostsDriver } from './driver.js';

/** Healing at the end and the wait for health after it, on top of the steps (the runner's own bounds). */
const END_OF_RUN_SECONDS = 120 + 60 + 60;

/**
 * The longest a drill can keep a fault open: warm-up, every step's delay, sleep and wait timeout,
 * cool-down and the runner's end-of-run bounds. A dead-man switch armed for this long never fires
 * during a drill that is still in control.
 */
export function drillSeconds(exp: Experiment): number {
  let ms = exp.load.warmup_ms + exp.load.cooldown_ms;
  for (const s of exp.steps) {
    ms += (s.at_ms ?? 0) + s.after_ms;
    if (s.kind === 'sleep') ms += s.duration_ms;
    if (s.kind === 'wait') ms += s.timeout_ms;
  }
  return Math.ceil(ms / 1000) + END_OF_RUN_SECONDS;
}

/** What each step will do on which host, with the exact commands, resolved against the cluster as it is now. */
export async function faultPlan(exp: Experiment, driver: HostsDriver, access: ClusterAccess): Promise<string[]> {
  const out = [`Fault plan for ${exp.name} (each fault armed with a dead-man switch of ${driver.deadmanSeconds} s on its host):`];
  const byId = new Map<string, Array<{ host: string; heal: string }>>();
  for (const step of exp.steps) {
    const n = `  step ${step.index + 1}`;
    if (step.kind === 'inject') {
      const targets = await resolveTarget(step.target, access, driver);
      const heals: Array<{ host: string; heal: string }> = [];
      for (const t of targets) {
        const p = driver.faultPlan(step.fault, t.node);
        out.push(`${n}: ${step.fault} ${step.target_text} → ${t.node} (${t.role} now) on host ${p.place.host}${p.place.unit ? `, unit ${p.place.unit}` : ', whole host'}`);
        out.push(`      ${p.place.host}$ ${p.inject}`);
        heals.push({ host: p.place.host, heal: p.heal });
      }
      if (step.id) byId.set(step.id, heals);
      else byId.set(`#${byId.size + 1}`, heals);
    } else if (step.kind === 'heal') {
      const ids = step.id === null ? [...byId.keys()].reverse() : [step.id];
      for (const id of ids) for (const h of byId.get(id) ?? []) out.push(`${n}: heal ${id}\n      ${h.host}$ ${h.heal}`);
    } else {
      out.push(`${n}: ${step.kind}${step.kind === 'wait' ? ` ${step.condition}` : ''} (nothing on the hosts)`);
    }
  }
  return out;
}

/** The commands a run sends besides the faults (for --dry-run). */
export function housekeepingPlan(driver: HostsDriver): string[] {
  const scratch = driver.scratchDatabase;
  return [
    'Before the first fault and after the run, on every host (fires any dead-man switch an earlier run left, lifts any isolation):',
    `  <each host>$ ${cleanupCommand()}`,
    `Scratch database, through the write endpoint with the inventory's role: DROP DATABASE IF EXISTS ${scratch}; CREATE DATABASE ${scratch}; dropped the same way at the end.`,
    `Logs afterwards: journalctl -u <unit> --since @<start> --until @<end> -o short-iso-precise, per unit of every host.`,
    ...(driver.discovery.keepalived ? ['VIP holder, whenever a step targets HAProxy: ip -o addr show on each keepalived host.'] : []),
  ];
}

/** Asks on the terminal; without one, only --yes proceeds. */
export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

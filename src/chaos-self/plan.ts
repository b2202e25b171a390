/**
 * What chaos-self does to the runner: where in a drill it strikes and how. Pure: a seed gives the
 * same plan again, so a failing case can be re-run as it was.
 */

import { seeded } from '../util/random.js';

/** The moments of a drill, each recognised by the runner's progress line that starts it. */
export const KILL_POINTS = ['up', 'warmup', 'fault', 'final-read', 'teardown'] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

/**
 * SIGINT, SIGTERM and SIGKILL once; SIGINTx3 is an impatient user (three Ctrl-C 0.3 s apart: the
 * runner must exit at once and say what may be left); disk-full fills the output folder's small
 * filesystem instead of sending a signal.
 */
export const ATTACKS = ['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGINTx3'] as const;
export type Attack = (typeof ATTACKS)[number] | 'disk-full';

/** The progress line (a prefix, after the runner's timestamp) that marks each point's start. */
export const POINT_MARKERS: Record<KillPoint, string> = {
  up: 'bringing the cluster up',
  warmup: 'load running',
  fault: 'step 1: inject',
  'final-read': 'reading the table on the final leader',
  teardown: 'tearing the cluster down',
};
/** The line the runner prints once the cluster is up and a provisional results.json exists. */
export const PAST_UP_MARKER = 'cluster up (';

/** How long after its marker the blow may land, ms: inside the phase for this project's drill. */
const DELAY_RANGE: Record<KillPoint, [number, number]> = {
  up: [500, 9000],
  warmup: [200, 2500],
  fault: [300, 5000],
  'final-read': [0, 300],
  teardown: [0, 1500],
};

export interface PlannedCase {
  index: number;
  point: KillPoint;
  attack: Attack;
  /** After the point's marker line. */
  delayMs: number;
}

/** Every (point, signal) pair plus one disk-full case, in a seeded order; each round covers them all. */
export function allKinds(): Array<Pick<PlannedCase, 'point' | 'attack'>> {
  return [...KILL_POINTS.flatMap((point) => ATTACKS.map((attack) => ({ point, attack }) as const)), { point: 'warmup', attack: 'disk-full' }];
}

type Kind = Pick<PlannedCase, 'point' | 'attack'>;

/** "SIGKILL@up,disk-full@warmup" → those kinds; an unknown name is an error naming the known ones. */
export function parseKinds(text: string): Kind[] {
  const known = allKinds();
  return text.split(',').map((item) => {
    const [attack, point] = item.trim().split('@');
    const k = known.find((x) => x.attack === attack && x.point === point);
    if (!k) throw new Error(`unknown case kind "${item}" (known: ${known.map((x) => `${x.attack}@${x.point}`).join(', ')})`);
    return k;
  });
}

export function planCases(count: number, seed: number, kinds: Kind[] = allKinds()): PlannedCase[] {
  const rand = seeded(seed);
  const out: PlannedCase[] = [];
  while (out.length < count) {
    const round = [...kinds];
    // Fisher–Yates, so every kind comes once per round whatever the count.
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    for (const k of round) {
      if (out.length === count) break;
      const [lo, hi] = k.attack === 'disk-full' ? [1000, 1000] : DELAY_RANGE[k.point];
      out.push({ index: out.length + 1, ...k, delayMs: Math.round(lo + rand() * (hi - lo)) });
    }
  }
  return out;
}

import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LAB } from '../../src/cluster/local/lab.js';
import { chaosContext, prepareWorkDir, runCase } from '../../src/chaos-self/run.js';
import type { PlannedCase } from '../../src/chaos-self/plan.js';

/**
 * Three cases of `npm run chaos-self` on the real lab, the ones that matter most: Ctrl-C with a
 * fault injected (the runner must heal, tear down, record why and exit 130), SIGKILL during warm-up
 * (nothing can be done in the runner; `down` must remove everything, the provisional results.json
 * must say the run did not finish) and a full output filesystem (the history's write error becomes
 * a recorded error, heal and teardown).
 */
const workDir = `/tmp/pdrill-chaos-test-${LAB.number}`;
afterAll(() => rm(workDir, { recursive: true, force: true }));

const CASES: PlannedCase[] = [
  { index: 1, point: 'fault', attack: 'SIGINT', delayMs: 2000 },
  { index: 2, point: 'warmup', attack: 'SIGKILL', delayMs: 1000 },
  { index: 3, point: 'warmup', attack: 'disk-full', delayMs: 1000 },
];

describe('the runner under its own faults', () => {
  it.each(CASES)('$attack at $point: nothing left, results.json says why, no acknowledged write lost', async (c) => {
    const drill = await prepareWorkDir(workDir);
    const ctx = await chaosContext(workDir, () => {});
    const r = await runCase(c, drill, ctx);
    expect(r.observation.struck).toBe(true);
    expect(r.checks.filter((x) => !x.ok)).toEqual([]);
    if (c.attack === 'SIGKILL') expect(r.observation.leftoversBefore.length).toBeGreaterThan(0);
    if (c.attack === 'SIGINT') {
      expect(r.observation.exitCode).toBe(130);
      expect(r.observation.ack?.acknowledged).toBeGreaterThan(0);
    }
  });
});

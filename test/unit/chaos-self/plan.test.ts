import { describe, expect, it } from 'vitest';
import { allKinds, ATTACKS, KILL_POINTS, parseKinds, planCases } from '../../../src/chaos-self/plan.js';

describe('the chaos-self case planner', () => {
  it('covers every kill point × attack and the full disk within one round', () => {
    const kinds = allKinds();
    const plan = planCases(kinds.length, 1);
    const seen = new Set(plan.map((c) => `${c.point}/${c.attack}`));
    expect(seen.size).toBe(KILL_POINTS.length * ATTACKS.length + 1);
    expect(seen.has('warmup/disk-full')).toBe(true);
  });

  it('gives the same plan for the same seed and another for another seed', () => {
    expect(planCases(30, 42)).toEqual(planCases(30, 42));
    expect(planCases(30, 42)).not.toEqual(planCases(30, 43));
  });

  it('numbers cases from 1 and keeps every delay inside its point', () => {
    const plan = planCases(30, 5);
    expect(plan.map((c) => c.index)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const c of plan) {
      expect(c.delayMs).toBeGreaterThanOrEqual(0);
      expect(c.delayMs).toBeLessThanOrEqual(9000);
    }
    // 30 cases = one full round of 21 kinds, then 9 more.
    expect(new Set(plan.map((c) => `${c.point}/${c.attack}`)).size).toBe(21);
  });

  it('can be limited to chosen kinds, and names the known ones for a typo', () => {
    const plan = planCases(4, 3, parseKinds('SIGKILL@up, disk-full@warmup'));
    expect(plan.map((c) => `${c.attack}@${c.point}`).sort()).toEqual(['SIGKILL@up', 'SIGKILL@up', 'disk-full@warmup', 'disk-full@warmup']);
    expect(() => parseKinds('SIGKILL@lunch')).toThrow(/unknown case kind "SIGKILL@lunch" \(known: SIGINT@up, /);
  });
});

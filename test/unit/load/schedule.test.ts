import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  firstStart,
  intervalMs,
  loadIntervalMs,
  nextStart,
  validateLoadOptions,
} from '../../../src/load/schedule.js';
import type { LoadOptions } from '../../../src/load/types.js';

const backoff = { initial_ms: 50, max_ms: 400 };

describe('intervalMs', () => {
  it('is 1000/rate, and 0 for max', () => {
    expect(intervalMs(20)).toBe(50);
    expect(intervalMs(0.5)).toBe(2000);
    expect(intervalMs('max')).toBe(0);
  });
});

describe('backoffMs', () => {
  it('doubles from initial and stops at max', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((f) => backoffMs(f, backoff))).toEqual([0, 50, 100, 200, 400, 400, 400]);
  });
});

describe('nextStart', () => {
  it('keeps to the slots while attempts are quick', () => {
    expect(nextStart({ planned_ms: 1000, ended_ms: 1003, interval_ms: 50, failures: 0, backoff })).toBe(1050);
  });

  it('after a late attempt takes its next own slot, skipping the missed ones instead of bursting', () => {
    // The attempt overran four slots (1050..1200): the next is the slot after it ended...
    const next = nextStart({ planned_ms: 1000, ended_ms: 1230, interval_ms: 50, failures: 0, backoff });
    expect(next).toBe(1250);
    // ...and the one after is the slot after that, not the missed ones one after the other.
    expect(nextStart({ planned_ms: next, ended_ms: 1252, interval_ms: 50, failures: 0, backoff })).toBe(1300);
  });

  it('keeps staggered workers apart when one outage ends their attempts at the same instant', () => {
    // Four writers 12.5 ms apart, each failing at 2000 (HAProxy closed every connection at once).
    const starts = [0, 12.5, 25, 37.5].map((offset) => nextStart({ planned_ms: 1000 + offset, ended_ms: 2000, interval_ms: 50, failures: 1, backoff }));
    expect(starts).toEqual([2050, 2062.5, 2075, 2087.5]);
  });

  it('back to back at max rate', () => {
    expect(nextStart({ planned_ms: 10, ended_ms: 10.4, interval_ms: 0, failures: 0, backoff })).toBe(10.4);
  });

  it('backs off from the end of a failed attempt, doubling up to max', () => {
    const ends = [1, 2, 3, 4, 5].map((failures) =>
      nextStart({ planned_ms: 1000, ended_ms: 1001, interval_ms: 10, failures, backoff }),
    );
    // On the worker's own 10 ms grid: the first slot after each backoff.
    expect(ends).toEqual([1060, 1110, 1210, 1410, 1410]);
  });

  it("with the default backoff a writer keeps every slot through an outage of quick resets; a max of one interval skips every other slot once reached", () => {
    // Resets that come back after 20 ms, as HAProxy's did with no server up.
    const slots = (initial_ms: number, max_ms: number) => {
      const out = [1000];
      for (let failures = 1; failures <= 4; failures++) out.push(nextStart({ planned_ms: out.at(-1)!, ended_ms: out.at(-1)! + 20, interval_ms: 50, failures, backoff: { initial_ms, max_ms } }));
      return out;
    };
    expect(slots(5, 10)).toEqual([1000, 1050, 1100, 1150, 1200]);
    expect(slots(10, 50)).toEqual([1000, 1050, 1100, 1200, 1300]);
  });

  it('a slow rate is not made faster by a short backoff', () => {
    expect(nextStart({ planned_ms: 0, ended_ms: 2, interval_ms: 1000, failures: 1, backoff })).toBe(1000);
  });

  it('a success right after failures goes back to the slots', () => {
    expect(nextStart({ planned_ms: 1401, ended_ms: 1402, interval_ms: 50, failures: 0, backoff })).toBe(1451);
  });
});

describe('firstStart', () => {
  it('spreads workers of one kind over one interval', () => {
    expect([0, 1, 2, 3].map((i) => firstStart(100, i, 4, 50))).toEqual([100, 112.5, 125, 137.5]);
    expect(firstStart(100, 0, 1, 0)).toBe(100);
  });
});

const valid: LoadOptions = {
  writers: { count: 2, rate: 20 },
  readers: { count: 1, rate: 10 },
  rw_readers: { count: 0, rate: 'max' },
  op_timeout_ms: 1000,
  connect_timeout_ms: 1000,
  backoff,
};

describe('loadIntervalMs', () => {
  it('is the smallest interval of the kinds that have workers', () => {
    expect(loadIntervalMs(valid)).toBe(50);
    expect(loadIntervalMs({ ...valid, writers: { count: 0, rate: 100 } })).toBe(100);
    expect(loadIntervalMs({ ...valid, rw_readers: { count: 1, rate: 'max' } })).toBe(0);
    expect(
      loadIntervalMs({ writers: { count: 0, rate: 1 }, readers: { count: 0, rate: 1 }, rw_readers: { count: 0, rate: 1 } }),
    ).toBeNull();
  });
});

describe('validateLoadOptions', () => {
  it('accepts sane options', () => {
    expect(() => validateLoadOptions(valid)).not.toThrow();
  });
  it.each<[string, LoadOptions]>([
    ['zero rate', { ...valid, writers: { count: 1, rate: 0 } }],
    ['negative count', { ...valid, readers: { count: -1, rate: 1 } }],
    ['fractional count', { ...valid, readers: { count: 1.5, rate: 1 } }],
    ['infinite rate', { ...valid, rw_readers: { count: 1, rate: Infinity } }],
    ['zero timeout', { ...valid, op_timeout_ms: 0 }],
    ['backoff max below initial', { ...valid, backoff: { initial_ms: 100, max_ms: 50 } }],
    ['zero backoff', { ...valid, backoff: { initial_ms: 0, max_ms: 50 } }],
  ])('rejects %s', (_name, opts) => {
    expect(() => validateLoadOptions(opts)).toThrow(/invalid load options/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  firstStart,
  intervalMs,
  loadIntervalMs,
  mayStart,
  nextSlot,
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

describe('nextSlot', () => {
  it('keeps to the slots while the worker is on time', () => {
    expect(nextSlot(1000, 50, 1003)).toBe(1050);
  });

  it('after running late takes its next own slot, skipping the missed ones instead of bursting', () => {
    // The worker was held up past four slots (1050..1200): the next is its first slot after that...
    const next = nextSlot(1000, 50, 1230);
    expect(next).toBe(1250);
    // ...and the one after follows on the grid, not the missed ones one after the other.
    expect(nextSlot(next, 50, 1252)).toBe(1300);
    // A slot exactly now is already taken.
    expect(nextSlot(1000, 50, 1100)).toBe(1150);
  });

  it('keeps staggered workers apart when one stall held them all up', () => {
    const next = [0, 12.5, 25, 37.5].map((offset) => nextSlot(1000 + offset, 50, 2000));
    expect(next).toEqual([2050, 2012.5, 2025, 2037.5]);
  });
});

describe('mayStart', () => {
  const at = { in_flight: 0, querying: 0, max_in_flight: 8, turn: false };

  it('starts every slot while nothing hangs', () => {
    expect(mayStart(at)).toBe(true);
  });

  it('while earlier attempts still connect, only on its turn, up to max_in_flight', () => {
    expect(mayStart({ ...at, in_flight: 1 })).toBe(false);
    expect(mayStart({ ...at, in_flight: 1, turn: true })).toBe(true);
    expect(mayStart({ ...at, in_flight: 8, turn: true })).toBe(false);
  });

  it('never while one of its queries is unanswered', () => {
    expect(mayStart({ ...at, in_flight: 1, querying: 1, turn: true })).toBe(false);
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
  max_in_flight: 20,
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
    ['no attempt in flight', { ...valid, max_in_flight: 0 }],
  ])('rejects %s', (_name, opts) => {
    expect(() => validateLoadOptions(opts)).toThrow(/invalid load options/);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['250 ms', 250],
    [3, 3000],
    [0.25, 250],
    [0, 0],
  ] as const)('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '5x', '1.5', 's', '-1s', '1.s', '1 s 2'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => parseDuration(-1)).toThrow(/>= 0/);
    expect(() => parseDuration(Number.NaN)).toThrow(/invalid duration/);
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow(/invalid duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [480, '480 ms'],
    [12.34, '12.3 ms'],
    [999.97, '1 s'],
    [1500, '1.5 s'],
    [12_410, '12.41 s'],
    [12_414.9, '12.41 s'],
    [30_000, '30 s'],
    [95_200, '95.2 s'],
    [-1500, '-1.5 s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

/**
 * Durations as people write them in experiment files ("500ms", "1.5s", "2m", "1m30s", or a bare
 * number of seconds) and as reports show them ("12.41 s").
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Source of the pattern a duration string must match; also used by the experiment JSON Schema. */
export const DURATION_PATTERN = '^\\s*(?:\\d+(?:\\.\\d+)?\\s*(?:ms|s|m|h)\\s*)+$';

const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;

/**
 * Milliseconds (rounded to a whole millisecond) from a duration string or a number of seconds.
 * Throws on anything else, including negative or non-finite numbers.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new Error(`invalid duration ${input}: a number means seconds and must be finite and >= 0`);
    }
    return Math.round(input * 1000);
  }
  if (!DURATION_RE.test(input)) {
    throw new Error(
      `invalid duration ${JSON.stringify(input)} (expected e.g. 500ms, 1.5s, 2m, 1m30s or a number of seconds)`,
    );
  }
  let ms = 0;
  for (const m of input.matchAll(PART_RE)) {
    ms += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  return Math.round(ms);
}

/** Readable form of a duration: "0 s", "480 ms", "1.5 s", "12.41 s", "95 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0 s';
  // 999.97 would otherwise show as "1000 ms".
  if (ms < 999.95) return `${Number(ms.toFixed(1))} ms`;
  // Two decimals are the 10 ms resolution a 20-ops-per-second load can actually support.
  return `${Number((ms / 1000).toFixed(2))} s`;
}

import type { BackoffSpec, LoadOptions, WorkerSpec } from './types.js';

/** Gap between a worker's planned attempts; 0 for 'max' (back to back). */
export function intervalMs(rate: WorkerSpec['rate']): number {
  return rate === 'max' ? 0 : 1000 / rate;
}

/** Pause imposed after `failures` consecutive failures: initial, doubled each time, capped at max. */
export function backoffMs(failures: number, backoff: BackoffSpec): number {
  if (failures <= 0) return 0;
  return Math.min(backoff.initial_ms * 2 ** (failures - 1), backoff.max_ms);
}

export interface MayStartInput {
  /** Attempts of the worker not yet recorded. */
  in_flight: number;
  /** Of those, the ones waiting for a query's answer. */
  querying: number;
  max_in_flight: number;
  /** Whether this slot is the worker's turn among the workers of its kind (every lanes-th slot). */
  turn: boolean;
}

/**
 * Whether a slot's attempt starts: not while the worker's own query is unanswered (a query holds a
 * backend, and the stalled one samples the server's return), not beyond max_in_flight, and while
 * earlier attempts still hang connecting only on the worker's turn.
 */
export function mayStart(s: MayStartInput): boolean {
  if (s.querying > 0 || s.in_flight >= s.max_in_flight) return false;
  return s.in_flight === 0 || s.turn;
}

/**
 * The worker's next slot after `planned_ms`: `interval_ms` on, or the first of its own slots not
 * already past when the worker ran late. Missed slots are skipped, not made up in a burst (a burst
 * would crowd a recovering server and blur when it came back), and keeping to its own grid keeps a
 * worker's offset from the others, so that together they sample more finely than any one of them.
 */
export function nextSlot(planned_ms: number, interval_ms: number, now_ms: number): number {
  const next = planned_ms + interval_ms;
  if (next > now_ms) return next;
  return planned_ms + Math.floor((now_ms - planned_ms) / interval_ms + 1) * interval_ms;
}

/**
 * First planned start of worker `index` of `count` of one kind: spread over one interval, so that
 * together they sample the cluster more finely than any one of them.
 */
export function firstStart(t0_ms: number, index: number, count: number, interval_ms: number): number {
  return count > 0 ? t0_ms + (interval_ms * index) / count : t0_ms;
}

/**
 * The smallest planned gap between a worker's operations (RunMeta.load_interval_ms): the sampling
 * interval of the run. 0 when some kind runs at 'max'; null when no worker is configured.
 */
export function loadIntervalMs(opts: Pick<LoadOptions, 'writers' | 'readers' | 'rw_readers'>): number | null {
  const gaps = [opts.writers, opts.readers, opts.rw_readers].filter((w) => w.count > 0).map((w) => intervalMs(w.rate));
  return gaps.length > 0 ? Math.min(...gaps) : null;
}

/** Rejects options that would make a worker spin or never run; a runner's configuration error. */
export function validateLoadOptions(opts: LoadOptions): void {
  const problems: string[] = [];
  for (const kind of ['writers', 'readers', 'rw_readers'] as const) {
    const w = opts[kind];
    if (!Number.isInteger(w.count) || w.count < 0) problems.push(`${kind}.count must be a whole number ≥ 0`);
    if (w.rate !== 'max' && !(Number.isFinite(w.rate) && w.rate > 0)) {
      problems.push(`${kind}.rate must be a positive number or 'max'`);
    }
  }
  for (const key of ['op_timeout_ms', 'connect_timeout_ms'] as const) {
    if (!(Number.isFinite(opts[key]) && opts[key] > 0)) problems.push(`${key} must be positive`);
  }
  if (!(Number.isInteger(opts.max_in_flight) && opts.max_in_flight >= 1)) problems.push('max_in_flight must be a whole number ≥ 1');
  const b = opts.backoff;
  if (!(Number.isFinite(b.initial_ms) && b.initial_ms > 0)) problems.push('backoff.initial_ms must be positive');
  if (!(Number.isFinite(b.max_ms) && b.max_ms >= b.initial_ms)) problems.push('backoff.max_ms must be ≥ initial_ms');
  if (problems.length > 0) throw new Error(`invalid load options: ${problems.join('; ')}`);
}

import type {
  EventRecord,
  HaproxyObservation,
  HistoryRecord,
  OperationRecord,
  PatroniObservation,
  RecoveryObservation,
} from '../history/types.js';

/** The history split by record type, each list sorted by time (the recorded order is only roughly sorted). */
export interface Records {
  /** By start_ms. */
  ops: OperationRecord[];
  patroni: PatroniObservation[];
  haproxy: HaproxyObservation[];
  recovery: RecoveryObservation[];
  events: EventRecord[];
}

export function partition(history: readonly HistoryRecord[]): Records {
  const r: Records = { ops: [], patroni: [], haproxy: [], recovery: [], events: [] };
  for (const rec of history) {
    switch (rec.type) {
      case 'op':
        r.ops.push(rec);
        break;
      case 'patroni':
        r.patroni.push(rec);
        break;
      case 'haproxy':
        r.haproxy.push(rec);
        break;
      case 'recovery':
        r.recovery.push(rec);
        break;
      case 'event':
        r.events.push(rec);
        break;
    }
  }
  // Array.prototype.sort is stable, so records with equal times keep their recorded order.
  r.ops.sort((a, b) => a.start_ms - b.start_ms);
  for (const list of [r.patroni, r.haproxy, r.recovery, r.events]) list.sort((a, b) => a.t_ms - b.t_ms);
  return r;
}

export { isPrimaryRole } from '../cluster/roles.js';

/** Index of the first element of a sorted list whose value is > x. */
export function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of a sorted list whose value is >= x. */
export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

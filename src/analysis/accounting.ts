import type { FinalRead, OperationRecord, Outcome } from '../history/types.js';
import type { Availability, WriteAccounting } from './types.js';

export type DataAccounting = Omit<WriteAccounting, keyof Availability>;

const RANK: Record<Outcome, number> = { failed: 0, indeterminate: 1, ok: 2 };

/**
 * The attempt that stands for each key: a retried key is judged by its best outcome, so a failed
 * first try followed by an acknowledged retry is not "failed but present".
 * @param writes sorted by start_ms
 */
export function writerByKey(writes: readonly OperationRecord[]): Map<string, OperationRecord> {
  const byKey = new Map<string, OperationRecord>();
  for (const w of writes) {
    if (w.key === undefined) continue;
    const seen = byKey.get(w.key);
    if (!seen || RANK[w.outcome] > RANK[seen.outcome]) byKey.set(w.key, w);
  }
  return byKey;
}

/**
 * What happened to every write, judged against the final read (Jepsen's semantics): only an
 * acknowledged write that is absent is lost. Writes without a key cannot be looked up and are only
 * counted as acknowledged.
 * @param writes sorted by start_ms
 */
export function accountWrites(
  writes: readonly OperationRecord[],
  final: FinalRead | null,
  byKey: Map<string, OperationRecord> = writerByKey(writes),
): DataAccounting {
  const acknowledged = writes.reduce((n, w) => n + (w.outcome === 'ok' ? 1 : 0), 0);
  const result: DataAccounting = {
    acknowledged,
    lost: 0,
    lost_keys: [],
    recovered: 0,
    indeterminate_absent: 0,
    unexpected: 0,
    duplicates: 0,
    failed_present: 0,
    accounted: final !== null,
  };
  if (!final) return result;

  const present = new Set<string>();
  const ids = new Set<number>();
  for (const [id, key] of final.rows) {
    if (present.has(key) || ids.has(id)) result.duplicates++;
    present.add(key);
    ids.add(id);
    if (!byKey.has(key)) result.unexpected++;
  }

  // Walk the writes (not the map) so lost keys come out in the order they were written.
  for (const w of writes) {
    if (w.key === undefined || byKey.get(w.key) !== w) continue;
    const isPresent = present.has(w.key);
    if (w.outcome === 'ok' && !isPresent) {
      result.lost++;
      result.lost_keys.push(w.key);
    } else if (w.outcome === 'indeterminate') {
      if (isPresent) result.recovered++;
      else result.indeterminate_absent++;
    } else if (w.outcome === 'failed' && isPresent) {
      result.failed_present++;
    }
  }
  return result;
}

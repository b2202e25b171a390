import type { FinalRead, OperationRecord } from '../history/types.js';
import { plural, round01, seconds } from './format.js';
import type { Promotion } from './leaders.js';
import { lowerBound, upperBound } from './records.js';
import type { IdGap } from './types.js';

/** PostgreSQL WAL-logs sequences this many values ahead (SEQ_LOG_VALS in sequence.c). */
export const SEQ_LOG_VALS = 32;

/**
 * Failures that cannot have called nextval() on the primary: the connection never opened (classes the
 * load's classifier gives connect errors), or the statement ran on a node in recovery (25006), whose
 * sequence is not the one the table keeps.
 */
const NEVER_REACHED_PRIMARY = new Set(['connect_refused', 'connect_timeout', 'connect_reset', 'auth', 'read_only']);

function mayHaveTakenAnId(op: OperationRecord): boolean {
  if (op.error?.sqlstate === '25006') return false;
  return op.error === undefined || !NEVER_REACHED_PRIMARY.has(op.error.class);
}

/** Failed or indeterminate writes that left no row, indexed to count those overlapping an interval. */
class AbsentAttempts {
  private readonly starts: number[];
  private readonly ends: number[];

  constructor(writes: readonly OperationRecord[], present: Set<string>, byKey: Map<string, OperationRecord>) {
    const absent = writes.filter(
      (w) =>
        w.outcome !== 'ok' &&
        mayHaveTakenAnId(w) &&
        !(w.key !== undefined && present.has(w.key) && byKey.get(w.key) === w),
    );
    this.starts = absent.map((w) => w.start_ms).sort((a, b) => a - b);
    this.ends = absent.map((w) => w.end_ms).sort((a, b) => a - b);
  }

  /** Attempts whose [start, end] overlaps [from, to]: started by `to` and not ended before `from`. */
  overlapping(from: number, to: number): number {
    return upperBound(this.starts, to) - lowerBound(this.ends, from);
  }
}

/**
 * Every hole in the ids of the final read, with its likeliest cause. nextval() is never rolled back,
 * so each failed attempt may leave one missing id; a new primary continues from the sequence's
 * pre-logged value, up to SEQ_LOG_VALS ahead. Time intervals come from the writes of the rows on
 * either side of the gap; a promotion counts as between them when the span in which it happened
 * (previous poll → poll that saw it) meets that interval, or when the two rows were served by
 * different nodes.
 * @param writes sorted by start_ms
 */
export function idGaps(
  writes: readonly OperationRecord[],
  final: FinalRead | null,
  byKey: Map<string, OperationRecord>,
  promotions: readonly Promotion[],
): IdGap[] {
  if (!final || final.rows.length === 0) return [];
  const rows = [...final.rows].sort((a, b) => a[0] - b[0]);
  const present = new Set(rows.map(([, key]) => key));
  const attempts = new AbsentAttempts(writes, present, byKey);
  const gaps: IdGap[] = [];

  const promotedBetween = (from: number, to: number): Promotion | undefined =>
    promotions.find((p) => p.since_ms <= to && p.t_ms >= from);

  const [firstId, firstKey] = rows[0]!;
  const firstOp = byKey.get(firstKey);
  if (firstId > 1 && firstOp) {
    const failed = attempts.overlapping(-Infinity, firstOp.end_ms);
    if (failed > 0) {
      gaps.push(
        classify({
          after_id: 0,
          before_id: firstId,
          failed,
          promotion: promotedBetween(-Infinity, firstOp.end_ms),
          otherNode: false,
          t_ms: firstOp.start_ms,
          where: `before ${firstId}`,
        }),
      );
    }
  }

  for (let i = 1; i < rows.length; i++) {
    const [prevId, prevKey] = rows[i - 1]!;
    const [nextId, nextKey] = rows[i]!;
    if (nextId <= prevId + 1) continue;
    const where = `between ${prevId} and ${nextId}`;
    const a = byKey.get(prevKey);
    const b = byKey.get(nextKey);
    if (!a || !b) {
      const unseen = !a ? prevId : nextId;
      const size = nextId - prevId - 1;
      gaps.push({
        after_id: prevId,
        before_id: nextId,
        size,
        cause: 'unexplained',
        explanation: `${plural(size, 'id')} missing ${where}; the write of id ${unseen} was never seen, so nothing can be said about when the gap happened.`,
      });
      continue;
    }
    const from = Math.min(a.start_ms, b.start_ms);
    const to = Math.max(a.end_ms, b.end_ms);
    gaps.push(
      classify({
        after_id: prevId,
        before_id: nextId,
        failed: attempts.overlapping(from, to),
        promotion: promotedBetween(from, to),
        otherNode: a.node !== undefined && b.node !== undefined && a.node !== b.node ? `${a.node} → ${b.node}` : false,
        t_ms: a.end_ms,
        where,
      }),
    );
  }
  return gaps;
}

interface GapEvidence {
  after_id: number;
  before_id: number;
  failed: number;
  promotion: Promotion | undefined;
  /** "n1 → n2" when the rows on either side were written on different nodes. */
  otherNode: string | false;
  t_ms: number;
  where: string;
}

function classify(e: GapEvidence): IdGap {
  const size = e.before_id - e.after_id - 1;
  const base = { after_id: e.after_id, before_id: e.before_id, size, t_ms: round01(e.t_ms) };
  const missing = `${plural(size, 'id')} missing ${e.where}`;
  const failed = plural(e.failed, 'write');
  if (e.failed >= size) {
    return {
      ...base,
      cause: 'failed_attempts',
      explanation: `${missing}: ${failed} failed or went unanswered between these rows' writes, each of which may have used an id.`,
    };
  }
  const promoted = e.promotion
    ? `${e.promotion.node} was promoted at ${seconds(e.promotion.t_ms)}`
    : e.otherNode
      ? `the rows were written on different primaries (${e.otherNode})`
      : null;
  if (promoted && size <= SEQ_LOG_VALS + e.failed) {
    return {
      ...base,
      cause: 'sequence_prelog',
      explanation: `${missing}: ${promoted}, and a new primary continues from the sequence value pre-logged up to ${SEQ_LOG_VALS} ahead (plus ${failed} that failed or went unanswered).`,
    };
  }
  return {
    ...base,
    cause: 'unexplained',
    explanation: promoted
      ? `${missing}: more than the ${SEQ_LOG_VALS} pre-logged after a promotion (${promoted}) plus ${failed} that failed or went unanswered.`
      : `${missing}, but only ${failed} failed or went unanswered between these rows' writes and no promotion was seen.`,
  };
}

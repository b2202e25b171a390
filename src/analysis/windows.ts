import type { OperationRecord } from '../history/types.js';
import { round01 } from './format.js';
import type { Availability, Window } from './types.js';

/** A merged window with the edges analysis needs later but results.json does not carry. */
export interface MeasuredWindow {
  window: Window;
  /** Start of the earliest failed or indeterminate op in it: the first sign of the outage. */
  first_fail_ms: number;
  /** End of the op that closed it; null when no op succeeded again before the run ended. */
  first_ack_ms: number | null;
}

export interface MeasuredAvailability {
  availability: Availability;
  measured: MeasuredWindow[];
}

/**
 * Unavailability windows of one kind of operation: the spans when no client got through. Windows
 * are measured over operations that went through HAProxy (a 'direct' op probes one node, and a
 * direct worker pointed at a stopped node would stretch the service's outage to that node's
 * downtime), across every worker at once: with several staggered workers a success by any of them
 * ends a window, so the edges are as fine as the workers together sample. Counts cover every op.
 *
 * @param ops operations of one kind, sorted by start_ms
 */
export function measureAvailability(
  ops: readonly OperationRecord[],
  endedMs: number,
  loadIntervalMs: number,
): MeasuredAvailability {
  let ok = 0;
  let failed = 0;
  let indeterminate = 0;
  for (const op of ops) {
    if (op.outcome === 'ok') ok++;
    else if (op.outcome === 'failed') failed++;
    else indeterminate++;
  }
  const routed = ops.filter((op) => op.port !== 'direct');
  const measured: MeasuredWindow[] = [];
  let lastOk: OperationRecord | null = null;
  let lastOkStart: number | null = null;
  let open: Open | null = null;
  let closedBy: { start_ms: number; end_ms: number } | null = null;
  for (const [i, op] of routed.entries()) {
    if (op.outcome === 'ok') {
      if (open) {
        closedBy = closing(routed, i);
        measured.push(edges(open, closedBy, endedMs));
        open = null;
      }
      // Ops overlap: an earlier-started success may end after a later one.
      if (!lastOk || op.end_ms > lastOk.end_ms) lastOk = op;
      lastOkStart = op.start_ms;
    } else if (!open && closedBy && op.start_ms < closedBy.end_ms) {
      // Begun before the acknowledgement that ended the last window: one more failure of that outage,
      // not a window overlapping it. Begun after the closing success did, it blurs where the end lies.
      const w = measured.at(-1)!.window;
      w.failed_ops++;
      if (!w.workers.includes(op.worker)) w.workers = [...w.workers, op.worker].sort();
      w.end_resolution_ms = round01(Math.max(w.end_resolution_ms, op.start_ms - closedBy.start_ms));
      w.resolution_ms = Math.max(w.start_resolution_ms, w.end_resolution_ms);
    } else if (open) {
      open.lastEnd = Math.max(open.lastEnd, op.end_ms);
      open.lastStart = op.start_ms;
      open.count++;
      open.workers.add(op.worker);
    } else {
      open = { first: op, lastStart: op.start_ms, lastEnd: op.end_ms, count: 1, workers: new Set([op.worker]), lastOk, lastOkStart };
    }
  }
  if (open) measured.push(edges(open, undefined, endedMs));

  const windows = measured.map((m) => m.window);
  return {
    availability: {
      windows,
      resolution_ms: round01(windows.length ? Math.max(...windows.map((w) => w.resolution_ms)) : loadIntervalMs),
      attempts: ops.length,
      ok,
      failed,
      indeterminate,
      total_unavailable_ms: round01(windows.reduce((sum, w) => sum + w.duration_ms, 0)),
    },
    measured,
  };
}

/**
 * The successes that end a window: the first to begin after it opened, and any begun while that one
 * ran (a new connection can take a few hundred ms on a loaded machine, and a later attempt may be
 * acknowledged first). The window ends at the earliest acknowledgement among them; the path was open
 * by the earliest start.
 */
function closing(routed: readonly OperationRecord[], first: number): { start_ms: number; end_ms: number } {
  const head = routed[first]!;
  let end = head.end_ms;
  for (let j = first + 1; j < routed.length && routed[j]!.start_ms < end; j++) {
    const op = routed[j]!;
    if (op.outcome === 'ok') end = Math.min(end, op.end_ms);
  }
  return { start_ms: head.start_ms, end_ms: end };
}

interface Open {
  first: OperationRecord;
  /** Start of the latest failure in it (ops are taken in start order). */
  lastStart: number;
  lastEnd: number;
  count: number;
  workers: Set<string>;
  lastOk: OperationRecord | null;
  lastOkStart: number | null;
}

/**
 * A window began after the last success before its first failure and ended with the success that
 * closed it. Its edges are acknowledgements, known exactly; what is not known is how much sooner one
 * could have come had a client tried in between. A client's attempt succeeds or fails by when it
 * starts, so each edge is known to the gap between the starts either side of it: the last success's
 * and the first failure's, and the last failure's and the closing success's. The writers keep
 * starting attempts while earlier ones hang, so these gaps stay near the load's interval through an
 * outage. Without a success on one side, that edge is the run's own edge and carries no doubt.
 */
function edges(open: Open, next: { start_ms: number; end_ms: number } | undefined, endedMs: number): MeasuredWindow {
  const firstFail = open.first.start_ms;
  const last = open.lastOk;
  const start = last === null ? firstFail : Math.min(last.end_ms, firstFail);
  const end = next ? next.end_ms : Math.max(endedMs, open.lastEnd);
  const startGap = open.lastOkStart === null ? 0 : Math.max(0, firstFail - open.lastOkStart);
  const endGap = next ? Math.max(0, next.start_ms - open.lastStart) : 0;
  return {
    window: {
      start_ms: round01(start),
      end_ms: round01(end),
      duration_ms: round01(end - start),
      resolution_ms: round01(Math.max(startGap, endGap)),
      start_resolution_ms: round01(startGap),
      end_resolution_ms: round01(endGap),
      failed_ops: open.count,
      workers: [...open.workers].sort(),
    },
    first_fail_ms: firstFail,
    first_ack_ms: next ? round01(end) : null,
  };
}

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

interface WorkerWindow {
  worker: string;
  start_ms: number;
  end_ms: number;
  start_gap: number;
  end_gap: number;
  failed_ops: number;
  first_fail_ms: number;
  closed: boolean;
}

/**
 * Unavailability windows of one kind of operation. Windows are measured over operations that went
 * through HAProxy: a 'direct' op probes one node, and a direct worker pointed at a stopped node would
 * stretch the service's outage to that node's downtime. Counts cover every op, direct ones included.
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
  const byWorker = new Map<string, OperationRecord[]>();
  for (const op of ops) {
    if (op.outcome === 'ok') ok++;
    else if (op.outcome === 'failed') failed++;
    else indeterminate++;
    if (op.port === 'direct') continue;
    let list = byWorker.get(op.worker);
    if (!list) byWorker.set(op.worker, (list = []));
    list.push(op);
  }

  const perWorker: WorkerWindow[] = [];
  let largestGap: number | null = null;
  for (const [worker, list] of byWorker) {
    const { windows, largest_gap } = workerWindows(worker, list, endedMs);
    perWorker.push(...windows);
    if (largest_gap !== null && (largestGap === null || largest_gap > largestGap)) largestGap = largest_gap;
  }

  const measured = merge(perWorker, loadIntervalMs);
  const windows = measured.map((m) => m.window);
  return {
    availability: {
      windows,
      resolution_ms: round01(largestGap ?? loadIntervalMs),
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
 * One worker's windows: each opens at the first failure after a success and closes with the next
 * success. Also the largest idle gap between two consecutive successes, which is how finely this
 * worker sampled the service.
 */
function workerWindows(
  worker: string,
  ops: readonly OperationRecord[],
  endedMs: number,
): { windows: WorkerWindow[]; largest_gap: number | null } {
  const windows: WorkerWindow[] = [];
  let largestGap: number | null = null;
  let lastOk: OperationRecord | undefined;
  let prev: OperationRecord | undefined;
  let open: { first: OperationRecord; last: OperationRecord; count: number } | null = null;

  const close = (next: OperationRecord | undefined): void => {
    if (!open) return;
    const { first, last, count } = open;
    windows.push({
      worker,
      start_ms: lastOk ? lastOk.end_ms : first.start_ms,
      end_ms: next ? next.end_ms : Math.max(endedMs, last.end_ms),
      // Without a success on one side, that edge is the run's own edge and carries no sampling doubt.
      start_gap: lastOk ? Math.max(0, first.start_ms - lastOk.end_ms) : 0,
      end_gap: next ? Math.max(0, next.start_ms - last.end_ms) : 0,
      failed_ops: count,
      first_fail_ms: first.start_ms,
      closed: next !== undefined,
    });
    open = null;
  };

  for (const op of ops) {
    if (op.outcome === 'ok') {
      if (open) close(op);
      else if (prev) {
        const gap = op.start_ms - prev.end_ms;
        if (largestGap === null || gap > largestGap) largestGap = gap;
      }
      lastOk = op;
    } else if (open) {
      open.last = op;
      open.count++;
    } else {
      open = { first: op, last: op, count: 1 };
    }
    prev = op;
  }
  close(undefined);
  return { windows, largest_gap: largestGap };
}

/** Union of overlapping windows across workers; each merged edge keeps the doubt of the window that set it. */
function merge(perWorker: WorkerWindow[], loadIntervalMs: number): MeasuredWindow[] {
  perWorker.sort((a, b) => a.start_ms - b.start_ms);
  const out: MeasuredWindow[] = [];
  let cur: (WorkerWindow & { workers: Set<string> }) | null = null;

  const flush = (): void => {
    if (!cur) return;
    const resolution = Math.max(cur.start_gap, cur.end_gap, loadIntervalMs);
    out.push({
      window: {
        start_ms: round01(cur.start_ms),
        end_ms: round01(cur.end_ms),
        duration_ms: round01(cur.end_ms - cur.start_ms),
        resolution_ms: round01(resolution),
        failed_ops: cur.failed_ops,
        workers: [...cur.workers].sort(),
      },
      first_fail_ms: cur.first_fail_ms,
      first_ack_ms: cur.closed ? round01(cur.end_ms) : null,
    });
  };

  for (const w of perWorker) {
    if (cur && w.start_ms <= cur.end_ms) {
      if (w.start_ms === cur.start_ms) cur.start_gap = Math.max(cur.start_gap, w.start_gap);
      if (w.end_ms > cur.end_ms) {
        cur.end_ms = w.end_ms;
        cur.end_gap = w.end_gap;
        cur.closed = w.closed;
      } else if (w.end_ms === cur.end_ms) {
        cur.end_gap = Math.max(cur.end_gap, w.end_gap);
        cur.closed = cur.closed && w.closed;
      }
      cur.failed_ops += w.failed_ops;
      cur.first_fail_ms = Math.min(cur.first_fail_ms, w.first_fail_ms);
      cur.workers.add(w.worker);
    } else {
      flush();
      cur = { ...w, workers: new Set([w.worker]) };
    }
  }
  flush();
  return out;
}

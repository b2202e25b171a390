import type { RecordedRun } from '../history/types.js';
import { accountWrites, writerByKey } from './accounting.js';
import { errorGroups } from './errors.js';
import { analyseFaults, faultsOf } from './faults.js';
import { round01 } from './format.js';
import { idGaps } from './gaps.js';
import { leaderHistory, recoveryPromotions } from './leaders.js';
import { logEvents, type LogEventKind } from './logs.js';
import { partition } from './records.js';
import { commitTimes, withServerGaps } from './server-gaps.js';
import { splitBrain } from './split-brain.js';
import type { Analysis } from './types.js';
import { measureAvailability } from './windows.js';

export type * from './types.js';
export { summarise, longestWindow, type AnalysisSummary } from './summary.js';
export { SEQ_LOG_VALS } from './gaps.js';

/** The model's inputs, not marks for the chart: the lock holder's loop starts, checkpoints, REST checks, etcd's lost peers. */
const EVIDENCE_ONLY: ReadonlySet<LogEventKind> = new Set(['ha_loop', 'checkpoint', 'failover_check', 'etcd_peer_lost']);

/** Everything derived from a recorded run; a pure function of it, so any run can be re-analysed. */
export function analyse(run: RecordedRun): Analysis {
  const { meta, final } = run;
  const rec = partition(run.history);
  const writes = rec.ops.filter((o) => o.op === 'write');
  const reads = rec.ops.filter((o) => o.op === 'read');

  const w = measureAvailability(writes, meta.ended_ms, meta.load_interval_ms);
  const r = measureAvailability(reads, meta.ended_ms, meta.load_interval_ms);
  const byKey = writerByKey(writes);
  const leaders = leaderHistory(rec.patroni);
  const split = splitBrain(rec.recovery);
  const logs = run.logs && meta.t0_wall ? logEvents(run.logs, Date.parse(meta.t0_wall)) : [];
  const promotions = recoveryPromotions(rec.recovery).map((p) => {
    // The log line is the server's own word on the same instant; it is matched, not substituted.
    const line = logs.find((l) => l.kind === 'promoted' && l.node === p.node && Math.abs(l.t_ms - p.at_ms) < 5000);
    return { node: p.node, t_ms: p.at_ms, resolution_ms: p.resolution_ms, ...(line ? { log_ms: line.t_ms } : {}) };
  });
  const windows = withServerGaps(w.availability.windows, commitTimes(final, meta));
  const { faults, outages } = analyseFaults({
    faults: faultsOf(rec.events),
    measured: w.measured,
    windows,
    logs,
    meta,
    patroni: rec.patroni,
    haproxy: rec.haproxy,
    leaders,
    promotions,
  });

  return {
    writes: { ...w.availability, windows, ...accountWrites(writes, final, byKey) },
    reads: r.availability,
    id_gaps: idGaps(writes, final, byKey, leaders.promotions),
    leader_changes: leaders.changes,
    timelines: leaders.timelines,
    split_brain: split,
    split_brain_ms: round01(split.reduce((sum, s) => sum + s.duration_ms, 0)),
    outages,
    faults,
    promotions,
    log_events: logs.filter((l) => !EVIDENCE_ONLY.has(l.kind)),
    errors: errorGroups(rec.ops),
  };
}

import type { RecordedRun } from '../history/types.js';
import { accountWrites, writerByKey } from './accounting.js';
import { errorGroups } from './errors.js';
import { faultsOf } from './faults.js';
import { round01 } from './format.js';
import { idGaps } from './gaps.js';
import { leaderHistory } from './leaders.js';
import { outagePhases } from './phases.js';
import { predictBound, predictions } from './prediction.js';
import { partition } from './records.js';
import { splitBrain } from './split-brain.js';
import type { Analysis } from './types.js';
import { measureAvailability } from './windows.js';

export type * from './types.js';
export { summarise, longestWindow, type AnalysisSummary } from './summary.js';
export { SEQ_LOG_VALS } from './gaps.js';

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
  const faults = faultsOf(rec.events);
  const bounds = faults.map((f) => predictBound(f, meta));

  return {
    writes: { ...w.availability, ...accountWrites(writes, final, byKey) },
    reads: r.availability,
    id_gaps: idGaps(writes, final, byKey, leaders.promotions),
    leader_changes: leaders.changes,
    timelines: leaders.timelines,
    split_brain: split,
    split_brain_ms: round01(split.reduce((sum, s) => sum + s.duration_ms, 0)),
    outages: outagePhases({
      windows: w.measured,
      faults,
      bounds,
      patroni: rec.patroni,
      haproxy: rec.haproxy,
      leaders,
      meta,
    }),
    predictions: predictions(faults, bounds, w.measured, meta),
    errors: errorGroups(rec.ops),
  };
}

import type { OperationRecord } from '../history/types.js';
import type { ErrorGroup } from './types.js';

/** Failed and indeterminate operations grouped by (op, error class, SQLSTATE), most frequent first. */
export function errorGroups(ops: readonly OperationRecord[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const op of ops) {
    if (op.outcome === 'ok') continue;
    // An indeterminate op may carry no error at all (the answer never came).
    const cls = op.error?.class ?? (op.outcome === 'indeterminate' ? 'no_answer' : 'unclassified');
    const sqlstate = op.error?.sqlstate;
    const id = JSON.stringify([op.op, cls, sqlstate ?? null]);
    const g = groups.get(id);
    if (g) g.count++;
    else {
      const group: ErrorGroup = { op: op.op, class: cls, count: 1, example: op.error?.message ?? '' };
      if (sqlstate !== undefined) group.sqlstate = sqlstate;
      groups.set(id, group);
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.op.localeCompare(b.op) || a.class.localeCompare(b.class));
}

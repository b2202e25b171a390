import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import type { OperationRecord } from '../../../src/history/types.js';
import { ERR, final, patroniRound, run, write } from './build.js';

/** Rows for ok writes (id from each op), in id order. */
function rowsOf(ops: OperationRecord[]): Array<[number, string]> {
  return ops.filter((o) => o.outcome === 'ok' && o.id !== undefined).map((o) => [o.id!, o.key!] as [number, string]);
}

const before = patroniRound(0, { patroni1: 'primary', patroni2: 'replica', patroni3: 'replica' }, 'patroni1', 1);

describe('id gaps', () => {
  it('explains a jump of 32 after a promotion by the sequence pre-log', () => {
    const ops = [
      write('w1', 1000, 'ok', { key: 'a', id: 10, node: 'patroni1' }),
      write('w1', 1100, 'failed', { key: 'b', error: ERR.refused! }),
      write('w1', 6000, 'ok', { key: 'c', id: 43, node: 'patroni2' }),
    ];
    const promoted = patroniRound(5000, { patroni1: null, patroni2: 'primary', patroni3: 'replica' }, 'patroni2', 2);
    const a = analyse(run([...before, ...ops, ...promoted], final(rowsOf(ops))));
    expect(a.id_gaps).toHaveLength(1);
    expect(a.id_gaps[0]).toMatchObject({ after_id: 10, before_id: 43, size: 32, cause: 'sequence_prelog', t_ms: 1002 });
    expect(a.id_gaps[0]!.explanation).toContain('patroni2 was promoted at 5.001 s');
  });

  it('calls the same jump unexplained when no promotion happened between the writes', () => {
    const ops = [write('w1', 1000, 'ok', { key: 'a', id: 10 }), write('w1', 1100, 'ok', { key: 'c', id: 43 })];
    const a = analyse(run([...before, ...ops], final(rowsOf(ops))));
    expect(a.id_gaps).toEqual([
      expect.objectContaining({ after_id: 10, before_id: 43, size: 32, cause: 'unexplained' }),
    ]);
    expect(a.id_gaps[0]!.explanation).toBe(
      "32 ids missing between 10 and 43, but only 0 writes failed or went unanswered between these rows' writes and no promotion was seen.",
    );
  });

  it('explains a gap by failed attempts that reached the server, not by refused connections', () => {
    const ops = [
      write('w1', 1000, 'ok', { key: 'a', id: 1 }),
      write('w1', 1100, 'indeterminate', { key: 'b', error: ERR.lost! }),
      write('w2', 1110, 'failed', { key: 'c', error: { class: 'sql', sqlstate: '23505', message: 'duplicate key' } }),
      write('w1', 1200, 'ok', { key: 'd', id: 4 }),
      // Two refused and one read-only: none of them called nextval() on the primary.
      write('w1', 1300, 'failed', { key: 'e', error: ERR.refused! }),
      write('w1', 1350, 'failed', { key: 'f', error: ERR.refused! }),
      write('w1', 1380, 'failed', { key: 'g', error: { class: 'sql', sqlstate: '25006', message: 'read-only transaction' } }),
      write('w1', 1400, 'ok', { key: 'h', id: 7 }),
    ];
    const a = analyse(run([...before, ...ops], final(rowsOf(ops))));
    expect(a.id_gaps.map((g) => [g.after_id, g.before_id, g.cause])).toEqual([
      [1, 4, 'failed_attempts'],
      [4, 7, 'unexplained'],
    ]);
    expect(a.id_gaps[0]!.explanation).toBe(
      "2 ids missing between 1 and 4: 2 writes failed or went unanswered between these rows' writes, each of which may have used an id.",
    );
  });

  it('does not count an indeterminate write that landed as a missing id', () => {
    const ops = [
      write('w1', 1000, 'ok', { key: 'a', id: 1 }),
      write('w1', 1100, 'indeterminate', { key: 'b', error: ERR.lost! }),
      write('w1', 1200, 'ok', { key: 'c', id: 4 }),
    ];
    const a = analyse(run([...before, ...ops], final([[1, 'a'], [2, 'b'], [4, 'c']])));
    expect(a.id_gaps).toEqual([expect.objectContaining({ after_id: 2, before_id: 4, size: 1, cause: 'unexplained' })]);
  });

  it('reports a gap at the start only when attempts failed before the first row', () => {
    const quiet = [write('w1', 1000, 'ok', { key: 'a', id: 5 })];
    expect(analyse(run([...before, ...quiet], final(rowsOf(quiet)))).id_gaps).toEqual([]);

    const failedFirst = [
      write('w1', 900, 'indeterminate', { key: 'x', error: ERR.timeout! }),
      write('w1', 1000, 'ok', { key: 'a', id: 2 }),
    ];
    expect(analyse(run([...before, ...failedFirst], final(rowsOf(failedFirst)))).id_gaps).toEqual([
      expect.objectContaining({ after_id: 0, before_id: 2, size: 1, cause: 'failed_attempts' }),
    ]);
  });

  it('takes rows written on different nodes as a sign of promotion, bounded by the pre-log plus failures', () => {
    const ops = [
      write('w1', 1000, 'ok', { key: 'a', id: 1, node: 'patroni1' }),
      write('w1', 1100, 'indeterminate', { key: 'b', error: ERR.lost! }),
      write('w1', 1200, 'ok', { key: 'c', id: 35, node: 'patroni2' }), // 33 missing = 32 + 1 failed
      write('w1', 1300, 'ok', { key: 'd', id: 70, node: 'patroni3' }), // 34 missing: too many
    ];
    const a = analyse(run([...before, ...ops], final(rowsOf(ops))));
    expect(a.id_gaps.map((g) => [g.size, g.cause])).toEqual([
      [33, 'sequence_prelog'],
      [34, 'unexplained'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import { final, run, write } from './build.js';

describe('data accounting', () => {
  it('finds a lost acknowledged write, recovered and absent indeterminate writes', () => {
    const history = [
      write('w1', 100, 'ok', { key: 'a', id: 1 }),
      write('w1', 200, 'ok', { key: 'b', id: 2 }), // acknowledged, then missing: lost
      write('w1', 300, 'indeterminate', { key: 'c' }), // committed after all: recovered
      write('w1', 400, 'indeterminate', { key: 'd' }), // never committed
      write('w1', 500, 'ok', { key: 'e', id: 5 }),
    ];
    const a = analyse(run(history, final([[1, 'a'], [3, 'c'], [5, 'e']])));
    expect(a.writes).toMatchObject({
      accounted: true,
      acknowledged: 3,
      lost: 1,
      lost_keys: ['b'],
      recovered: 1,
      indeterminate_absent: 1,
      unexpected: 0,
      duplicates: 0,
      failed_present: 0,
    });
  });

  it('reports rows never attempted, duplicates, and definite failures that are present anyway', () => {
    const history = [
      write('w1', 100, 'ok', { key: 'a', id: 1 }),
      write('w1', 200, 'failed', { key: 'b' }),
      write('w1', 300, 'ok', { key: 'c', id: 3 }),
    ];
    const rows: Array<[number, string]> = [[1, 'a'], [2, 'b'], [3, 'c'], [3, 'c'], [4, 'zz']];
    const a = analyse(run(history, final(rows)));
    expect(a.writes).toMatchObject({ lost: 0, failed_present: 1, unexpected: 1, duplicates: 1 });
  });

  it('judges a retried key by its best attempt', () => {
    const history = [
      write('w1', 100, 'failed', { key: 'a' }),
      write('w1', 200, 'ok', { key: 'a', id: 1 }),
    ];
    const a = analyse(run(history, final([[1, 'a']])));
    expect(a.writes).toMatchObject({ acknowledged: 1, lost: 0, failed_present: 0 });
  });

  it('cannot account without a final read', () => {
    const a = analyse(run([write('w1', 100, 'ok', { key: 'a', id: 1 })], null));
    expect(a.writes).toMatchObject({ accounted: false, acknowledged: 1, lost: 0, lost_keys: [] });
    expect(a.id_gaps).toEqual([]);
  });
});

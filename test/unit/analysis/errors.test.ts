import { describe, expect, it } from 'vitest';
import { analyse } from '../../../src/analysis/index.js';
import { ERR, read, run, write } from './build.js';

describe('error groups', () => {
  it('groups failures by op, class and SQLSTATE, most frequent first', () => {
    const history = [
      write('w1', 0, 'failed', { error: ERR.refused! }),
      write('w1', 50, 'failed', { error: { ...ERR.refused!, message: 'connect ECONNREFUSED 127.0.0.1:5001' } }),
      write('w1', 100, 'failed', { error: ERR.readOnly! }),
      write('w1', 150, 'indeterminate', { error: undefined }),
      read('r1', 0, 'failed', { error: ERR.refused! }),
      write('w1', 200, 'ok'),
    ];
    expect(analyse(run(history)).errors).toEqual([
      { op: 'write', class: 'connect_refused', count: 2, example: 'connect ECONNREFUSED 127.0.0.1:5000' },
      { op: 'read', class: 'connect_refused', count: 1, example: 'connect ECONNREFUSED 127.0.0.1:5000' },
      { op: 'write', class: 'read_only', sqlstate: '25006', count: 1, example: 'cannot execute INSERT in a read-only transaction' },
      { op: 'write', class: 'timeout', count: 1, example: 'Query read timeout' },
    ]);
  });
});

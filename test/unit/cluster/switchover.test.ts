import { describe, expect, it } from 'vitest';
import { switchover } from '../../../src/cluster/switchover.js';

// What patronictl 4.0.7 printed, exit status 0 both times, in a synchronous_mode cluster.
const REFUSED = 'Switchover failed, details: 412, candidate name does not match with sync_standby\n';
const DONE = '2026-12-07 13:40:01.123456 Successfully switched over to "patroni3"\n';

const driver = (out: string) => ({ patronictl: async () => out });

describe('switchover', () => {
  it('fails when Patroni refuses, although patronictl exits 0', async () => {
    await expect(switchover(driver(REFUSED), 'patroni1', 'patroni2')).rejects.toThrow(
      'Patroni refused the switchover patroni1 → patroni2: 412, candidate name does not match with sync_standby',
    );
  });

  it('returns when Patroni switched over', async () => {
    await expect(switchover(driver(DONE), 'patroni1', 'patroni3')).resolves.toBeUndefined();
  });
});

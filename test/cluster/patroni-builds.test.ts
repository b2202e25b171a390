import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../src/cluster/local/driver.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/runner.js';
import type { Results } from '../../src/results/types.js';

/**
 * The lost-write checker's positive control: Patroni 3.0.2 with the etcd3 DCS, when a leader frozen
 * and cut off past ttl (leader-freeze) comes back, overwrites the new leader's key from its stale
 * cache, and acknowledged writes are rewound away (fixed in 3.0.3). The same experiment file on the
 * default build (4.0.7) loses nothing.
 * leader-pause alone reproduced it only when the thawed leader's loop beat its own cache thread to
 * the events etcd had sent during the pause (2 of 8 runs here); with the network cut as well those
 * events arrive only after the loop has read the stale cache: 3 of 3 runs lost 795–814 rows. A second
 * attempt is allowed all the same, and the test prints what each lost.
 */
const ATTEMPTS = 2;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function leaderFreeze(patroni?: string): Promise<Results> {
  const exp = await loadExperiment('leader-freeze');
  const dir = await mkdtemp(path.join(tmpdir(), `drill-leader-freeze-${patroni ?? 'default'}-`));
  dirs.push(dir);
  return runExperiment(patroni ? { ...exp, cluster: { ...exp.cluster, patroni } } : exp, { driver: new LocalDriver(), outDir: dir });
}

describe('leader-freeze on two Patroni builds', () => {
  it('Patroni 3.0.2 loses acknowledged writes and the drill fails on lost_writes', async () => {
    let results: Results | null = null;
    const seen: number[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      results = await leaderFreeze('3.0.2');
      expect(results.error).toBeUndefined();
      expect(results.versions.patroni).toBe('3.0.2');
      seen.push(results.analysis.writes.lost);
      if (results.analysis.writes.lost > 0) break;
    }
    console.log(`Patroni 3.0.2: lost acknowledged writes per attempt: ${seen.join(', ')}`);
    expect(results!.analysis.writes.lost).toBeGreaterThan(0);
    expect(results!.verdict).toBe('fail');
    expect(results!.assertions.find((a) => a.name.startsWith('lost'))?.passed).toBe(false);
  });

  it('the default build (4.0.7) loses nothing and passes the same file', async () => {
    const results = await leaderFreeze();
    expect(results.versions.patroni).toMatch(/^4\.0\./);
    expect(results.error).toBeUndefined();
    expect(results.analysis.writes.lost).toBe(0);
    expect(results.analysis.writes.acknowledged).toBeGreaterThan(100);
    expect(results.verdict).toBe('pass');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDriver } from '../../src/cluster/local/driver.js';
import { NET } from '../../src/cluster/local/netns.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { ClusterPool } from '../../src/experiment/reuse.js';
import { runExperiment } from '../../src/experiment/runner.js';

const FILE = fileURLToPath(new URL('./fixtures/short-leader-stop.yaml', import.meta.url));

let root: string | null = null;
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('drills sharing one cluster', () => {
  it('restores the baseline between runs: the original leader back, a fresh table, no second up', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'drill-reuse-'));
    const exp = await loadExperiment(FILE);
    const driver = new LocalDriver();
    const said: string[] = [];
    const pool = new ClusterPool(driver, (m) => said.push(m));
    const runnerSaid: string[] = [];
    try {
      const first = await runExperiment(exp, { driver, outDir: path.join(root, '1'), cluster: pool, progress: (m) => runnerSaid.push(m) });
      expect(first.verdict, first.error).toBe('pass');
      const second = await runExperiment(exp, { driver, outDir: path.join(root, '2'), cluster: pool, progress: (m) => runnerSaid.push(m) });
      expect(second.verdict, second.error).toBe('pass');

      expect(said).toContain('restoring the cluster to its baseline');
      expect(said.some((m) => m.startsWith('  switchover '))).toBe(true);
      // The baseline is checked after the restore, not assumed from the commands having succeeded.
      expect(said.some((m) => m.startsWith('baseline restored in '))).toBe(true);
      // One `up` for both runs.
      expect(runnerSaid.filter((m) => m.includes('creating network namespaces'))).toHaveLength(1);
      const leader = (rows: typeof first.members_before) => rows.find((r) => /leader|master|primary/i.test(r.role))?.name;
      expect(leader(second.members_before)).toBe(leader(first.members_before));
      // The table was recreated: every row of the second run's final read is one of its own writes.
      expect(second.analysis.writes.accounted).toBe(true);
      expect(second.analysis.writes.unexpected).toBe(0);
    } finally {
      await pool.close();
    }
    const netns = await execa('ip', ['netns', 'list']);
    expect(netns.stdout.split('\n').filter((l) => l.startsWith(NET.prefix))).toEqual([]);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { LocalDriver } from '../../src/cluster/local/driver.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/runner.js';
import { readHistory } from '../../src/history/store.js';
import type { Results } from '../../src/results/types.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Each fault's timing against its prediction, with the terms: all a failed run on CI leaves to read. */
function faultsOf(results: Results): string {
  return results.analysis.faults
    .map((f) => {
      const p = f.predicted;
      const head = `${f.fault}: effective ${f.effective_ms} ms (${f.effective_source}), healed ${f.healed_ms} ms, observed ${f.observed_ms} ms, predicted ${p ? `[${p.lo_ms}, ${p.hi_ms}]` : 'none'}`;
      return [head, ...(p?.terms ?? []).map((t) => `    ${t.lo_ms} … ${t.hi_ms}  ${t.label}`)].join('\n');
    })
    .join('\n');
}

async function run(name: string): Promise<{ results: Results; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), `drill-${name}-`));
  dirs.push(dir);
  let results: Results | undefined;
  // A failed run keeps its folder, and its faults go to the log, which is all CI's machine leaves.
  onTestFailed(() => {
    dirs.splice(dirs.indexOf(dir), 1);
    console.error(`${name}: run folder kept at ${dir}\n${results ? faultsOf(results) : 'no results'}`);
  });
  results = await runExperiment(await loadExperiment(name), { driver: new LocalDriver(), outDir: dir });
  return { results, dir };
}

describe('experiments on a real local cluster', () => {
  it('leader-stop: a replica takes over within the predicted bound and nothing is lost', async () => {
    const { results, dir } = await run('leader-stop');
    const failed = results.assertions.filter((a) => !a.passed);
    expect(results.error).toBeUndefined();
    expect(failed).toEqual([]);
    expect(results.verdict).toBe('pass');

    const w = results.analysis.writes;
    expect(w.windows.length).toBeGreaterThanOrEqual(1);
    expect(w.windows[0]!.duration_ms).toBeGreaterThan(500);
    // Writers start an attempt every 12.5 ms between them, also while earlier ones hang; the rest is
    // the runner's own scheduling on a busy 2-core machine (12–60 ms measured at both edges).
    expect(w.resolution_ms).toBeLessThanOrEqual(100);
    expect(w.acknowledged).toBeGreaterThan(200);
    expect(w.lost).toBe(0);
    expect(results.analysis.leader_changes.length).toBeGreaterThanOrEqual(1);
    expect(results.versions.patroni).toMatch(/^4\./);

    // The results file and the raw history beside it, as the issue names them.
    const onDisk = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8')) as Results;
    for (const key of ['experiment', 'verdict', 'versions', 'config', 'events', 'analysis', 'assertions'] as const) expect(onDisk).toHaveProperty(key);
    const history = await readHistory(path.join(dir, 'history.ndjson'));
    expect(history.filter((r) => r.type === 'op').length).toBe(w.attempts + results.analysis.reads.attempts);
    expect(history.some((r) => r.type === 'recovery')).toBe(true);
    expect(history.some((r) => r.type === 'haproxy')).toBe(true);
  });

  it('etcd-quorum-loss: the leader demotes itself, writes are refused, not lost, and come back after quorum', async () => {
    const { results } = await run('etcd-quorum-loss');
    expect(results.error).toBeUndefined();
    expect(results.assertions.filter((a) => !a.passed)).toEqual([]);
    const w = results.analysis.writes;
    expect(w.windows.length).toBeGreaterThanOrEqual(1);
    // Writes were refused (read-only or no server), not left hanging: definite failures.
    expect(w.failed).toBeGreaterThan(0);
    expect(w.lost).toBe(0);
    expect(results.analysis.reads.windows.every((r) => r.duration_ms < 2000)).toBe(true);
    expect(results.analysis.split_brain_ms).toBe(0);
  });
});

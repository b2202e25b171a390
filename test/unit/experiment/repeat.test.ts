import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distribution, phaseDurations, repeatRun, summariseRepeats, type RepeatRun } from '../../../src/experiment/repeat.js';
import { formatRepeatSummary } from '../../../src/experiment/summary.js';
import { renderRepeatSummary } from '../../../src/report/repeat.js';
import { loadResults } from '../../../src/report/load.js';
import type { Results } from '../../../src/results/types.js';
import { copyFixtures, RUN } from '../report/helpers.js';

const run = (folder: string, verdict: RepeatRun['verdict'], outage: number | null, lost: number | null = 0, phases: Record<string, number> = {}, duration_ms = 60_000): RepeatRun => ({
  folder,
  verdict,
  write_outage_ms: outage,
  phases_ms: phases,
  lost,
  duration_ms,
});

describe('distribution', () => {
  it('gives min, median, nearest-rank p95 and max', () => {
    expect(distribution([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, p95: 3, max: 3 });
    expect(distribution([4, 1, 3, 2])).toEqual({ n: 4, min: 1, median: 2.5, p95: 4, max: 4 });
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(distribution(twenty)?.p95).toBe(19);
  });

  it('has nothing to say about no values', () => {
    expect(distribution([])).toBeNull();
  });
});

describe('summariseRepeats', () => {
  it('is not flaky when every verdict agrees, and adds up the lost writes', () => {
    const s = summariseRepeats('leader-crash', [run('run-1', 'pass', 19_000, 0), run('run-2', 'pass', 21_000, 2), run('run-3', 'pass', 20_000, null)]);
    expect(s.flaky).toBe(false);
    expect(s.differing).toEqual([]);
    expect(s.verdicts).toEqual({ pass: 3, fail: 0, error: 0 });
    expect(s.write_outage_ms).toEqual({ n: 3, min: 19_000, median: 20_000, p95: 21_000, max: 21_000 });
    expect(s.lost_writes).toBe(2);
  });

  it('calls a drill flaky and names the runs whose verdict is not the usual one', () => {
    const s = summariseRepeats('lossy-leader', [run('run-1', 'pass', 0), run('run-2', 'fail', 3_000), run('run-3', 'pass', 0), run('run-4', 'error', null)]);
    expect(s.flaky).toBe(true);
    expect(s.differing).toEqual(['run-2', 'run-4']);
    expect(s.write_outage_ms?.n).toBe(3);
  });

  it('adds up the runs\' own durations and divides the wall time by them', () => {
    const s = summariseRepeats('leader-stop', [run('a', 'pass', 0, 0, {}, 50_000), run('b', 'pass', 0, 0, {}, 70_000)], 150_000);
    expect(s.drill_ms).toBe(120_000);
    expect(s.wall_ms).toBe(150_000);
    expect(s.wall_ratio).toBe(1.25);
    expect(summariseRepeats('leader-stop', [run('a', 'pass', 0)]).wall_ratio).toBeNull();
    expect(formatRepeatSummary(s, 'out')).toMatch(/time +runs' own 120\.00 s, wall 150\.00 s \(× 1\.25\)/);
  });

  it('summarises each phase over the runs that saw it', () => {
    const s = summariseRepeats('leader-stop', [run('a', 'pass', 3_000, 0, { detection: 100, routing: 500 }), run('b', 'pass', 3_200, 0, { detection: 300 })]);
    expect(s.phases_ms.detection).toEqual({ n: 2, min: 100, median: 200, p95: 300, max: 300 });
    expect(s.phases_ms.routing?.n).toBe(1);
  });
});

describe('a repeated drill summary from recorded runs', () => {
  let root: string;
  let crash: Results;
  let error: Results;
  beforeAll(async () => {
    root = await copyFixtures();
    crash = (await loadResults(path.join(root, RUN.crash))).results;
    error = (await loadResults(path.join(root, RUN.error))).results;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('takes the phases of the longest outage as durations', () => {
    const phases = phaseDurations(crash);
    expect(Object.keys(phases).length).toBeGreaterThan(0);
    for (const v of Object.values(phases)) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('renders summary.md and summary.html with the spread chart and links to the differing run', async () => {
    const summary = summariseRepeats('leader-crash', [repeatRun(RUN.crash, crash), repeatRun(RUN.crashOld, crash), repeatRun(RUN.error, error)]);
    expect(summary.flaky).toBe(true);
    await renderRepeatSummary(root, summary, 'en');
    const md = await readFile(path.join(root, 'summary.md'), 'utf8');
    expect(md).toContain('Flaky');
    expect(md).toContain(`(${RUN.error}/report.md)`);
    expect(md).toMatch(/\| write outage \| 2 \|/);
    expect(md).toContain('![Spread over the repeats](chart-repeat-spread.png)');
    const png = await readFile(path.join(root, 'chart-repeat-spread.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const html = await readFile(path.join(root, 'summary.html'), 'utf8');
    expect(html.includes('id="chart-repeat-spread"')).toBe(true);
    await renderRepeatSummary(root, summary, 'ru');
    expect(await readFile(path.join(root, 'summary.md'), 'utf8')).toContain('Нестабильно');
  });
});

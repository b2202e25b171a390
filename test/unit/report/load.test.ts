import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun, normaliseResults } from '../../../src/report/load.js';
import { FIXTURE_RUNS, RUN } from './helpers.js';

describe('the results reader', () => {
  it('fills what a run that ended in error lacks, and says what was missing', () => {
    const { results, missing } = normaliseResults({ schema_version: 2, experiment: 'x', verdict: 'error', error: 'boom', analysis: { writes: { attempts: 3 } } }, 'folder');
    expect(missing).toEqual(['members_before', 'members_after', 'events']);
    expect(results.analysis.writes.attempts).toBe(3);
    expect(results.analysis.writes.windows).toEqual([]);
    expect(results.analysis.writes.accounted).toBe(false);
    expect(results.analysis.reads.windows).toEqual([]);
    expect(results.analysis.id_gaps).toEqual([]);
    expect(results.error).toBe('boom');
    expect(Number.isNaN(results.config.ttl)).toBe(true);
  });

  it('treats a results.json without a verdict as an error, and says what was missing', () => {
    const { results, missing } = normaliseResults({ schema_version: 2, experiment: 'e' }, 'folder');
    expect(results.verdict).toBe('error');
    expect(missing).toContain('analysis');
    expect(missing).toContain('verdict');
  });

  it('refuses an old, a foreign or a malformed results.json with a message naming the file and field', () => {
    expect(() => normaliseResults({}, 'folder')).toThrow('folder/results.json: not a patroni-drill results.json (no schema_version or experiment field)');
    expect(() => normaliseResults({ schema_version: 1, experiment: 'e' }, 'folder')).toThrow('folder/results.json: results schema_version 1, this patroni-drill reads 2 (written by an older patroni-drill: run the drill again)');
    expect(() => normaliseResults({ schema_version: 2, experiment: 'e', analysis: { writes: { windows: [{ start_ms: 'x' }] } } }, 'folder')).toThrow(/^folder\/results\.json: analysis\.writes\.windows\.0\.start_ms: /);
  });
});

describe('loadRun', () => {
  it('keeps every line of a history cut off mid-line, and notes the cut', async () => {
    const run = await loadRun(path.join(FIXTURE_RUNS, RUN.error));
    expect(run.skipped_lines).toBe(1);
    expect(run.missing).toEqual(['analysis', 'members_after', 'history_truncated']);
    expect(run.history!.length).toBeGreaterThan(100);
    expect(run.results.verdict).toBe('error');
  });

  it('renders without a history file, saying so', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'report-load-'));
    await writeFile(path.join(dir, 'results.json'), JSON.stringify({ schema_version: 2, experiment: 'e', verdict: 'pass' }));
    try {
      const run = await loadRun(dir);
      expect(run.history).toBeNull();
      expect(run.missing).toContain('history');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

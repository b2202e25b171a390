import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_FILE, History } from '../../../src/history/store.js';
import type { EventRecord } from '../../../src/history/types.js';

const event = (t_ms: number): EventRecord => ({ type: 'event', t_ms, phase: 'begin', action: 'wait', step: 0 });

describe('the history file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'history-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('streams every record as one line', async () => {
    const h = new History();
    h.add(event(1));
    h.toFile(dir);
    h.add(event(2));
    await h.close();
    const lines = (await readFile(path.join(dir, HISTORY_FILE), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as EventRecord).t_ms)).toEqual([1, 2]);
    expect(h.error).toBeNull();
  });

  it('turns a full disk into one reported error, keeps the records in memory, and closes without throwing', async () => {
    // /dev/full answers every write with ENOSPC, as a full filesystem does.
    await symlink('/dev/full', path.join(dir, HISTORY_FILE));
    const h = new History();
    const seen: string[] = [];
    h.onError((err) => seen.push(err.message));
    h.toFile(dir);
    for (let i = 0; i < 100; i++) h.add(event(i));
    await new Promise((r) => setTimeout(r, 100));
    h.add(event(100));
    await h.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/writing history\.ndjson failed: .*ENOSPC/);
    expect(h.error?.message).toBe(seen[0]);
    expect(h.records).toHaveLength(101);
  });

  it('tells a listener added after the failure at once', async () => {
    await symlink('/dev/full', path.join(dir, HISTORY_FILE));
    const h = new History();
    h.toFile(dir);
    h.add(event(1));
    await h.close();
    const late: string[] = [];
    h.onError((err) => late.push(err.message));
    expect(late).toHaveLength(1);
  });
});

import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportQueue } from '../../../src/experiment/report-queue.js';
import { copyFixtures, RUN } from '../report/helpers.js';

describe('ReportQueue', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyFixtures();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('renders queued runs in a child process and names the folders it could not render', async () => {
    const good = path.join(root, RUN.crash);
    await rm(path.join(good, 'report.md'), { force: true });
    const queue = new ReportQueue('en');
    queue.add(good);
    queue.add(path.join(root, 'no-such-run'));
    const failures = await queue.done();
    expect(await readFile(path.join(good, 'report.md'), 'utf8')).toContain('leader-crash');
    expect((await stat(path.join(good, 'report.html'))).size).toBeGreaterThan(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('no-such-run');
    expect(await queue.done()).toEqual(failures);
  }, 120_000);
});

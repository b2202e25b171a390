import { cp, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_RUNS = fileURLToPath(new URL('../../fixtures/runs/', import.meta.url));

export const RUN = {
  crashOld: '20251118T091500-leader-crash',
  crash: '20251120T101000-leader-crash',
  quorum: '20251120T102000-etcd-quorum-loss',
  haproxy: '20251120T103000-haproxy-stop',
  splitBrain: '20251120T104000-patroni-kill-direct-client',
  error: '20251120T105000-leader-pause-error',
} as const;

/** A private copy of the recorded runs: rendering writes into run folders. */
export async function copyFixtures(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'report-test-'));
  for (const name of await readdir(FIXTURE_RUNS)) await cp(path.join(FIXTURE_RUNS, name), path.join(dir, name), { recursive: true });
  return dir;
}

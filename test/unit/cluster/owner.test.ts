import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnerLock } from '../../../src/cluster/local/owner.js';

/** Another process holding the lock the way a runner does: flock(1) on the file, kept while it lives. */
async function holdInAnotherProcess(file: string) {
  const child = spawn('flock', ['--nonblock', '--exclusive', file, 'sh', '-c', `echo $$ > "${file}"; echo held; exec sleep 60`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  // flock and the command it runs both keep the descriptor: the whole group goes, as a killed runner's would.
  return { kill: () => process.kill(-child.pid!, 'SIGKILL'), exited: new Promise((r) => child.once('exit', r)) };
}

describe('the local cluster has one owner at a time', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'owner-'));
    file = path.join(dir, 'local.owner');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is taken by this process, again without harm, and given back', async () => {
    const lock = new OwnerLock(file);
    await lock.acquire();
    expect(await readFile(file, 'utf8')).toBe(String(process.pid));
    await lock.acquire();
    await lock.release();
    await new OwnerLock(file).acquire();
  });

  it('is exclusive: of two takers at the same moment exactly one wins', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => new OwnerLock(file).acquire()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual(
      Array(7).fill(expect.stringMatching(/another patroni-drill process \((pid \d+|unknown pid)\)/)),
    );
  });

  it('refuses while another live process holds it, naming it', async () => {
    const holder = await holdInAnotherProcess(file);
    try {
      await expect(new OwnerLock(file).acquire()).rejects.toThrow(/another patroni-drill process \(pid \d+\) .*kill -INT \d+/);
    } finally {
      holder.kill();
    }
  });

  it('is free again the moment its holder is killed with SIGKILL', async () => {
    const holder = await holdInAnotherProcess(file);
    await expect(new OwnerLock(file).acquire()).rejects.toThrow(/another patroni-drill process/);
    holder.kill();
    await holder.exited;
    // The holder's PID is still in the file: the kernel's lock, not the file, decides.
    expect((await readFile(file, 'utf8')).trim()).not.toBe('');
    const lock = new OwnerLock(file);
    await lock.acquire();
    expect(await readFile(file, 'utf8')).toBe(String(process.pid));
    await lock.release();
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OwnerLock } from '../../../src/cluster/local/owner.js';

describe('the local cluster has one owner at a time', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'owner-'));
    file = path.join(dir, 'local.owner');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is taken by this process and given back', async () => {
    const lock = new OwnerLock(file);
    await lock.acquire();
    expect(await readFile(file, 'utf8')).toBe(String(process.pid));
    await lock.acquire();
    await lock.release();
    await expect(readFile(file, 'utf8')).rejects.toThrow();
  });

  it('refuses while another live process holds it, naming it', async () => {
    // PID 1 is always alive and never this test.
    await writeFile(file, '1');
    await expect(new OwnerLock(file).acquire()).rejects.toThrow(/another patroni-drill process \(pid 1\)/);
  });

  it('takes over from a holder that died', async () => {
    await writeFile(file, '2147483646');
    await new OwnerLock(file).acquire();
    expect(await readFile(file, 'utf8')).toBe(String(process.pid));
  });

  it('does not give back what another process holds', async () => {
    await writeFile(file, '1');
    await new OwnerLock(file).release();
    expect(await readFile(file, 'utf8')).toBe('1');
  });
});

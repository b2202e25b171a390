import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from '../../util/time.js';
import { LAB } from './lab.js';

/**
 * One cgroup v2 group per node. The postmaster is re-parented away from Patroni, so "kill the node"
 * and "pause the node" must reach every process the node started: cgroup.kill and cgroup.freeze do it
 * in one write, and a crashed run's processes are found again by their group, not by name.
 */
let rootCache: string | null = null;

async function cgroup2Root(): Promise<string> {
  if (rootCache) return rootCache;
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const line = mounts.split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  const mountPoint = line?.split(' ')[1];
  if (!mountPoint) throw new Error('no cgroup v2 hierarchy is mounted (needed to kill and freeze whole nodes)');
  rootCache = path.join(mountPoint, LAB.cgroup);
  return rootCache;
}

/** A node's group ("patroni1") or one of its components' ("patroni1/pgbouncer"). */
export async function cgroupPath(group: string): Promise<string> {
  return path.join(await cgroup2Root(), group);
}

export async function createCgroup(node: string): Promise<string> {
  const p = await cgroupPath(node);
  await mkdir(p, { recursive: true });
  return p;
}

export async function pids(node: string): Promise<number[]> {
  try {
    const text = await readFile(path.join(await cgroupPath(node), 'cgroup.procs'), 'utf8');
    return text.split('\n').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function freeze(node: string, frozen: boolean): Promise<void> {
  const p = await cgroupPath(node);
  await writeFile(path.join(p, 'cgroup.freeze'), frozen ? '1' : '0');
  // The write returns before every task has stopped; wait for the kernel to say so.
  for (let i = 0; i < 100; i++) {
    const events = await readFile(path.join(p, 'cgroup.events'), 'utf8');
    if (events.includes(`frozen ${frozen ? 1 : 0}`)) return;
    await sleep(10);
  }
  throw new Error(`cgroup of ${node} did not ${frozen ? 'freeze' : 'thaw'}`);
}

/** SIGKILLs every process of the node and waits until the group is empty. */
export async function killAll(node: string): Promise<void> {
  const p = await cgroupPath(node);
  try {
    await writeFile(path.join(p, 'cgroup.kill'), '1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (let i = 0; i < 500; i++) {
    const events = await readFile(path.join(p, 'cgroup.events'), 'utf8');
    if (events.includes('populated 0')) return;
    await sleep(10);
  }
  throw new Error(`processes of ${node} survived SIGKILL for 5 s`);
}

async function subgroups(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function removeTree(dir: string): Promise<void> {
  for (const child of await subgroups(dir)) await removeTree(child);
  // A killed task stays in its group until its parent reaps it: the runner for a daemon it restarted,
  // PID 1 for a re-parented postmaster, which on a loaded machine has taken more than 5 s.
  for (let i = 0; ; i++) {
    try {
      return await rmdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
      if (i >= 300) throw new Error(`${dir} still holds unreaped processes after 30 s (${(await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).trim().split('\n').join(', ') || 'none listed'})`, { cause: err });
      await sleep(100);
    }
  }
}

/** Kills (cgroup.kill reaches descendants) and removes every group under the project's parent group. */
export async function destroyAll(): Promise<void> {
  const root = await cgroup2Root();
  const nodes = await subgroups(root);
  await Promise.all(nodes.map((n) => killAll(path.relative(root, n))));
  for (const n of nodes) await removeTree(n);
  await rmdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { cgroupPath } from './cgroup.js';
import { LAB } from './lab.js';

/**
 * CPU quotas need the cpu controller, which this kernel has only in cgroup v1 (the v2 hierarchy has
 * none): a starved node's processes move into a v1 cpu group of the lab with a CFS quota, and back
 * to the lab's unlimited v1 group on heal. Children forked later (PostgreSQL backends) inherit it.
 * A node has one quota: with several cpu-starve injections open on it, the quota is the smallest of
 * theirs (a record per node says whose), and healing one leaves the others' in force.
 */
const V1_CPU = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

const labGroup = () => path.join(V1_CPU, LAB.cgroup);
const nodeGroup = (node: string) => path.join(labGroup(), node);

/** Every process of the node, across its component groups in the v2 tree. */
async function nodePids(node: string): Promise<number[]> {
  const out: number[] = [];
  const walk = async (dir: string): Promise<void> => {
    const procs = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    out.push(...procs.split('\n').filter(Boolean).map(Number));
    const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const c of children) if (c.isDirectory()) await walk(path.join(dir, c.name));
  };
  await walk(await cgroupPath(node));
  return out;
}

async function moveAll(pids: number[], group: string): Promise<void> {
  for (const pid of pids) {
    // A process may have exited since it was listed.
    await writeFile(path.join(group, 'cgroup.procs'), String(pid)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ESRCH') throw err;
    });
  }
}

/** The open cpu-starve injections of a node: tag → percent of one core. */
const recordFile = (node: string) => path.join(LAB.base, 'cpu-starve', `${node}.json`);

async function readRecord(node: string): Promise<Record<FaultTag, number>> {
  const text = await readFile(recordFile(node), 'utf8').catch(() => '{}');
  return JSON.parse(text) as Record<FaultTag, number>;
}

async function writeRecord(node: string, record: Record<FaultTag, number>): Promise<void> {
  await mkdir(path.dirname(recordFile(node)), { recursive: true });
  await writeFile(recordFile(node), JSON.stringify(record));
}

const quotaUs = (pct: number) => Math.max(1000, Math.round((PERIOD_US * pct) / 100));

export async function starve(node: string, pct: number, tag: FaultTag = ''): Promise<string> {
  await readFile(path.join(V1_CPU, 'cpu.cfs_quota_us'), 'utf8').catch(() => {
    throw new Error(`cpu-starve needs the cgroup v1 cpu controller at ${V1_CPU}`);
  });
  const record = { ...(await readRecord(node)), [tag]: pct };
  await writeRecord(node, record);
  const effective = Math.min(...Object.values(record));
  const group = nodeGroup(node);
  await mkdir(group, { recursive: true });
  await writeFile(path.join(group, 'cpu.cfs_period_us'), String(PERIOD_US));
  await writeFile(path.join(group, 'cpu.cfs_quota_us'), String(quotaUs(effective)));
  const pids = await nodePids(node);
  await moveAll(pids, group);
  const others = Object.keys(record).length - 1;
  return (
    `cgroup v1 cpu.cfs_quota_us ${quotaUs(effective)}/${PERIOD_US} (${effective}% of one core) on ${pids.length} processes` +
    (others ? ` (the smallest of ${others + 1} open cpu-starve injections on ${node}; this one asked ${pct}%)` : '')
  );
}

/** Lifts the tag's quota: the node's quota becomes the smallest still open, or none. */
export async function feed(node: string, tag: FaultTag = ''): Promise<void> {
  const record = await readRecord(node);
  delete record[tag];
  if (Object.keys(record).length > 0) {
    await writeRecord(node, record);
    await writeFile(path.join(nodeGroup(node), 'cpu.cfs_quota_us'), String(quotaUs(Math.min(...Object.values(record)))));
    return;
  }
  await rm(recordFile(node), { force: true });
  await release(node);
}

/** Every process of the node back to the lab's unlimited group, and the node's group gone. */
async function release(node: string): Promise<void> {
  const group = nodeGroup(node);
  const procs = await readFile(path.join(group, 'cgroup.procs'), 'utf8').catch(() => null);
  if (procs === null) return;
  await moveAll(procs.split('\n').filter(Boolean).map(Number), labGroup());
  await rmdir(group);
}

/** Removes the lab's v1 cpu groups once their processes are gone (after the v2 teardown killed them). */
export async function removeCpuGroups(): Promise<void> {
  const lab = labGroup();
  const nodes = await readdir(lab, { withFileTypes: true }).catch(() => []);
  for (const n of nodes) if (n.isDirectory()) await release(n.name);
  await rm(path.join(LAB.base, 'cpu-starve'), { recursive: true, force: true });
  await rmdir(lab).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

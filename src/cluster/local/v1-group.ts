import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { cgroupPath } from './cgroup.js';
import { LAB } from './lab.js';

/**
 * A node's processes in a cgroup v1 controller's hierarchy (this kernel has cpu and blkio only in v1):
 * one group per node under the lab's group, holding every process of the node while a fault is open,
 * and a record per node of the open injections (tag → their settings), so several of one kind on one
 * node combine and healing one leaves the others in force. Children forked later (PostgreSQL
 * backends) inherit the group.
 */
export class V1Groups<Setting> {
  constructor(
    private readonly controller: 'cpu' | 'blkio',
    /** The fault kind, naming the records' folder. */
    private readonly kind: string,
  ) {}

  get root(): string {
    return path.join('/sys/fs/cgroup', this.controller);
  }

  private labGroup(): string {
    return path.join(this.root, LAB.cgroup);
  }

  group(node: string): string {
    return path.join(this.labGroup(), node);
  }

  private recordFile(node: string): string {
    return path.join(LAB.base, this.kind, `${node}.json`);
  }

  async readRecord(node: string): Promise<Record<FaultTag, Setting>> {
    const text = await readFile(this.recordFile(node), 'utf8').catch(() => '{}');
    return JSON.parse(text) as Record<FaultTag, Setting>;
  }

  /** Stores the node's open injections; none left removes the record. */
  async writeRecord(node: string, record: Record<FaultTag, Setting>): Promise<void> {
    if (Object.keys(record).length === 0) return rm(this.recordFile(node), { force: true });
    await mkdir(path.dirname(this.recordFile(node)), { recursive: true });
    await writeFile(this.recordFile(node), JSON.stringify(record));
  }

  /** Creates the node's group, sets its limits, then moves every process of the node into it; returns how many. */
  async enter(node: string, limit: (group: string) => Promise<void>): Promise<number> {
    const group = this.group(node);
    await mkdir(group, { recursive: true });
    await limit(group);
    const pids = await nodePids(node);
    await moveAll(pids, group);
    return pids.length;
  }

  /** Every process of the node back to the lab's unlimited group, and the node's group gone. */
  async release(node: string): Promise<void> {
    const group = this.group(node);
    const procs = await readFile(path.join(group, 'cgroup.procs'), 'utf8').catch(() => null);
    if (procs === null) return;
    await moveAll(procs.split('\n').filter(Boolean).map(Number), this.labGroup());
    await rmdir(group);
  }

  /** Removes the lab's groups and records (after the v2 teardown killed the processes, or a crash). */
  async removeAll(): Promise<void> {
    const nodes = await readdir(this.labGroup(), { withFileTypes: true }).catch(() => []);
    for (const n of nodes) if (n.isDirectory()) await this.release(n.name);
    await rm(path.join(LAB.base, this.kind), { recursive: true, force: true });
    await rmdir(this.labGroup()).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

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

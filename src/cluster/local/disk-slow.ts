import { execa } from 'execa';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { tagKey } from '../../faults/injection.js';
import { V1Groups } from './v1-group.js';
import { walDevice } from './wal-disk.js';

/**
 * A slow WAL disk: the node's processes move into a cgroup v1 blkio group (this kernel's v2 tree has
 * no io controller) whose throttle caps writes to the loop device under pg_wal (see wal-disk.ts).
 * blkio throttles the bios a task submits, and PostgreSQL's WAL writes and fdatasync are submitted by
 * the backend or walwriter itself, so commits wait on the cap. A node has one cap: with several
 * disk-slow injections open on it, each limit is the smallest asked, and healing one leaves the rest.
 */
export interface DiskSlow {
  /** Write bytes per second. */
  rate?: number;
  /** Write operations per second. */
  iops?: number;
}

const groups = new V1Groups<DiskSlow>('blkio', 'disk-slow');
const BPS = 'blkio.throttle.write_bps_device';
const IOPS = 'blkio.throttle.write_iops_device';

/** The smallest of the open injections' limits; 0 = none (what blkio reads as "no limit"). */
function effective(record: Record<FaultTag, DiskSlow>): { rate: number; iops: number } {
  const least = (xs: (number | undefined)[]) => Math.min(...xs.filter((x): x is number => x !== undefined && x > 0), Infinity);
  const all = Object.values(record);
  const rate = least(all.map((s) => s.rate));
  const iops = least(all.map((s) => s.iops));
  return { rate: Number.isFinite(rate) ? rate : 0, iops: Number.isFinite(iops) ? iops : 0 };
}

async function setLimits(group: string, majMin: string, limits: { rate: number; iops: number }): Promise<void> {
  await writeFile(path.join(group, BPS), `${majMin} ${limits.rate}`);
  await writeFile(path.join(group, IOPS), `${majMin} ${limits.iops}`);
}

export async function slow(node: string, walFs: string, asked: DiskSlow, tag: FaultTag = ''): Promise<string> {
  if (!asked.rate && !asked.iops) throw new Error('disk-slow needs a write rate (bytes/s) or an iops limit');
  const { device, majMin } = await walDevice(walFs);
  const record = { ...(await groups.readRecord(node)), [tag]: asked };
  await groups.writeRecord(node, record);
  const limits = effective(record);
  const moved = await groups.enter(node, (group) => setLimits(group, majMin, limits));
  const others = Object.keys(record).length - 1;
  const caps = [limits.rate ? `write_bps ${limits.rate}` : '', limits.iops ? `write_iops ${limits.iops}` : ''].filter(Boolean).join(', ');
  return (
    `cgroup v1 blkio ${caps} on ${device} (${majMin}, the node's pg_wal ext4) for ${moved} processes` +
    (others ? ` (the smallest of ${others + 1} open disk-slow injections on ${node})` : '') +
    `; ${await measure(groups.group(node), walFs, limits, tag)}`
  );
}

/** Lifts the tag's limits: the node's become the smallest still open, or none. */
export async function unslow(node: string, walFs: string, tag: FaultTag = ''): Promise<void> {
  const record = await groups.readRecord(node);
  delete record[tag];
  await groups.writeRecord(node, record);
  if (Object.keys(record).length > 0) return setLimits(groups.group(node), (await walDevice(walFs)).majMin, effective(record));
  await groups.release(node);
}

/**
 * Synchronous writes from inside the node's group, as PostgreSQL's WAL flushes are: about two seconds'
 * worth at the cap (the throttle lets a first burst through; two seconds keeps its share small). The
 * probe shares the group's cap with the node's own writes, so under load it measures less than asked.
 */
async function measure(group: string, walFs: string, limits: { rate: number; iops: number }, tag: FaultTag): Promise<string> {
  const bs = 64 * 1024;
  const byRate = limits.rate ? (2 * limits.rate) / bs : Infinity;
  const byIops = limits.iops ? 2 * limits.iops : Infinity;
  const count = Math.max(4, Math.min(Math.round(Math.min(byRate, byIops)), 1024));
  const file = path.join(walFs, `drill-slow-probe-${tagKey(tag)}`);
  const started = process.hrtime.bigint();
  const run = await execa('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec dd if=/dev/zero of="$2" bs="$3" count="$4" oflag=dsync', 'sh', group, file, String(bs), String(count)], {
    reject: false,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await rm(file, { force: true });
  if (run.exitCode !== 0) return `not measured: the probe write failed (${run.stderr.trim().split('\n').pop()})`;
  const parts = [`measured ${Math.round((count * bs) / seconds)} B/s`, `${Math.round(count / seconds)} writes/s`];
  const vs = [limits.rate ? `asked ${limits.rate} B/s` : '', limits.iops ? `asked ${limits.iops} iops` : ''].filter(Boolean).join(', ');
  return `${parts.join(', ')} with ${count}×${bs / 1024} KiB O_DSYNC writes in ${seconds.toFixed(1)} s (${vs}; the node's own writes share the cap, and the machine's timings are shared)`;
}

export const removeBlkioGroups = () => groups.removeAll();

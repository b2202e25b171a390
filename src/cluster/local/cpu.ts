import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { V1Groups } from './v1-group.js';

/**
 * CPU quotas need the cpu controller, which this kernel has only in cgroup v1 (the v2 hierarchy has
 * none): a starved node's processes move into a v1 cpu group of the lab with a CFS quota, and back
 * to the lab's unlimited v1 group on heal. A node has one quota: with several cpu-starve injections
 * open on it, the quota is the smallest of theirs.
 */
const groups = new V1Groups<number>('cpu', 'cpu-starve');
const PERIOD_US = 100_000;

const quotaUs = (pct: number) => Math.max(1000, Math.round((PERIOD_US * pct) / 100));

export async function starve(node: string, pct: number, tag: FaultTag = ''): Promise<string> {
  await readFile(path.join(groups.root, 'cpu.cfs_quota_us'), 'utf8').catch(() => {
    throw new Error(`cpu-starve needs the cgroup v1 cpu controller at ${groups.root}`);
  });
  const record = { ...(await groups.readRecord(node)), [tag]: pct };
  await groups.writeRecord(node, record);
  const effective = Math.min(...Object.values(record));
  const moved = await groups.enter(node, async (group) => {
    await writeFile(path.join(group, 'cpu.cfs_period_us'), String(PERIOD_US));
    await writeFile(path.join(group, 'cpu.cfs_quota_us'), String(quotaUs(effective)));
  });
  const others = Object.keys(record).length - 1;
  return (
    `cgroup v1 cpu.cfs_quota_us ${quotaUs(effective)}/${PERIOD_US} (${effective}% of one core) on ${moved} processes` +
    (others ? ` (the smallest of ${others + 1} open cpu-starve injections on ${node}; this one asked ${pct}%)` : '')
  );
}

/** Lifts the tag's quota: the node's quota becomes the smallest still open, or none. */
export async function feed(node: string, tag: FaultTag = ''): Promise<void> {
  const record = await groups.readRecord(node);
  delete record[tag];
  await groups.writeRecord(node, record);
  if (Object.keys(record).length > 0) {
    await writeFile(path.join(groups.group(node), 'cpu.cfs_quota_us'), String(quotaUs(Math.min(...Object.values(record)))));
    return;
  }
  await groups.release(node);
}

export const removeCpuGroups = () => groups.removeAll();

import { execa } from 'execa';
import { readdir, readFile, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { tagKey } from '../../faults/injection.js';

/**
 * Each Patroni node keeps pg_wal on a small filesystem of its own (a size-limited tmpfs: this machine
 * has no device-mapper, and a tmpfs needs no loop device), so "the WAL volume is full" is one file
 * written into it, and freeing it is removing that file. Each injection writes its own file (named
 * after its tag); healing one while another is open hands the freed room to the other's file, so
 * the disk stays full until the last is healed.
 */
// A tmpfs takes memory only as it is written; the drills' WAL stays far below this between checkpoints.
export const WAL_FS_SIZE_MB = 512;
const FILL = 'drill-fill-';
const fillFile = (fsDir: string, tag?: FaultTag) => path.join(fsDir, `${FILL}${tagKey(tag)}`);

export async function mountWalFs(dir: string, uid: number, gid: number): Promise<void> {
  await execa('mount', ['-t', 'tmpfs', '-o', `size=${WAL_FS_SIZE_MB}m,mode=0700,uid=${uid},gid=${gid}`, 'pdrill-wal', dir]);
}

/** Unmounts the WAL filesystems under `base` (what a crashed run left too). */
export async function unmountWalFs(base: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const ours = mounts
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${base}/`));
  for (const m of ours.reverse()) await execa('umount', ['-l', m], { reject: false });
}

/** Fills the filesystem to the last block; PostgreSQL's next WAL segment then has no room. */
export async function fill(fsDir: string, tag?: FaultTag): Promise<string> {
  const before = await statfs(fsDir);
  const free = before.bavail * before.bsize;
  // fallocate, not a sparse file: tmpfs allocates the pages, so the space is really gone.
  await execa('fallocate', ['-l', String(Math.max(free, before.bsize)), fillFile(fsDir, tag)]).catch((err: Error) => {
    // Already full (another open disk-full): the file exists, empty, and holds the tag's place.
    if (free > 0) throw err;
    return execa('touch', [fillFile(fsDir, tag)]);
  });
  const after = await statfs(fsDir);
  return `filled the ${WAL_FS_SIZE_MB} MB pg_wal tmpfs with ${Math.round(free / 2 ** 20)} MB in ${path.basename(fillFile(fsDir, tag))} (${after.bavail * after.bsize} bytes left)`;
}

/** Removes the tag's file; if another injection's file is still there, it grows to take the room back. */
export async function free(fsDir: string, tag?: FaultTag): Promise<void> {
  const mine = fillFile(fsDir, tag);
  const size = (await stat(mine).catch(() => null))?.size ?? 0;
  await rm(mine, { force: true });
  const others = (await readdir(fsDir)).filter((f) => f.startsWith(FILL));
  if (others.length === 0 || size === 0) return;
  const heir = path.join(fsDir, others[0]!);
  const { size: had } = await stat(heir);
  await execa('fallocate', ['-l', String(had + size), heir]);
}

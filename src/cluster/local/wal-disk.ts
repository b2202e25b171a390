import { execa } from 'execa';
import { readFile, rm, statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * Each Patroni node keeps pg_wal on a small filesystem of its own (a size-limited tmpfs: this machine
 * has no device-mapper, and a tmpfs needs no loop device), so "the WAL volume is full" is one file
 * written into it, and freeing it is removing that file.
 */
// A tmpfs takes memory only as it is written; the drills' WAL stays far below this between checkpoints.
export const WAL_FS_SIZE_MB = 512;
const FILL = 'drill-fill';

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
export async function fill(fsDir: string): Promise<string> {
  const before = await statfs(fsDir);
  const free = before.bavail * before.bsize;
  // fallocate, not a sparse file: tmpfs allocates the pages, so the space is really gone.
  await execa('fallocate', ['-l', String(free), path.join(fsDir, FILL)]);
  const after = await statfs(fsDir);
  return `filled the ${WAL_FS_SIZE_MB} MB pg_wal tmpfs with ${Math.round(free / 2 ** 20)} MB (${after.bavail * after.bsize} bytes left)`;
}

export async function free(walDir: string): Promise<void> {
  await rm(path.join(walDir, FILL), { force: true });
}

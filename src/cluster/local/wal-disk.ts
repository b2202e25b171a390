import { execa } from 'execa';
import { chmod, readdir, readFile, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { FaultTag } from '../types.js';
import { tagKey } from '../../faults/injection.js';

/**
 * Each Patroni node keeps pg_wal on a small filesystem of its own, so "the WAL volume is full" is one
 * file written into it, and freeing it is removing that file. Each injection writes its own file
 * (named after its tag); healing one while another is open hands the freed room to the other's file,
 * so the disk stays full until the last is healed.
 *
 * The filesystem is ext4 on a loop device over a sparse image file, on every Patroni node: a block
 * device is what disk-slow throttles (cgroup v1 blkio; a tmpfs has no device, and this machine has no
 * device-mapper), and one kind of WAL volume for every node keeps a drill's nodes alike whichever of
 * them a fault lands on. No journal: every block of a write is then submitted by the writing task
 * (PostgreSQL's backend or walwriter), so blkio throttles all of it; the jbd2 thread would write the
 * journal outside the node's group. Losing the journal costs nothing here: the drills kill processes,
 * never the kernel, so the page cache always survives. No reserved blocks: full means full for
 * PostgreSQL too.
 */
// The image is sparse and fallocate only marks extents: it takes disk space only as WAL is written.
export const WAL_FS_SIZE_MB = 512;
const IMAGE = '.img';
const FILL = 'drill-fill-';
const fillFile = (fsDir: string, tag?: FaultTag) => path.join(fsDir, `${FILL}${tagKey(tag)}`);

export async function mountWalFs(dir: string, uid: number, gid: number): Promise<void> {
  const image = `${dir}${IMAGE}`;
  await execa('truncate', ['-s', `${WAL_FS_SIZE_MB}M`, image]);
  await execa('mkfs.ext4', ['-q', '-F', '-O', '^has_journal', '-m', '0', '-E', `root_owner=${uid}:${gid}`, image]);
  // mount -o loop sets the loop device to detach itself when unmounted.
  await execa('mount', ['-t', 'ext4', '-o', 'loop', image, dir]);
  await chmod(dir, 0o700);
  await rm(path.join(dir, 'lost+found'), { recursive: true, force: true });
}

/** The loop device's major:minor under the node's WAL filesystem, as blkio wants it. */
export async function walDevice(dir: string): Promise<{ device: string; majMin: string }> {
  const mount = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')).find((f) => f[4] === dir);
  if (!mount) throw new Error(`no filesystem mounted at ${dir}`);
  const source = mount[mount.indexOf('-') + 2] ?? '';
  if (!source.startsWith('/dev/loop')) throw new Error(`${dir} is on ${source}, not a loop device (a cluster started before pg_wal moved to a loop device: restart it)`);
  return { device: source, majMin: mount[2]! };
}

/** Unmounts the WAL filesystems under `base` and detaches their loop devices (what a crashed run left too). */
export async function unmountWalFs(base: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const ours = mounts
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${base}/`));
  for (const m of ours.reverse()) await execa('umount', ['-l', m], { reject: false });
  // A lazy unmount detaches once the last user is gone; a run killed between losetup and mount left one unmounted.
  const { stdout } = await execa('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  const loops = stdout ? ((JSON.parse(stdout) as { loopdevices: { name: string; 'back-file': string | null }[] }).loopdevices ?? []) : [];
  for (const l of loops) if (l['back-file']?.startsWith(`${base}/`)) await execa('losetup', ['-d', l.name], { reject: false });
}

/** Fills the filesystem to the last block; PostgreSQL's next WAL segment then has no room. */
export async function fill(fsDir: string, tag?: FaultTag): Promise<string> {
  const before = await statfs(fsDir);
  const free = before.bavail * before.bsize;
  // fallocate, not a sparse file: ext4 allocates the blocks, so the space is really gone. Asking for
  // every free byte fails with ENOSPC once the extents' own blocks are counted, after allocating all
  // it could; already full (another open disk-full), the file is created empty and holds the tag's place.
  await execa('fallocate', ['-l', String(Math.max(free, before.bsize)), fillFile(fsDir, tag)]).catch(async (err: Error) => {
    if ((await statfs(fsDir)).bavail > 0) throw err;
    return execa('touch', [fillFile(fsDir, tag)]);
  });
  const after = await statfs(fsDir);
  return `filled the ${WAL_FS_SIZE_MB} MB pg_wal filesystem with ${Math.round(free / 2 ** 20)} MB in ${path.basename(fillFile(fsDir, tag))} (${after.bavail * after.bsize} bytes left)`;
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
  // As in fill: ENOSPC after taking every free block is the aim reached.
  await execa('fallocate', ['-l', String(had + size), heir]).catch(async (err: Error) => {
    if ((await statfs(fsDir)).bavail > 0) throw err;
  });
}

import { spawnSync } from 'node:child_process';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * One machine, one local cluster per lab: a runner holds it from `up` to `down`, and a second process
 * that tried to bring up or tear down "its" cluster meanwhile would kill the first one's mid-drill.
 *
 * The lock is flock(2) on the owner file, taken by the kernel in one step (no check-then-write race
 * between two runners) and released by the kernel when the holder's last descriptor closes, which
 * includes a runner killed with SIGKILL: a crashed run never leaves a lock behind, and nobody has to
 * decide whether a recorded PID is stale. The file also names the holder, for the message.
 * `npm run cluster -- up` exits after bringing the cluster up, so the cluster it leaves is free for
 * the next command to take over.
 */
export class OwnerLock {
  private handle: FileHandle | null = null;

  constructor(private readonly file: string) {}

  /** Takes the cluster for this process (again: a no-op); throws if another live process holds it. */
  async acquire(): Promise<void> {
    if (this.handle) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    // Opened without truncating: the holder's PID stays readable to whoever is refused.
    const handle = await open(this.file, 'a+', 0o600);
    // Node has no flock(); flock(1) locks the descriptor it inherits, which is this process's open
    // file description, so the lock lives as long as `handle` stays open here.
    const r = spawnSync('flock', ['--nonblock', '--exclusive', '3'], { stdio: ['ignore', 'ignore', 'pipe', handle.fd] });
    if (r.error) {
      await handle.close();
      throw new Error(`cannot lock ${this.file}: ${r.error.message} (flock from util-linux is needed)`);
    }
    if (r.status !== 0) {
      const holder = (await handle.readFile('utf8').catch(() => '')).trim();
      await handle.close();
      throw new Error(
        `another patroni-drill process (${holder ? `pid ${holder}` : 'unknown pid'}) is using the local cluster; wait for it to finish or stop it` +
          `${holder ? ` (kill -INT ${holder})` : ''}, then try again`,
      );
    }
    await handle.truncate(0);
    await handle.write(String(process.pid), 0);
    this.handle = handle;
  }

  async release(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return;
    // Emptied, never removed: a process blocked on the old file and one creating a new file could
    // otherwise both hold "the" lock.
    await handle.truncate(0).catch(() => {});
    await handle.close();
  }
}

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from './processes.js';

/**
 * One machine, one local cluster: a runner holds it from `up` to `down`, and a second process that
 * tried to bring up or tear down "its" cluster meanwhile would kill the first one's mid-drill. The
 * owner file names the holder's PID; a dead holder (a crashed or killed runner) holds nothing.
 * `npm run cluster -- up` exits after bringing the cluster up, so the cluster it leaves is free for
 * the next command to take over.
 */
export class OwnerLock {
  constructor(private readonly file: string) {}

  /** Takes the cluster for this process; throws if another live process holds it. */
  async acquire(): Promise<void> {
    const holder = await this.holder();
    if (holder !== null && holder !== process.pid && (await isAlive(holder))) {
      throw new Error(
        `another patroni-drill process (pid ${holder}) is using the local cluster; wait for it to finish or stop it (kill -INT ${holder}), then try again`,
      );
    }
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(this.file, String(process.pid));
  }

  async release(): Promise<void> {
    if ((await this.holder()) === process.pid) await rm(this.file, { force: true });
  }

  private async holder(): Promise<number | null> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    const pid = Number(text);
    return text !== null && Number.isInteger(pid) && pid > 0 ? pid : null;
  }
}

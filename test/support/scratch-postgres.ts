import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { PgConnection } from '../../src/load/connection.js';
import type { DbCredentials, Endpoint } from '../../src/load/types.js';

/**
 * A throwaway PostgreSQL 15 on 127.0.0.1 for the load generator's own test and bench: one data
 * directory in a fresh temp folder, password authentication over TCP, run as the postgres user
 * (the server refuses root). Every process it starts is found again by PID through /proc.
 */

const BIN = '/usr/lib/postgresql/15/bin';
const HOST = '127.0.0.1';
const SUPERUSER = 'postgres';

function asPostgres(cmd: string, args: string[]): string[] {
  return ['--reuid=postgres', '--regid=postgres', '--init-groups', path.join(BIN, cmd), ...args];
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * Parent PID of every live process, from /proc/<pid>/stat (the command name may hold spaces and
 * parentheses). Zombies are left out: they answer signals but are already gone.
 */
async function parentMap(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && state !== 'X') out.set(Number(entry), Number(ppid));
    } catch {
      // The process ended while we listed /proc.
    }
  }
  return out;
}

async function descendantsAndSelf(root: number): Promise<number[]> {
  const parents = await parentMap();
  if (!parents.has(root)) return [];
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export class ScratchPostgres {
  readonly endpoint: Endpoint;
  readonly credentials: DbCredentials = { user: 'drill', password: 'drill-scratch-pw', database: 'drill' };
  private readonly superPassword = 'scratch-super-pw';
  private proc: ResultPromise | null = null;
  private starts = 0;

  private constructor(
    readonly dir: string,
    port: number,
  ) {
    this.endpoint = { host: HOST, port };
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Creates the cluster, starts it, creates the test role and database. */
  static async create(port: number): Promise<ScratchPostgres> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'patroni-drill-load-'));
    const pg = new ScratchPostgres(dir, port);
    try {
      const { stdout: uid } = await execa('id', ['-u', 'postgres']);
      const { stdout: gid } = await execa('id', ['-g', 'postgres']);
      await chown(dir, Number(uid), Number(gid));
      const pwfile = path.join(dir, 'superuser.pw');
      await writeFile(pwfile, pg.superPassword + '\n', { mode: 0o600 });
      await chown(pwfile, Number(uid), Number(gid));
      await execa(
        'setpriv',
        asPostgres('initdb', [
          '-D',
          pg.dataDir,
          `--username=${SUPERUSER}`,
          `--pwfile=${pwfile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=peer',
          '--no-locale',
          '--encoding=UTF8',
          '--no-sync',
        ]),
      );
      await pg.start();
      const admin = { user: SUPERUSER, password: pg.superPassword, database: 'postgres' };
      const c = await PgConnection.open(pg.endpoint, admin, 'scratch setup', 5000);
      if (c.kind !== 'ok') throw new Error('scratch PostgreSQL: superuser could not connect');
      const { user, password, database } = pg.credentials;
      for (const sql of [
        `CREATE ROLE ${user} LOGIN PASSWORD '${password}'`,
        `CREATE DATABASE ${database} OWNER ${user}`,
      ]) {
        const r = await c.value.query({ text: sql }, 10_000);
        if (r.kind !== 'ok') throw new Error(`scratch PostgreSQL: ${sql} failed`, { cause: r.kind === 'error' ? r.error : r.kind });
      }
      await c.value.close(1000);
      return pg;
    } catch (err) {
      await pg.destroy();
      throw err;
    }
  }

  /** Starts the postmaster (again) and waits until it accepts password logins over TCP. */
  async start(): Promise<void> {
    this.starts += 1;
    this.proc = execa(
      'setpriv',
      asPostgres('postgres', [
        '-D',
        this.dataDir,
        '-p',
        String(this.endpoint.port),
        '-c',
        `listen_addresses=${HOST}`,
        '-c',
        `unix_socket_directories=${this.dir}`,
      ]),
      { stdin: 'ignore', stdout: 'ignore', stderr: { file: path.join(this.dir, `server-${this.starts}.log`) }, reject: false },
    );
    let exited = false;
    void this.proc.then(() => {
      exited = true;
    });
    const admin = { user: SUPERUSER, password: this.superPassword, database: 'postgres' };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`scratch PostgreSQL exited at start; see ${this.dir}/server-${this.starts}.log`);
      const c = await PgConnection.open(this.endpoint, admin, 'scratch probe', 1000);
      if (c.kind === 'ok') {
        await c.value.close(1000);
        return;
      }
      await sleep(100);
    }
    throw new Error('scratch PostgreSQL did not accept connections within 30 s');
  }

  /** The postmaster's PID from postmaster.pid, if it is running. */
  async postmasterPid(): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The postmaster and all its backends. */
  async pids(): Promise<number[]> {
    const pm = await this.postmasterPid();
    return pm === undefined ? [] : descendantsAndSelf(pm);
  }

  /**
   * Freezes the whole server. The postmaster goes first and the backends are listed again after
   * it stopped, so that none forked in between is missed.
   */
  async pause(): Promise<void> {
    const pm = await this.postmasterPid();
    if (pm === undefined) throw new Error('scratch PostgreSQL is not running');
    signal(pm, 'SIGSTOP');
    for (const pid of await descendantsAndSelf(pm)) signal(pid, 'SIGSTOP');
  }

  async resume(): Promise<void> {
    for (const pid of await this.pids()) signal(pid, 'SIGCONT');
  }

  async stopFast(): Promise<void> {
    await execa('setpriv', asPostgres('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '30']));
    await this.proc;
    this.proc = null;
  }

  /** Kills whatever is left by PID and removes the folder; safe after any failure. */
  async destroy(): Promise<void> {
    const pids = await this.pids().catch(() => []);
    const child = this.proc?.pid;
    for (const pid of pids) signal(pid, 'SIGKILL');
    if (child !== undefined) signal(child, 'SIGKILL');
    if (this.proc) await this.proc;
    this.proc = null;
    // The backends were the postmaster's children; once it is reaped they go to init. Wait for them
    // so that nothing holds the port for the next start.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const parents = await parentMap();
      if (!pids.some((p) => parents.has(p))) break;
      await sleep(50);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

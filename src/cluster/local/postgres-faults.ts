import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { DbCredentials, Endpoint } from '../types.js';
import { signalAndWait } from './processes.js';

/** The postmaster's PID, as the first line of postmaster.pid says. */
async function postmasterPid(dataDir: string): Promise<number> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(text?.split('\n')[0]);
  if (!text || !Number.isInteger(pid) || pid <= 0) throw new Error(`PostgreSQL is not running in ${dataDir} (no postmaster.pid)`);
  return pid;
}

/** SIGKILL of the postmaster only: Patroni stays, sees its PostgreSQL gone, and acts on it. */
export async function crashPostgres(dataDir: string): Promise<string> {
  const pid = await postmasterPid(dataDir);
  if (!(await signalAndWait(pid, 'SIGKILL', 5000))) throw new Error(`postmaster ${pid} survived SIGKILL for 5 s`);
  return `SIGKILL to the postmaster (PID ${pid}); Patroni left running`;
}

async function query<T>(socket: Endpoint, superuser: DbCredentials, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...socket, ...superuser, connectionTimeoutMillis: 5000 });
  // A PostgreSQL that PANICs under the query (disk-full) drops the connection outside it too: the
  // query's rejection says so, and an unheard 'error' event would kill the whole run.
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** pg_wal_replay_pause() on a replica: it keeps receiving WAL but stops applying it. */
export async function pauseReplay(socket: Endpoint, superuser: DbCredentials): Promise<string> {
  const [row] = await query<{ recovery: boolean }>(socket, superuser, 'SELECT pg_is_in_recovery() AS recovery');
  if (!row?.recovery) throw new Error('replay-pause needs a replica, and this node is the primary');
  await query(socket, superuser, 'SELECT pg_wal_replay_pause()');
  return 'pg_wal_replay_pause()';
}

export async function resumeReplay(socket: Endpoint, superuser: DbCredentials): Promise<void> {
  // A node promoted in the meantime has no replay to resume.
  await query(socket, superuser, 'SELECT pg_wal_replay_resume() WHERE pg_is_in_recovery()');
}

/**
 * A full pg_wal bites when PostgreSQL needs its next segment, which at a drill's write rate can be
 * many minutes away: ask for segment switches (a WAL record, then pg_switch_wal) until PostgreSQL
 * cannot start a new segment and stops, as it would once the current one filled up.
 */
export async function forceWalSwitches(socket: Endpoint, superuser: DbCredentials, tries = 20): Promise<string> {
  for (let i = 1; i <= tries; i++) {
    try {
      await query(socket, superuser, "SELECT pg_logical_emit_message(false, 'patroni-drill', 'disk-full'), pg_switch_wal()");
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      // A replica refuses pg_switch_wal but keeps running; its WAL receiver is what the full disk stops.
      const alive = await query(socket, superuser, 'SELECT 1').then(() => true, () => false);
      return alive ? `pg_switch_wal refused (${why}); PostgreSQL still running` : `PostgreSQL stopped at WAL segment switch ${i} (${why})`;
    }
  }
  return `PostgreSQL still running after ${tries} WAL segment switches (recycled segments left)`;
}

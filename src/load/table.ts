import type { ClockCheck, FinalRead } from '../history/types.js';
import type { History } from '../history/store.js';
import { PgConnection, type Settled } from './connection.js';
import type { DbCredentials, Endpoint } from './types.js';

export const TABLE = 'drill_writes';

/**
 * No unique constraint on key: a duplicated row is something the analysis must be able to see,
 * not something the database should hide.
 */
const CREATE_SQL = `
DROP TABLE IF EXISTS ${TABLE};
CREATE TABLE ${TABLE} (
  id bigserial PRIMARY KEY,
  key text NOT NULL,
  worker text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);`;

export const INSERT_SQL = `INSERT INTO ${TABLE}(key, worker) VALUES ($1, $2) RETURNING id, inet_server_addr()::text AS addr`;
export const READ_SQL = `SELECT max(id) AS id, inet_server_addr()::text AS addr, pg_is_in_recovery() AS rec FROM ${TABLE}`;
// written_at as epoch ms text: a timestamptz through pg would lose its microseconds to a JS Date.
const FINAL_SQL = `SELECT id, key, (extract(epoch FROM written_at) * 1000)::text AS at FROM ${TABLE} ORDER BY id`;
const CLOCK_SQL = `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::text AS at`;

export interface AdminTimeouts {
  /** Default 10 s. */
  connect_ms?: number;
  /** Default 60 s: the final read can be large. */
  query_ms?: number;
}

function unwrap<T>(r: Settled<T>, what: string, timeoutMs: number): T {
  if (r.kind === 'ok') return r.value;
  if (r.kind === 'timeout') throw new Error(`${what}: no answer within ${timeoutMs} ms`);
  const message = r.error instanceof Error ? r.error.message : String(r.error);
  throw new Error(`${what}: ${message}`, { cause: r.error });
}

async function withConnection<T>(
  conn: Endpoint,
  cred: DbCredentials,
  what: string,
  timeouts: AdminTimeouts,
  body: (c: PgConnection, queryMs: number) => Promise<T>,
): Promise<T> {
  const connectMs = timeouts.connect_ms ?? 10_000;
  const queryMs = timeouts.query_ms ?? 60_000;
  const c = unwrap(
    await PgConnection.open(conn, cred, `patroni-drill ${what}`, connectMs),
    `${what} on ${conn.host}:${conn.port}`,
    connectMs,
  );
  try {
    return await body(c, queryMs);
  } finally {
    await c.close(1000);
  }
}

/** (Re)creates the table, empty. */
export async function prepareTable(conn: Endpoint, cred: DbCredentials, timeouts: AdminTimeouts = {}): Promise<void> {
  await withConnection(conn, cred, 'prepare table', timeouts, async (c, queryMs) => {
    unwrap(await c.query({ text: CREATE_SQL }, queryMs), `creating ${TABLE}`, queryMs);
  });
}

/** Whether this member already sees the table (a replica replays its creation a moment later). */
export async function tableVisible(conn: Endpoint, cred: DbCredentials, timeouts: AdminTimeouts = { connect_ms: 2000, query_ms: 2000 }): Promise<boolean> {
  return withConnection(conn, cred, 'table check', timeouts, async (c, queryMs) => {
    const res = unwrap(await c.query<{ ok: boolean }>({ text: `SELECT to_regclass('public.${TABLE}') IS NOT NULL AS ok` }, queryMs), 'checking the table', queryMs);
    return res.rows[0]?.ok === true;
  });
}

/**
 * Reads every row once, after the run, on the member the caller names as the final leader. t_ms is
 * taken as the statement is sent: its snapshot is no older than that.
 */
export async function finalRead(
  conn: Endpoint,
  cred: DbCredentials,
  node: string,
  history: History,
  timeouts: AdminTimeouts = {},
): Promise<FinalRead> {
  return withConnection(conn, cred, 'final read', timeouts, async (c, queryMs) => {
    const t_ms = history.now();
    const res = unwrap(
      await c.query<{ id: string; key: string; at: string }>({ text: FINAL_SQL }, queryMs),
      `reading ${TABLE}`,
      queryMs,
    );
    // bigint arrives as text; ids stay far below 2^53.
    const rows = res.rows.map((r): [number, string, number] => [Number(r.id), r.key, Number(r.at)]);
    return { t_ms, node, rows };
  });
}

/** Wall clock to sub-millisecond precision (Date.now() has whole milliseconds only). */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The server's clock (the one written_at comes from) against ours: the best of a few round trips,
 * since the offset is only known to half the round trip.
 */
export async function serverClock(conn: Endpoint, cred: DbCredentials, tries = 5, timeouts: AdminTimeouts = { connect_ms: 2000, query_ms: 2000 }): Promise<ClockCheck> {
  return withConnection(conn, cred, 'clock check', timeouts, async (c, queryMs) => {
    let best: ClockCheck | null = null;
    for (let i = 0; i < tries; i++) {
      const before = wallNowMs();
      const res = unwrap(await c.query<{ at: string }>({ text: CLOCK_SQL }, queryMs), 'reading the server clock', queryMs);
      const after = wallNowMs();
      const check = { offset_ms: Math.round((Number(res.rows[0]!.at) - (before + after) / 2) * 10) / 10, rtt_ms: Math.round((after - before) * 10) / 10 };
      if (!best || check.rtt_ms < best.rtt_ms) best = check;
    }
    return best!;
  });
}

import net from 'node:net';
import pg from 'pg';
import type { DbCredentials, Endpoint } from './types.js';

export type Settled<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * Waits for `p` at most `ms`. On expiry `onTimeout` runs and whatever `p` does later is ignored
 * (but handled, so a late rejection is never unhandled).
 */
export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<Settled<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve({ kind: 'timeout' });
      onTimeout();
    }, ms);
    p.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ kind: 'ok', value });
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

/**
 * One pg.Client on a socket we create ourselves, so that giving up on a frozen server is a plain
 * `socket.destroy()`: a graceful end would wait for a goodbye the server never sends.
 */
export class PgConnection {
  private broken = false;

  private constructor(
    readonly client: pg.Client,
    private readonly socket: net.Socket,
  ) {}

  static async open(
    endpoint: Endpoint,
    cred: DbCredentials,
    applicationName: string,
    timeoutMs: number,
  ): Promise<Settled<PgConnection>> {
    const socket = new net.Socket();
    const client = new pg.Client({
      host: endpoint.host,
      port: endpoint.port,
      user: cred.user,
      password: cred.password,
      database: cred.database,
      application_name: applicationName,
      stream: () => socket,
    });
    const conn = new PgConnection(client, socket);
    // pg emits 'error' when the server goes away between queries; an unhandled 'error' event would
    // crash the process, and a dead client must be replaced before the next attempt.
    client.on('error', () => {
      conn.broken = true;
    });
    client.on('end', () => {
      conn.broken = true;
    });
    const r = await withDeadline(client.connect(), timeoutMs, () => conn.destroy());
    if (r.kind === 'ok') return { kind: 'ok', value: conn };
    conn.destroy();
    return r;
  }

  /** False once the server or the network ended the session, or we gave up on it. */
  get usable(): boolean {
    return !this.broken;
  }

  query<R extends pg.QueryResultRow>(config: pg.QueryConfig, timeoutMs: number): Promise<Settled<pg.QueryResult<R>>> {
    return withDeadline(this.client.query<R>(config), timeoutMs, () => this.destroy());
  }

  destroy(): void {
    this.broken = true;
    this.socket.destroy();
  }

  /** Says goodbye if the server answers within `graceMs`, then drops the socket either way. */
  async close(graceMs: number): Promise<void> {
    if (!this.broken) await withDeadline(this.client.end(), graceMs, () => undefined);
    this.destroy();
  }
}

import pg from 'pg';
import type { DbCredentials, Endpoint } from '../cluster/types.js';
import type { History } from '../history/store.js';
import { poll } from './poller.js';

/**
 * pg_is_in_recovery() asked of every PostgreSQL directly, not through HAProxy or Patroni, so two
 * writable primaries at once cannot go unseen. One connection per node, replaced when it fails or
 * does not answer in time (a frozen node never answers; waiting on it would blind the poller).
 */
export function observeRecovery(direct: Record<string, Endpoint>, cred: DbCredentials, history: History, intervalMs: number, timeoutMs: number) {
  const pollers = Object.entries(direct).map(([node, endpoint]) => {
    let client: pg.Client | null = null;
    const drop = () => {
      const c = client;
      client = null;
      if (c) {
        c.on('error', () => {});
        // end() waits for a server that may be frozen; the socket is closed instead.
        (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      }
    };
    const handle = poll(intervalMs, async () => {
      const t_ms = history.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = (async () => {
          if (!client) {
            const c = new pg.Client({ ...endpoint, ...cred, connectionTimeoutMillis: timeoutMs, application_name: 'drill-observer' });
            c.on('error', () => drop());
            client = c;
            await c.connect();
          }
          return (await client.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec')).rows[0]?.rec;
        })();
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        });
        const rec = await Promise.race([answer, timeout]);
        answer.catch(() => {});
        history.add({ type: 'recovery', t_ms, node, reachable: true, in_recovery: rec === true });
      } catch {
        drop();
        history.add({ type: 'recovery', t_ms, node, reachable: false });
      } finally {
        clearTimeout(timer);
      }
    });
    return {
      stop: async () => {
        await handle.stop();
        drop();
      },
    };
  });
  return { stop: () => Promise.all(pollers.map((p) => p.stop())).then(() => {}) };
}

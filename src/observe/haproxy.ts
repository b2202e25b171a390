import { readHaproxyStats } from '../cluster/haproxy-stats.js';
import type { ClusterAccess } from '../cluster/types.js';
import type { History } from '../history/store.js';
import { poll } from './poller.js';

/** HAProxy's view of its backends, from each HAProxy node's stats page. */
export function observeHaproxy(stats: ClusterAccess['stats'], history: History, intervalMs: number, timeoutMs: number) {
  const pollers = stats.map((s) =>
    poll(intervalMs, async () => {
      const t_ms = history.now();
      try {
        for (const row of await readHaproxyStats(s, timeoutMs)) {
          history.add({ type: 'haproxy', t_ms, haproxy: s.haproxy, reachable: true, backend: row.backend, server: row.server, status: row.status });
        }
      } catch {
        history.add({ type: 'haproxy', t_ms, haproxy: s.haproxy, reachable: false });
      }
    }),
  );
  return { stop: () => Promise.all(pollers.map((p) => p.stop())).then(() => {}) };
}

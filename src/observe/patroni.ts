import { getClusterView, getNodeView, isLeaderRole, normaliseRole } from '../cluster/patroni-api.js';
import type { History } from '../history/store.js';
import { poll } from './poller.js';

/**
 * Each member's own view (GET /patroni) plus the leader key holder it sees (GET /cluster). The URL is
 * read from `patroni` at every poll: a driver updates it in place when a node comes back with
 * another address (a Docker container restarted or reconnected).
 */
export function observePatroni(patroni: Record<string, string>, history: History, intervalMs: number, timeoutMs: number) {
  const pollers = Object.keys(patroni).map((node) =>
    poll(intervalMs, async () => {
      const base = patroni[node]!;
      const t_ms = history.now();
      const [self, cluster] = await Promise.allSettled([getNodeView(base, timeoutMs), getClusterView(base, timeoutMs)]);
      if (self.status === 'rejected') {
        history.add({ type: 'patroni', t_ms, node, reachable: false });
        return;
      }
      const members = cluster.status === 'fulfilled' ? (cluster.value.members ?? []) : [];
      const me = members.find((m) => m.name === node);
      const holder = members.find((m) => isLeaderRole(m.role));
      history.add({
        type: 'patroni',
        t_ms,
        node,
        reachable: true,
        role: normaliseRole(self.value.role) === 'leader' ? 'primary' : self.value.role,
        state: self.value.replication_state ?? self.value.state,
        timeline: self.value.timeline,
        ...(typeof me?.lag === 'number' ? { lag: me.lag } : {}),
        ...(cluster.status === 'fulfilled' ? { leader: holder?.name ?? '' } : {}),
      });
    }),
  );
  return { stop: () => Promise.all(pollers.map((p) => p.stop())).then(() => {}) };
}

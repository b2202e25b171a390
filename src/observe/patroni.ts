import { getClusterView, getNodeView, isLeaderRole, normaliseRole } from '../cluster/patroni-api.js';
import type { History } from '../history/store.js';
import { sleep } from '../util/time.js';
import { poll } from './poller.js';

/** How long an unanswered request is left to finish before it is given up for good. */
const HANG_MS = 30_000;

/**
 * Each member's own view (GET /patroni) plus the leader key holder it sees (GET /cluster). The URL is
 * read from `patroni` at every poll: a driver updates it in place when a node comes back with
 * another address (a Docker container restarted or reconnected).
 *
 * A request that outlives `timeoutMs` counts the node as unreachable but is left to finish, and the
 * node gets no new one until it has: an unanswered connection stays in the node's listen backlog
 * until its process accepts it or exits, and Patroni's REST API stops accepting at SIGTERM while it
 * still listens (backlog 5). Opening two connections every poll filled it within the second a
 * stopping leader takes to release its key, so a replica asking it before taking over waited for a
 * SYN retransmission (1 s): the observers lengthened the failover they measured.
 */
export function observePatroni(patroni: Record<string, string>, history: History, intervalMs: number, timeoutMs: number) {
  const stopped = new AbortController();
  const pollers = Object.keys(patroni).map((node) => {
    let pending = false;
    return poll(intervalMs, async () => {
      const base = patroni[node]!;
      const t_ms = history.now();
      if (pending) {
        history.add({ type: 'patroni', t_ms, node, reachable: false });
        return;
      }
      const asked = Promise.allSettled([getNodeView(base, HANG_MS, stopped.signal), getClusterView(base, HANG_MS, stopped.signal)]);
      const answer = await Promise.race([asked, sleep(timeoutMs, stopped.signal).then(() => null, () => null)]);
      if (answer === null) {
        pending = true;
        void asked.finally(() => {
          pending = false;
        });
        history.add({ type: 'patroni', t_ms, node, reachable: false });
        return;
      }
      const [self, cluster] = answer;
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
    });
  });
  return {
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      stopped.abort();
    },
  };
}

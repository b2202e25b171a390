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
  // Requests still out, aborted when the observer stops (one controller each: listeners on a shared
  // signal would pile up at every poll).
  const out = new Set<AbortController>();
  const request = <T>(ask: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const ac = new AbortController();
    out.add(ac);
    return ask(ac.signal).finally(() => out.delete(ac));
  };
  const pollers = Object.keys(patroni).map((node) => {
    let pending = false;
    return poll(intervalMs, async () => {
      const base = patroni[node]!;
      const t_ms = history.now();
      if (pending) {
        history.add({ type: 'patroni', t_ms, node, reachable: false });
        return;
      }
      // An answer within the timeout, or 'late'; a late request keeps the node from getting another.
      const within = async <T>(request: Promise<T>, ms: number): Promise<T | 'late' | 'failed'> => {
        const settled = request.catch(() => 'failed' as const);
        const answer = await Promise.race([settled, sleep(Math.max(0, ms)).then(() => 'late' as const)]);
        if (answer === 'late') {
          pending = true;
          void settled.finally(() => {
            pending = false;
          });
        }
        return answer;
      };
      const started = performance.now();
      // GET /cluster only once GET /patroni has answered: one connection, not two, on a node that hangs.
      const self = await within(request((signal) => getNodeView(base, HANG_MS, signal)), timeoutMs);
      if (self === 'late' || self === 'failed') {
        history.add({ type: 'patroni', t_ms, node, reachable: false });
        return;
      }
      const answered = await within(request((signal) => getClusterView(base, HANG_MS, signal)), timeoutMs - (performance.now() - started));
      const cluster = answered === 'late' || answered === 'failed' ? undefined : answered;
      const members = cluster?.members ?? [];
      const me = members.find((m) => m.name === node);
      const holder = members.find((m) => isLeaderRole(m.role));
      history.add({
        type: 'patroni',
        t_ms,
        node,
        reachable: true,
        role: normaliseRole(self.role) === 'leader' ? 'primary' : self.role,
        state: self.replication_state ?? self.state,
        timeline: self.timeline,
        ...(typeof me?.lag === 'number' ? { lag: me.lag } : {}),
        ...(cluster ? { leader: holder?.name ?? '' } : {}),
      });
    });
  });
  return {
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      for (const ac of out) ac.abort();
    },
  };
}

import { clusterView, checkHealth } from '../cluster/health.js';
import { isLeaderRole } from '../cluster/patroni-api.js';
import type { ClusterAccess } from '../cluster/types.js';
import type { History } from '../history/store.js';
import type { WaitCondition } from './schema.js';

export interface ConditionContext {
  access: ClusterAccess;
  history: History;
  /** Leader before the most recent fault, for leader_changed. */
  leaderBefore: string | null;
  /** When the wait began (history time), for writes_ok. */
  since_ms: number;
}

/** Each wait condition as one check of the cluster's present state. */
export const CONDITIONS: Record<WaitCondition, (c: ConditionContext) => Promise<boolean>> = {
  healthy: async ({ access }) => (await checkHealth(access)).healthy,
  leader: async ({ access }) => (await currentLeader(access)) !== null,
  leader_changed: async ({ access, leaderBefore }) => {
    const now = await currentLeader(access);
    return now !== null && now !== leaderBefore;
  },
  replicas_streaming: async ({ access }) => {
    const h = await checkHealth(access);
    return h.leader !== null && h.streaming.length === access.nodes.filter((n) => n.kind === 'patroni').length - 1;
  },
  writes_ok: async ({ history, since_ms }) => {
    for (let i = history.records.length - 1; i >= 0; i--) {
      const r = history.records[i]!;
      if (r.type === 'op' && r.op === 'write' && r.outcome === 'ok' && r.start_ms >= since_ms) return true;
      if (r.type === 'op' && r.start_ms < since_ms) break;
    }
    return false;
  },
};

export async function currentLeader(access: ClusterAccess): Promise<string | null> {
  const view = await clusterView(access);
  return view?.members.find((m) => isLeaderRole(m.role))?.name ?? null;
}

import { getClusterView, isLeaderRole, type PatroniClusterView } from './patroni-api.js';
import { readHaproxyStats } from './haproxy-stats.js';
import type { ClusterAccess } from './types.js';

/** The cluster as Patroni sees it, asked of the first member that answers. */
export async function clusterView(access: ClusterAccess, timeoutMs = 1000): Promise<PatroniClusterView | undefined> {
  const attempts = Object.values(access.patroni).map((base) => getClusterView(base, timeoutMs));
  const results = await Promise.allSettled(attempts);
  // Prefer a view that names a leader: a partitioned member may answer with a stale, leaderless one.
  const views = results.flatMap((r) => (r.status === 'fulfilled' && Array.isArray(r.value?.members) ? [r.value] : []));
  return views.find((v) => v.members.some((m) => isLeaderRole(m.role))) ?? views[0];
}

export interface Health {
  leader: string | null;
  streaming: string[];
  members: number;
  haproxyWriteUp: boolean;
  healthy: boolean;
}

/** Healthy = one leader, every other member streaming, and HAProxy routing writes to that leader. */
export async function checkHealth(access: ClusterAccess): Promise<Health> {
  const view = await clusterView(access);
  const expected = access.nodes.filter((n) => n.kind === 'patroni').length;
  const leaders = view?.members.filter((m) => isLeaderRole(m.role)) ?? [];
  const leader = leaders.length === 1 ? leaders[0]!.name : null;
  const streaming = view?.members.filter((m) => !isLeaderRole(m.role) && m.state === 'streaming').map((m) => m.name) ?? [];
  let haproxyWriteUp = false;
  if (leader) {
    const stats = await Promise.allSettled(access.stats.map((s) => readHaproxyStats(s)));
    haproxyWriteUp = stats.some(
      (r) => r.status === 'fulfilled' && r.value.some((row) => row.backend === 'primary' && row.server === leader && row.status === 'UP'),
    );
  }
  return {
    leader,
    streaming,
    members: view?.members.length ?? 0,
    haproxyWriteUp,
    healthy: leader !== null && streaming.length === expected - 1 && haproxyWriteUp,
  };
}

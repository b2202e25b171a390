import { getClusterView, getNodeView, isLeaderRole, type PatroniClusterView, type PatroniMember } from './patroni-api.js';
import { readHaproxyStats } from './haproxy-stats.js';
import { streamingReplicas } from './roles.js';
import type { ClusterAccess } from './types.js';
import { waitFor } from '../util/time.js';

/** The cluster as Patroni sees it, asked of the first member that answers. */
export async function clusterView(access: ClusterAccess, timeoutMs = 1000): Promise<PatroniClusterView | undefined> {
  const attempts = Object.values(access.patroni).map((base) => getClusterView(base, timeoutMs));
  const named = (v: PatroniClusterView | undefined) => Array.isArray(v?.members) && v.members.some((m) => isLeaderRole(m.role));
  // The first view that names a leader answers: a partitioned member may answer with a stale,
  // leaderless one, and a frozen one would hold every answer up for its whole timeout (a second
  // fault aimed at "the leader" right after pausing it came a second late).
  try {
    return await Promise.any(attempts.map((a) => a.then((v) => (named(v) ? v : Promise.reject(new Error('no leader named'))))));
  } catch {
    const results = await Promise.allSettled(attempts);
    return results.flatMap((r) => (r.status === 'fulfilled' && Array.isArray(r.value?.members) ? [r.value] : []))[0];
  }
}

export interface Health {
  leader: string | null;
  streaming: string[];
  members: number;
  haproxyWriteUp: boolean;
  healthy: boolean;
  /** What is still missing, naming the member and the state it is in ("" when healthy). */
  waiting: string;
}

/**
 * Which of `replicas` (GET /cluster members) stream from the leader whose REST API is `leaderRest`;
 * for Patroni before 3.0.4 only the leader's GET /patroni (its pg_stat_replication) can say, so it is
 * read when some replica is just `running`.
 */
export async function streamingFromLeader(leaderRest: string | undefined, replicas: Array<{ name: string; state?: string }>): Promise<Set<string>> {
  if (!leaderRest || !replicas.some((m) => m.state === 'running')) return streamingReplicas(replicas, {});
  return streamingReplicas(replicas, await getNodeView(leaderRest, 1000).catch(() => ({})));
}

/** Healthy = one leader, every other member streaming, and HAProxy routing writes to that leader. */
export async function checkHealth(access: ClusterAccess): Promise<Health> {
  const view = await clusterView(access);
  const expected = access.nodes.filter((n) => n.kind === 'patroni').map((n) => n.name);
  const members = view?.members ?? [];
  const leaders = members.filter((m) => isLeaderRole(m.role));
  const leaderMember = leaders.length === 1 ? leaders[0]! : null;
  const leader = leaderMember?.name ?? null;
  const replicas = members.filter((m) => !isLeaderRole(m.role));
  const streaming = leaderMember ? await streamingFromLeader(access.patroni[leaderMember.name], replicas) : new Set<string>();
  let haproxyWriteUp = false;
  if (leader) {
    const stats = await Promise.allSettled(access.stats.map((s) => readHaproxyStats(s)));
    haproxyWriteUp = stats.some(
      (r) => r.status === 'fulfilled' && r.value.some((row) => row.backend === 'primary' && row.server === leader && row.status === 'UP'),
    );
  }
  const waiting: string[] = [];
  if (!view) waiting.push('no Patroni member answers GET /cluster');
  else if (leaders.length !== 1) waiting.push(leaders.length === 0 ? 'no member holds the leader key' : `${leaders.length} leaders (${leaders.map((m) => m.name).join(', ')})`);
  for (const name of expected) {
    if (name === leader) continue;
    const m = members.find((x) => x.name === name);
    if (!m) waiting.push(`${name} is not in the cluster view`);
    else if (leader && !streaming.has(name)) waiting.push(`${name} is ${m.role}/${m.state}, not streaming from ${leader}`);
  }
  if (leader && !haproxyWriteUp) waiting.push(`HAProxy does not route writes to ${leader} yet`);
  return {
    leader,
    streaming: [...streaming],
    members: members.length,
    haproxyWriteUp,
    healthy: waiting.length === 0,
    waiting: waiting.join('; '),
  };
}

/** Waits for a healthy cluster; a timeout names each member still missing and the state it was in. */
export async function waitHealthy(access: ClusterAccess, opts: { what?: string; timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<void> {
  await waitFor(
    opts.what ?? 'a healthy cluster',
    async () => {
      const h = await checkHealth(access);
      if (h.healthy) return true;
      throw new Error(h.waiting);
    },
    { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs ?? 200, signal: opts.signal },
  );
}

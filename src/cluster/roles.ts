/**
 * The one vocabulary for a Patroni member's role. Patroni 3 says master/running, Patroni 4
 * primary (GET /patroni) or leader (GET /cluster) and streaming; sync and quorum standbys are replicas.
 */

export type Role = 'leader' | 'standby_leader' | 'replica';

const LEADER = new Set(['leader', 'primary', 'master']);
const REPLICA = new Set(['replica', 'sync_standby', 'quorum_standby', 'standby']);

/** 'leader', 'standby_leader' or 'replica' for the names Patroni uses; anything else as given. */
export function normaliseRole(role: string | undefined): string | undefined {
  if (role === undefined) return undefined;
  const r = role.toLowerCase();
  if (LEADER.has(r)) return 'leader';
  if (r === 'standby_leader' || r === 'standby-leader') return 'standby_leader';
  if (REPLICA.has(r)) return 'replica';
  return role;
}

/** Holds the leader key: the leader, or a standby cluster's standby leader. */
export function isLeaderRole(role: string | undefined): boolean {
  const r = normaliseRole(role);
  return r === 'leader' || r === 'standby_leader';
}

/** Takes writes: the leader of a primary cluster only. */
export function isPrimaryRole(role: string | undefined): boolean {
  return normaliseRole(role) === 'leader';
}

/** What a chart shows for one poll of a member: its role, or why it has none. */
export function memberState(o: { reachable: boolean; role?: string; state?: string }): string {
  if (!o.reachable) return 'unreachable';
  const state = (o.state ?? '').toLowerCase();
  if (/stop|crash|fail/.test(state)) return 'stopped';
  // A member that is starting (or rewinding before it streams) serves nothing yet, whatever its role.
  if (/start/.test(state)) return 'starting';
  const role = normaliseRole(o.role);
  if (role === 'leader' || role === 'replica') return role;
  return role || state || 'unknown';
}

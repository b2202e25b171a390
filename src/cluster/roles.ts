/**
 * What the Patroni versions people run call things, for every driver (health, observers, status,
 * discovery, reports). 2.1 and 3.0 say role `master` and replica state `running`; 3.1+ `primary`
 * (GET /patroni) or `leader` (GET /cluster); 3.0.4+ say `streaming` for a standby that streams, and
 * 4.x adds GET /patroni's `replication_state`. patronictl prints `Leader`, `Sync Standby`,
 * `Standby Leader` in its tables on every version, and its `--master` option became `--leader` in
 * 3.0. GET /primary answers on every one of them, so HAProxy's check needs no version.
 */

export type Role = 'leader' | 'standby_leader' | 'replica';

const LEADER = new Set(['leader', 'primary', 'master']);
const REPLICA = new Set(['replica', 'sync_standby', 'quorum_standby', 'standby']);

/** 'leader', 'standby_leader' or 'replica' for the names Patroni uses; anything else as given. */
export function normaliseRole(role: string | undefined): string | undefined {
  if (role === undefined) return undefined;
  // patronictl's tables say "Sync Standby", "Standby Leader".
  const r = role.toLowerCase().replace(/[ -]/g, '_');
  if (LEADER.has(r)) return 'leader';
  if (r === 'standby_leader') return 'standby_leader';
  if (REPLICA.has(r)) return 'replica';
  return role;
}

/** Holds the leader key: the leader, or a standby cluster's standby leader. */
export function isLeaderRole(role: string | undefined): boolean {
  const r = normaliseRole(role);
  return r === 'leader' || r === 'standby_leader';
}

/** The standby synchronous_mode commits through ("sync_standby" in the API, "Sync Standby" in patronictl). */
export function isSyncStandbyRole(role: string | undefined): boolean {
  return role?.toLowerCase().replace(/[ -]/g, '_') === 'sync_standby';
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

/**
 * A replica that follows its leader, from GET /patroni: 4.x's `replication_state` settles it when
 * present; otherwise `streaming` (3.0.4+), or `running` (2.1 – 3.0.3, which say nothing more).
 */
export function isReplicating(m: { role?: string; state?: string; replication_state?: string }): boolean {
  if (isLeaderRole(m.role)) return false;
  if (m.replication_state !== undefined) return m.replication_state === 'streaming';
  return m.state === 'streaming' || m.state === 'running';
}

/** Dotted versions compared numerically ("3.10.0" after "3.2.1"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** PostgreSQL's server_version number (150010, 90624) as people write it (15.10, 9.6.24). */
export function postgresVersion(n: number | undefined): string {
  if (!n) return 'unknown';
  if (n >= 100000) return `${Math.floor(n / 10000)}.${n % 10000}`;
  return `${Math.floor(n / 10000)}.${Math.floor(n / 100) % 100}.${n % 100}`;
}

/** patronictl's options for a Patroni version: `--leader` is `--master` before 3.0. */
export function patronictlArgs(args: string[], version: string): string[] {
  if (compareVersions(version, '3.0.0') >= 0) return args;
  return args.map((a) => (a === '--leader' ? '--master' : a));
}

/** Patroni 3.0.4 (patroni#2733) and later tell a streaming standby (`streaming`) from a running one. */
const reportsStreaming = (version: string | undefined) => compareVersions(version ?? '0', '3.0.4') >= 0;

/**
 * Which of `replicas` (GET /cluster members) stream from the leader whose GET /patroni is `leader`.
 * 3.0.4+ say so in /cluster, and their `running` replica has not connected yet; older ones say only
 * `running` there, so for those the leader's pg_stat_replication (its `replication`) decides.
 */
export function streamingReplicas(
  replicas: Array<{ name: string; state?: string }>,
  leader: { patroni?: { version?: string }; replication?: Array<{ application_name?: string; state?: string }> },
): Set<string> {
  const out = new Set(replicas.filter((m) => m.state === 'streaming').map((m) => m.name));
  if (reportsStreaming(leader.patroni?.version)) return out;
  for (const r of leader.replication ?? []) {
    if (r.state === 'streaming' && replicas.some((m) => m.name === r.application_name && m.state === 'running')) out.add(r.application_name!);
  }
  return out;
}

/**
 * What the Patroni versions people run call things, in one place (to be merged into the shared
 * normaliser): 2.1 and 3.0 say role `master` and replica state `running`, 3.1+ `primary`/`leader`
 * and `streaming`; patronictl's `--master` became `--leader` in 3.0.
 */

/** Every word Patroni used for the member that holds the leader key. */
const LEADER_WORDS = new Set(['master', 'primary', 'leader', 'standby_leader', 'standby-leader']);

/** One vocabulary: leader, replica, sync_standby, or what Patroni said when it is none of them. */
export function memberRole(role: string | undefined): string {
  if (!role) return 'unknown';
  const r = role.toLowerCase().replace(/ /g, '_');
  if (LEADER_WORDS.has(r)) return 'leader';
  if (r === 'sync_standby' || r === 'quorum_standby') return r;
  if (r === 'replica' || r === 'standby') return 'replica';
  return r;
}

export const isLeader = (role: string | undefined) => memberRole(role) === 'leader';

/**
 * A replica that follows its leader: 4.x says `streaming`; 2.1–3.x say `running` for a replica whose
 * PostgreSQL runs (GET /patroni's `replication_state`, when present, settles it either way).
 */
export function isReplicating(m: { role?: string; state?: string; replication_state?: string }): boolean {
  if (isLeader(m.role)) return false;
  if (m.replication_state !== undefined) return m.replication_state === 'streaming';
  return m.state === 'streaming' || m.state === 'running';
}

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

/** patronictl's options by version: `--leader` is `--master` before 3.0. */
export function patronictlArgs(args: string[], version: string): string[] {
  if (compareVersions(version, '3.0.0') >= 0) return args;
  return args.map((a) => (a === '--leader' ? '--master' : a));
}

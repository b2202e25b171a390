import { clusterView } from '../cluster/health.js';
import { isLeaderRole, isReplicating } from '../cluster/roles.js';
import type { ClusterAccess, ClusterDriver } from '../cluster/types.js';
import { formatTarget, type TargetSpec } from '../experiment/schema.js';

export interface ResolvedTarget {
  /** A node ("patroni2") or a component on it ("patroni2/pgbouncer"), as ClusterDriver.inject takes. */
  node: string;
  /** What the node was when chosen: leader, replica, sync_standby, etcd, etcd_leader, haproxy, haproxy_backup (not the VIP holder), keepalived, pgbouncer. */
  role: string;
}

/** What earlier steps of the run did, for targets that depend on it (replica:other, not:, $member). */
export interface TargetMemory {
  /** Nodes each fault hit, by id. */
  hitBy: Map<string, readonly string[]>;
  /** Every node any earlier inject hit. */
  hit: Set<string>;
  /** each: replicas bindings: "block:iteration" → the member, and every member a block has had. */
  bound: Map<string, string>;
}

export const emptyMemory = (): TargetMemory => ({ hitBy: new Map(), hit: new Set(), bound: new Map() });

/** The etcd client port on every driver. */
const ETCD_CLIENT_PORT = 2379;

/**
 * Chooses the nodes a step acts on from the cluster as it is now: "the leader" is whoever holds the
 * leader key when the step runs, not when the file was written.
 */
export async function resolveTarget(
  target: TargetSpec,
  access: ClusterAccess,
  driver: ClusterDriver,
  memory: TargetMemory = emptyMemory(),
): Promise<ResolvedTarget[]> {
  const excluded = excludedBy(target, memory);
  const allowed = (node: string) => !excluded.has(node);
  const ofKind = (kind: string) => access.nodes.filter((n) => n.kind === kind).map((n) => n.name);
  const none = (what: string) =>
    new Error(`no ${what} to target${excluded.size ? ` once ${[...excluded].join(', ')} are left out` : ''}: the cluster has none right now`);
  switch (target.kind) {
    case 'role':
    case 'bound': {
      const result = chooseMembers(target, await members(access), memory);
      if (result.length === 0) throw none(target.kind === 'bound' ? `replica for $${target.name} that an earlier iteration did not have` : formatTarget(target));
      return result.map(({ node, role }) => ({ node, role }));
    }
    case 'etcd': {
      const etcd = ofKind('etcd').filter(allowed);
      const n = ofKind('etcd').length;
      const count =
        target.count === 'majority' ? Math.floor(n / 2) + 1 : target.count === 'minority' ? Math.floor((n - 1) / 2) : target.count === 'all' ? n : target.count;
      if (count > etcd.length) throw new Error(`etcd:${target.count} asks for ${count} members, ${etcd.length} are left to choose from`);
      if (count === 0) throw new Error(`etcd:${target.count} is no member of ${n}`);
      // The last members: etcd1 is where a reader looks first, so it stays up when it can.
      return etcd.slice(etcd.length - count).map((node) => ({ node, role: 'etcd' }));
    }
    case 'etcd_leader': {
      const leader = await etcdLeader(access);
      if (!leader) throw new Error('no etcd member says it is the Raft leader right now');
      if (!allowed(leader)) throw none('etcd leader');
      return [{ node: leader, role: 'etcd_leader' }];
    }
    case 'haproxy': {
      const haproxy = ofKind('haproxy');
      // "The" HAProxy is the one clients reach now: the VIP holder when keepalived runs.
      const active = (await driver.activeHaproxy()) ?? haproxy[0];
      const chosen = (target.which === 'backup' ? haproxy.filter((h) => h !== active) : target.which === 'active' ? haproxy.filter((h) => h === active) : haproxy).filter(allowed);
      if (chosen.length === 0) throw new Error(`no HAProxy node matches haproxy:${target.which}`);
      return chosen.map((node) => ({ node, role: haproxyRole(node, active, access.topology.keepalived) }));
    }
    case 'patroni_all':
      return ofKind('patroni').filter(allowed).map((node) => ({ node, role: 'patroni' }));
    case 'node': {
      const n = access.nodes.find((x) => x.name === target.name);
      if (!n) throw new Error(`no node named "${target.name}" (nodes: ${access.nodes.map((x) => x.name).join(', ')})`);
      if (n.kind === 'haproxy') return [{ node: n.name, role: haproxyRole(n.name, await driver.activeHaproxy(), access.topology.keepalived) }];
      if (n.kind !== 'patroni') return [{ node: n.name, role: n.kind }];
      return [{ node: n.name, role: await roleOf(access, n.name) }];
    }
    case 'pgbouncer': {
      if (!access.topology.pgbouncer) throw new Error('pgbouncer:leader needs a topology with pgbouncer');
      const [leader] = await resolveTarget({ kind: 'role', role: 'leader' }, access, driver);
      return [{ node: `${leader!.node}/pgbouncer`, role: 'pgbouncer' }];
    }
    case 'keepalived': {
      const active = await driver.activeHaproxy();
      if (!active || !access.topology.keepalived) throw new Error('keepalived:active needs a topology with keepalived and a VIP holder');
      return [{ node: `${active}/keepalived`, role: 'keepalived' }];
    }
  }
}

/**
 * With keepalived only the VIP holder serves clients: a fault on another HAProxy is one on a standby
 * ('haproxy_backup'), which the fault model tells apart.
 */
export function haproxyRole(node: string, active: string | null | undefined, keepalived: boolean): string {
  return keepalived && active && node !== active ? 'haproxy_backup' : 'haproxy';
}

/** The nodes replica:other and not: leave out. */
function excludedBy(target: TargetSpec, memory: TargetMemory): Set<string> {
  const excluded = new Set<string>(target.other ? memory.hit : []);
  for (const id of target.not ?? []) {
    const nodes = memory.hitBy.get(id);
    if (!nodes) throw new Error(`not: fault "${id}" has not been injected in this run`);
    for (const n of nodes) excluded.add(n);
  }
  return excluded;
}

/**
 * The Patroni members a role or $member target stands for, from the members as they are now (sorted
 * by name). A $member keeps the node its iteration first chose, whatever that node's state now (a
 * stopped replica must still be the one its heal restarts); a new iteration takes a replica no
 * earlier iteration of its block had. Records new bindings in `memory`.
 */
export function chooseMembers(target: TargetSpec & { kind: 'role' | 'bound' }, current: readonly Member[], memory: TargetMemory): Member[] {
  const excluded = excludedBy(target, memory);
  const candidates = current.filter((m) => !excluded.has(m.node));
  if (target.kind === 'role') {
    const chosen = candidates.filter((m) => matchesRole(m, target.role));
    return target.role === 'replicas' ? chosen : chosen.slice(0, 1);
  }
  const key = `${target.block}:${target.iteration}`;
  const already = memory.bound.get(key);
  if (already) return [current.find((m) => m.node === already) ?? { node: already, role: 'patroni', state: 'unknown' }];
  const earlier = new Set([...memory.bound].filter(([k]) => k.startsWith(`${target.block}:`)).map(([, v]) => v));
  const next = candidates.find((m) => !earlier.has(m.node) && matchesRole(m, 'replica'));
  if (!next) return [];
  memory.bound.set(key, next.node);
  return [next];
}

export interface Member {
  node: string;
  /** leader, replica, sync_standby... */
  role: string;
  state: string;
}

/** Patroni members by name, as the cluster reports them now. */
async function members(access: ClusterAccess): Promise<Member[]> {
  const view = await clusterView(access);
  return [...(view?.members ?? [])]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ node: m.name, role: isLeaderRole(m.role) ? 'leader' : m.role, state: m.state }));
}

function matchesRole(m: Member, role: 'leader' | 'replica' | 'replicas' | 'sync_standby'): boolean {
  if (role === 'leader') return m.role === 'leader';
  if (role === 'sync_standby') return m.role === 'sync_standby';
  return isReplicating(m);
}

async function roleOf(access: ClusterAccess, node: string): Promise<string> {
  return (await members(access)).find((m) => m.node === node)?.role ?? 'patroni';
}

/** The etcd member whose /metrics says etcd_server_is_leader 1. */
export async function etcdLeader(access: ClusterAccess): Promise<string | null> {
  const etcd = access.nodes.filter((n) => n.kind === 'etcd');
  const answers = await Promise.allSettled(
    etcd.map(async (e) => {
      // /metrics is a few hundred kB: generous on a busy machine.
      const res = await fetch(`http://${e.address}:${ETCD_CLIENT_PORT}/metrics`, { signal: AbortSignal.timeout(5000) });
      return /^etcd_server_is_leader 1$/m.test(await res.text()) ? e.name : null;
    }),
  );
  return answers.flatMap((a) => (a.status === 'fulfilled' && a.value ? [a.value] : []))[0] ?? null;
}

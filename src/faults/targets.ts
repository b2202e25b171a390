import { clusterView } from '../cluster/health.js';
import { isLeaderRole } from '../cluster/patroni-api.js';
import type { ClusterAccess, ClusterDriver } from '../cluster/types.js';
import type { TargetSpec } from '../experiment/schema.js';

export interface ResolvedTarget {
  /** A node ("patroni2") or a component on it ("patroni2/pgbouncer"), as ClusterDriver.inject takes. */
  node: string;
  /** What the node was when chosen: leader, replica, sync_standby, etcd, haproxy. */
  role: string;
}

/**
 * Chooses the nodes a step acts on from the cluster as it is now: "the leader" is whoever holds the
 * leader key when the step runs, not when the file was written.
 */
export async function resolveTarget(target: TargetSpec, access: ClusterAccess, driver: ClusterDriver): Promise<ResolvedTarget[]> {
  const ofKind = (kind: string) => access.nodes.filter((n) => n.kind === kind).map((n) => n.name);
  switch (target.kind) {
    case 'role': {
      const view = await clusterView(access);
      const members = [...(view?.members ?? [])].sort((a, b) => a.name.localeCompare(b.name));
      const roleOf = (m: { role: string }) => (isLeaderRole(m.role) ? 'leader' : m.role);
      const pick = (pred: (m: { role: string; state: string }) => boolean) =>
        members.filter(pred).map((m) => ({ node: m.name, role: roleOf(m) }));
      const chosen =
        target.role === 'leader'
          ? pick((m) => isLeaderRole(m.role))
          : target.role === 'sync_standby'
            ? pick((m) => m.role === 'sync_standby')
            : pick((m) => !isLeaderRole(m.role) && (m.state === 'streaming' || m.state === 'running'));
      const result = target.role === 'replica' || target.role === 'leader' || target.role === 'sync_standby' ? chosen.slice(0, 1) : chosen;
      if (result.length === 0) throw new Error(`no ${target.role} to target: the cluster has none right now`);
      return result;
    }
    case 'etcd': {
      const etcd = ofKind('etcd');
      const n = etcd.length;
      const count =
        target.count === 'majority' ? Math.floor(n / 2) + 1 : target.count === 'minority' ? Math.floor((n - 1) / 2) : target.count === 'all' ? n : target.count;
      if (count > n) throw new Error(`etcd:${target.count} asks for ${count} members, the cluster has ${n}`);
      if (count === 0) throw new Error(`etcd:${target.count} is no member of ${n}`);
      // The last members: etcd1 is where a reader looks first, so it stays up when it can.
      return etcd.slice(n - count).map((node) => ({ node, role: 'etcd' }));
    }
    case 'haproxy': {
      const haproxy = ofKind('haproxy');
      // "The" HAProxy is the one clients reach now: the VIP holder when keepalived runs.
      const active = (await driver.activeHaproxy()) ?? haproxy[0];
      const chosen = target.which === 'backup' ? haproxy.filter((h) => h !== active) : target.which === 'active' ? haproxy.filter((h) => h === active) : haproxy;
      if (chosen.length === 0) throw new Error(`no HAProxy node matches haproxy:${target.which}`);
      return chosen.map((node) => ({ node, role: 'haproxy' }));
    }
    case 'patroni_all':
      return ofKind('patroni').map((node) => ({ node, role: 'patroni' }));
    case 'node': {
      const n = access.nodes.find((x) => x.name === target.name);
      if (!n) throw new Error(`no node named "${target.name}" (nodes: ${access.nodes.map((x) => x.name).join(', ')})`);
      if (n.kind !== 'patroni') return [{ node: n.name, role: n.kind }];
      const view = await clusterView(access);
      const m = view?.members.find((x) => x.name === n.name);
      return [{ node: n.name, role: m ? (isLeaderRole(m.role) ? 'leader' : m.role) : 'patroni' }];
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

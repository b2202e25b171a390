import type { ClusterSettings, ClusterSpec, Topology } from './types.js';

/**
 * Fast timings Patroni 4 accepts (ttl >= 20, loop_wait + 2 × retry_timeout <= ttl). The one source of
 * defaults: `cluster up` uses them as they are, and experiment files start from them.
 * nopreempt: a returning HAProxy does not take the VIP back, which would cause a second blip.
 */
export const DEFAULT_SETTINGS: ClusterSettings = {
  ttl: 20,
  loop_wait: 2,
  retry_timeout: 9,
  maximum_lag_on_failover: 1048576,
  failsafe_mode: false,
  synchronous_mode: false,
  haproxy: { inter_ms: 500, fall: 2, rise: 1 },
  etcd: { heartbeat_ms: 100, election_ms: 1000 },
  keepalived: { advert_int_ms: 1000, nopreempt: true },
};

/** Cluster shapes by name: the course's, and production's from the seed report. */
export const PROFILES: Record<string, Topology> = {
  course: { etcd: 3, patroni: 3, haproxy: 1, pgbouncer: false, keepalived: false },
  production: { etcd: 3, patroni: 3, haproxy: 2, pgbouncer: true, keepalived: true },
};

export function profileSpec(profile: string, settings: Partial<ClusterSettings> = {}): ClusterSpec {
  const topology = PROFILES[profile];
  if (!topology) throw new Error(`unknown cluster profile "${profile}" (known: ${Object.keys(PROFILES).join(', ')})`);
  return { scope: 'drill', topology, settings: { ...DEFAULT_SETTINGS, ...settings } };
}

/** Node names as the course's docker-compose uses them. */
export function nodeNames(t: Topology): { etcd: string[]; patroni: string[]; haproxy: string[] } {
  const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  return {
    etcd: range('etcd', t.etcd),
    patroni: range('patroni', t.patroni),
    haproxy: t.haproxy === 1 ? ['haproxy'] : range('haproxy', t.haproxy),
  };
}

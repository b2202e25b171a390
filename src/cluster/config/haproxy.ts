import type { ClusterSettings } from '../types.js';

export interface HaproxyConfigInput {
  /** Patroni nodes: name, PostgreSQL (or pgbouncer) address:port, REST port for the check. */
  servers: Array<{ name: string; address: string; port: number; restPort: number }>;
  bind: string;
  writePort: number;
  readPort: number;
  statsPort: number;
  statsPassword: string;
  settings: ClusterSettings;
}

/** `timeout check`: one inter, at least 0.5 s, so a loaded REST API is not taken for a dead one. */
export const checkTimeoutMs = (haproxy: ClusterSettings['haproxy']): number => Math.max(haproxy.inter_ms, 500);

/**
 * The course's HAProxy, with the field-tested fixes: checks on Patroni's REST API, sessions cut when
 * a server goes down, and a write port that refuses connections unless exactly one server is up
 * (HAProxy treats servers as up before their first check, which misroutes writes right after a start).
 */
export function haproxyConfig(c: HaproxyConfigInput): string {
  const { inter_ms, fall, rise } = c.settings.haproxy;
  const server = (s: HaproxyConfigInput['servers'][number]) =>
    `    server ${s.name} ${s.address}:${s.port} maxconn 100 check port ${s.restPort}`;
  const lines = [
    'global',
    '    maxconn 1000',
    '',
    'defaults',
    '    mode tcp',
    '    retries 2',
    '    timeout client 30m',
    '    timeout connect 2s',
    '    timeout server 30m',
    `    timeout check ${checkTimeoutMs(c.settings.haproxy)}ms`,
    '',
    'listen stats',
    '    mode http',
    `    bind ${c.bind}:${c.statsPort}`,
    '    stats enable',
    '    stats uri /',
    '    stats refresh 1s',
    `    stats auth admin:${c.statsPassword}`,
    '',
    'listen primary',
    `    bind ${c.bind}:${c.writePort}`,
    '    option httpchk OPTIONS /primary',
    '    http-check expect status 200',
    `    default-server inter ${inter_ms}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions`,
    '    tcp-request connection reject if !{ nbsrv(primary) eq 1 }',
    ...c.servers.map(server),
    '',
    'listen replicas',
    `    bind ${c.bind}:${c.readPort}`,
    '    balance roundrobin',
    '    option httpchk OPTIONS /replica',
    '    http-check expect status 200',
    `    default-server inter ${inter_ms}ms fall ${fall} rise ${rise} on-marked-down shutdown-sessions`,
    ...c.servers.map(server),
    '',
  ];
  return lines.join('\n');
}

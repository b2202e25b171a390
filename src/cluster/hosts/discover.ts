import { getJson } from '../patroni-api.js';
import type { Component, Versions } from '../types.js';
import type { ControlPath } from './commands.js';
import { parseHaproxyConfig, type HaproxyFacts } from '../haproxy-config.js';
import { parseKeepalivedConfig, parsePatroniConfig, parseSshConnection, splitHostPort, type KeepalivedFacts } from './configs.js';
import type { Inventory, InventoryHost } from './inventory.js';
import { findTablesInOutput } from '../../grade/extract/patronictl.js';
import type { ListedMember } from '../../grade/types.js';
import { isReplicating, normaliseRole, postgresVersion } from '../roles.js';
import { shq, type HostConnection } from './ssh.js';

export interface UnitFacts {
  component: Component;
  unit: string;
  config: string;
  active: string;
  mainPid: number;
  killMode: string;
}

export interface HostFacts {
  name: string;
  address: string;
  fingerprint: string | null;
  control: ControlPath;
  systemd: string;
  units: UnitFacts[];
}

export interface PatroniFacts {
  host: string;
  member: string;
  scope: string;
  rest: string;
  postgres: { host: string; port: number };
  dataDir: string | null;
  version: string;
  role: string;
  state: string;
  timeline: number | null;
  replicating: boolean;
}

export interface Discovery {
  hosts: HostFacts[];
  patroni: PatroniFacts[];
  etcd: { members: Array<{ name: string; clientURLs: string[] }>; error?: string };
  /** patronictl list as the DCS has it, from one Patroni host. */
  dcsView: ListedMember[] | { error: string };
  haproxy: Array<{ host: string } & HaproxyFacts>;
  /** The first host's VRRP settings, with every host's priority (by host name). */
  keepalived: ({ holder: string | null; priorities: Record<string, number> } & Omit<KeepalivedFacts, 'priority'>) | null;
  settings: { ttl?: number; loop_wait?: number; retry_timeout?: number; failsafe_mode?: boolean; synchronous_mode?: boolean; maximum_lag_on_failover?: number };
  versions: Versions & { keepalived?: string };
}

export type Connections = Map<string, HostConnection>;

const firstLine = (s: string) => s.trim().split('\n')[0]?.trim() ?? '';
// Generous: on a loaded host sshd, sudo and systemctl can take seconds each; still bounded.
const TIMEOUT = 30_000;

async function hostFacts(h: InventoryHost, c: HostConnection): Promise<HostFacts> {
  const [sshConn, systemd, ...units] = await Promise.all([
    c.check('echo "$SSH_CONNECTION"', { asLoginUser: true, timeoutMs: TIMEOUT }),
    c.check('systemctl --version | head -n1', { timeoutMs: TIMEOUT }),
    ...h.services.map((s) => c.check(`systemctl show -p ActiveState -p MainPID -p KillMode ${shq(s.unit)}`, { timeoutMs: TIMEOUT })),
  ]);
  return {
    name: h.name,
    address: h.ssh.address,
    fingerprint: c.fingerprint,
    control: parseSshConnection(sshConn),
    systemd: firstLine(systemd),
    units: h.services.map((s, i) => {
      const props = Object.fromEntries(units[i]!.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      return { ...s, active: props.ActiveState ?? 'unknown', mainPid: Number(props.MainPID ?? 0), killMode: props.KillMode ?? '' };
    }),
  };
}

const servicesOf = (inv: Inventory, component: Component) =>
  inv.hosts.flatMap((h) => h.services.filter((s) => s.component === component).map((s) => ({ host: h, service: s })));

/** The VIP holder: the HAProxy host whose interfaces carry the VIP now. */
export async function vipHolder(inv: Inventory, conns: Connections, vip: string): Promise<string | null> {
  const hosts = servicesOf(inv, 'keepalived').map((x) => x.host.name);
  const holders = await Promise.all(
    hosts.map(async (h) => {
      const out = await conns.get(h)!.run('ip -o addr show', { timeoutMs: 5000 }).catch(() => null);
      return out && new RegExp(`inet6? ${vip.replace(/\./g, '\\.')}/`).test(out.stdout) ? h : null;
    }),
  );
  return holders.find((h) => h !== null) ?? null;
}

/**
 * Everything the drill needs to know about a running cluster, read before anything is touched:
 * units and their state over SSH, Patroni's members from its REST API, etcd's members, HAProxy's and
 * keepalived's live settings from their configuration files, and who holds the VIP.
 */
export async function discover(inv: Inventory, conns: Connections): Promise<Discovery> {
  const hosts = await Promise.all(inv.hosts.map((h) => hostFacts(h, conns.get(h.name)!)));
  const read = (host: string, file: string) => conns.get(host)!.check(`cat ${shq(file)}`, { timeoutMs: TIMEOUT });

  const patroni = await Promise.all(
    servicesOf(inv, 'patroni').map(async ({ host, service }) => {
      const file = parsePatroniConfig(await read(host.name, service.config), `${host.name}:${service.config}`);
      const rest = `http://${file.rest}`;
      const view = await getJson<{ role?: string; state?: string; timeline?: number; replication_state?: string; server_version?: number; patroni?: { version?: string } }>(
        `${rest}/patroni`,
        3000,
      ).catch((err: Error) => {
        throw new Error(`${host.name}: Patroni's REST API at ${rest} does not answer from here (${err.message}); the drill reads it directly`);
      });
      return {
        host: host.name,
        member: file.name,
        scope: file.scope,
        rest,
        postgres: splitHostPort(file.postgres, 5432),
        dataDir: file.dataDir,
        version: view.patroni?.version ?? 'unknown',
        role: normaliseRole(view.role) ?? 'unknown',
        // 4.x: state running + replication_state streaming; 2.1–3.x: state running only.
        state: view.replication_state ?? view.state ?? 'unknown',
        timeline: view.timeline ?? null,
        replicating: isReplicating(view),
        serverVersion: view.server_version,
      };
    }),
  );
  const firstPatroni = servicesOf(inv, 'patroni')[0]!;
  const scopes = new Set(patroni.map((p) => p.scope));
  if (scopes.size > 1) throw new Error(`the inventory's Patroni hosts belong to different clusters (scopes ${[...scopes].join(', ')})`);

  const settings = await getJson<Discovery['settings']>(`${patroni[0]!.rest}/config`, 3000).catch(() => ({}));

  const etcdHosts = servicesOf(inv, 'etcd');
  const etcd: Discovery['etcd'] = { members: [] };
  if (etcdHosts[0]) {
    const { host, service } = etcdHosts[0];
    const cmd =
      `. ${shq(service.config)} 2>/dev/null; ETCDCTL_API=3 timeout 5 etcdctl --command-timeout=3s ` +
      `--endpoints="\${ETCD_ADVERTISE_CLIENT_URLS:-http://127.0.0.1:2379}" member list -w json`;
    try {
      const list = JSON.parse(await conns.get(host.name)!.check(cmd, { timeoutMs: TIMEOUT })) as { members?: Array<{ name?: string; clientURLs?: string[] }> };
      etcd.members = (list.members ?? []).map((m) => ({ name: m.name ?? '', clientURLs: m.clientURLs ?? [] }));
    } catch (err) {
      etcd.error = (err as Error).message;
    }
  }

  const dcsView = await conns
    .get(firstPatroni.host.name)!
    .check(`timeout 8 patronictl -c ${shq(firstPatroni.service.config)} list`, { timeoutMs: TIMEOUT })
    // The grader's reader of `patronictl list`: every format from 2.1's to 4.1's LSN columns.
    .then((text) => findTablesInOutput(text)[0]?.members ?? [])
    .catch((err: Error) => ({ error: err.message }));

  const haproxy = await Promise.all(servicesOf(inv, 'haproxy').map(async ({ host, service }) => ({ host: host.name, ...parseHaproxyConfig(await read(host.name, service.config)) })));

  // Every host's file: each has its own priority, which decides who takes the VIP over and how soon.
  const kas = await Promise.all(servicesOf(inv, 'keepalived').map(async ({ host, service }) => ({ host: host.name, ...parseKeepalivedConfig(await read(host.name, service.config)) })));
  let keepalived: Discovery['keepalived'] = null;
  if (kas[0]) {
    const { host: _, priority: __, ...facts } = kas[0];
    const priorities = Object.fromEntries(kas.map((k) => [k.host, k.priority]));
    keepalived = { ...facts, priorities, holder: facts.vip ? await vipHolder(inv, conns, facts.vip) : null };
  }

  const versionOf = async (component: Component, cmd: string) => {
    const h = servicesOf(inv, component)[0];
    if (!h) return undefined;
    return firstLine(await conns.get(h.host.name)!.check(`${cmd} 2>&1 | head -n1`, { timeoutMs: TIMEOUT }).catch(() => 'unknown'));
  };
  const [etcdV, haproxyV, pgbouncerV, keepalivedV] = await Promise.all([
    versionOf('etcd', 'etcd --version'),
    versionOf('haproxy', 'haproxy -v'),
    versionOf('pgbouncer', 'pgbouncer --version'),
    versionOf('keepalived', 'keepalived --version'),
  ]);
  const versions: Discovery['versions'] = {
    postgres: postgresVersion(patroni.find((p) => p.serverVersion)?.serverVersion),
    patroni: patroni[0]!.version,
    etcd: etcdV?.replace(/^etcd Version:\s*/, '') ?? 'unknown',
    haproxy: haproxyV?.replace(/^HAProxy version\s*/, '').split(' ')[0] ?? 'unknown',
    ...(pgbouncerV ? { pgbouncer: pgbouncerV.replace(/^PgBouncer\s*/, '') } : {}),
    ...(keepalivedV ? { keepalived: keepalivedV.replace(/^Keepalived\s*/, '').split(' ')[0] } : {}),
  };

  return {
    hosts,
    patroni: patroni.map(({ serverVersion: _, ...p }) => p),
    etcd,
    dcsView,
    haproxy,
    keepalived,
    settings,
    versions,
  };
}

/** The discovery as a person reads it before saying yes. */
export function formatDiscovery(d: Discovery): string {
  const out: string[] = [];
  out.push('Hosts (over SSH):');
  for (const h of d.hosts) {
    out.push(`  ${h.name} ${h.address}  ${h.systemd}  host key ${h.fingerprint ?? '?'}  controller ${h.control.controller} → sshd :${h.control.sshPort}`);
    for (const u of h.units) out.push(`    ${u.component.padEnd(10)} ${u.unit.padEnd(22)} ${u.active}${u.mainPid ? ` (pid ${u.mainPid})` : ''}${u.killMode ? `, KillMode=${u.killMode}` : ''}`);
  }
  out.push(`Patroni ${d.versions.patroni}, scope "${d.patroni[0]?.scope}" (REST API):`);
  for (const p of d.patroni) {
    out.push(`  ${p.member.padEnd(12)} on ${p.host.padEnd(10)} ${p.role.padEnd(8)} ${p.state.padEnd(10)} TL ${p.timeline ?? '?'}  PostgreSQL ${p.postgres.host}:${p.postgres.port}  REST ${p.rest}`);
  }
  if ('error' in d.dcsView) out.push(`  patronictl list failed: ${d.dcsView.error}`);
  else {
    const rest = new Map(d.patroni.map((p) => [p.member, p.role]));
    const disagree = d.dcsView.filter((m) => rest.get(m.name) !== m.role);
    out.push(`  patronictl list: ${d.dcsView.length} member(s)${disagree.length ? `; disagrees with the REST API on ${disagree.map((m) => `${m.name} (${m.role})`).join(', ')}` : ', agrees with the REST API'}`);
  }
  const s = d.settings;
  out.push(`  ttl ${s.ttl ?? '?'}, loop_wait ${s.loop_wait ?? '?'}, retry_timeout ${s.retry_timeout ?? '?'}, failsafe_mode ${s.failsafe_mode ?? false}, synchronous_mode ${s.synchronous_mode ?? false}`);
  out.push(
    d.etcd.error
      ? `etcd ${d.versions.etcd}: member list failed: ${d.etcd.error}`
      : `etcd ${d.versions.etcd}: ${d.etcd.members.map((m) => `${m.name} ${m.clientURLs.join(',')}`).join('; ') || 'no etcd host in the inventory'}`,
  );
  for (const h of d.haproxy) {
    out.push(
      `HAProxy ${d.versions.haproxy} on ${h.host}: write section "${h.write ?? '?'}"${h.writePort ? ` :${h.writePort}` : ''}, read "${h.read ?? '?'}"${h.readPort ? ` :${h.readPort}` : ''}, ` +
        `inter ${h.inter_ms ?? '?'} ms fall ${h.fall ?? '?'} rise ${h.rise ?? '?'}, stats ${h.stats[0] ? `:${h.stats[0].ports[0]}${h.stats[0].uri}` : 'none'}`,
    );
  }
  if (d.keepalived) {
    const k = d.keepalived;
    const check = k.check ? `check every ${k.check.interval_ms} ms, fall ${k.check.fall}${k.check.weight ? `, weight ${k.check.weight}` : ''}` : 'no health check of HAProxy';
    const priorities = Object.entries(k.priorities).map(([h, p]) => `${h} ${p}`).join(', ');
    out.push(`keepalived ${d.versions.keepalived ?? ''}: VIP ${k.vip ?? '?'} held by ${k.holder ?? 'nobody'}, advert_int ${k.advert_int_ms ?? '?'} ms${k.nopreempt ? ', nopreempt' : ''}, ${check}, priorities ${priorities}`);
  }
  return out.join('\n');
}

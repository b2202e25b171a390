/**
 * Finds out what a running compose project is, whoever wrote its file: which containers are etcd,
 * Patroni and HAProxy (by what runs in them), the Patroni member each container holds, the
 * superuser (from Patroni's own configuration), and which published port reaches the leader and which
 * the replicas, by asking PostgreSQL behind each port, never by trusting a port's number or name.
 */
import type Docker from 'dockerode';
import pg from 'pg';
import { readHaproxyStats } from '../haproxy-stats.js';
import { haproxyTimings, parseHaproxyConfig } from '../haproxy-config.js';
import { getJson, isLeaderRole, type PatroniClusterView, type PatroniNodeView } from '../patroni-api.js';
import { streamingFromLeader } from '../health.js';
import type { ClusterAccess, DbCredentials, NodeInfo, NodeKind } from '../types.js';
import { waitFor } from '../../util/time.js';
import { execIn, inspect, projectContainers, sh, top } from './engine.js';
import {
  backendRoles,
  classify,
  containerFacts,
  daemonOf,
  envRecord,
  findPatroni,
  haproxyConfigPath,
  parseProcScan,
  patroniProcess,
  patroniSettings,
  portRoles,
  PROC_DETAILS_SCRIPT,
  PROC_SCAN_SCRIPT,
  topArgv,
  type ContainerFacts,
  type NetworkAttachment,
  type PatroniProcess,
  type PortProbe,
  type PublishedPort,
} from './inspect.js';

export interface DockerNode extends NodeInfo {
  container: string;
  containerName: string;
  networks: NetworkAttachment[];
}

export interface Discovery {
  project: string;
  nodes: DockerNode[];
  /** Per Patroni node: how its Patroni runs, to run it (or patronictl) again the same way. */
  patroni: Record<string, PatroniProcess>;
  access: Omit<ClusterAccess, 'app' | 'topology'>;
  /** What was found, one fact per line, for the user. */
  report: string[];
}

/** Every container of the project as the engine describes it, with what runs in it. */
export async function projectFacts(docker: Docker, project: string): Promise<ContainerFacts[]> {
  const ids = await projectContainers(docker, project);
  return Promise.all(
    ids.map(async (id) => {
      const info = await inspect(docker, id);
      return containerFacts(info, info.State.Running ? await top(docker, id) : undefined);
    }),
  );
}

/** How long a running container may show no etcd, Patroni or HAProxy before it counts as something else. */
const UNKNOWN_GRACE_MS = 5000;

async function readPatroni(docker: Docker, f: ContainerFacts): Promise<{ process: PatroniProcess; config: string | undefined } | undefined> {
  const scan = await execIn(docker, f.id, sh(PROC_SCAN_SCRIPT));
  const entry = findPatroni(parseProcScan(scan.stdout));
  if (!entry) return undefined;
  const details = await execIn(docker, f.id, sh(PROC_DETAILS_SCRIPT, String(entry.pid)), { user: entry.user });
  const process = patroniProcess(entry, details.stdout);
  const config = process.config ? await execIn(docker, f.id, ['cat', process.config]) : undefined;
  return { process, config: config?.exitCode === 0 ? config.stdout : undefined };
}

/** pg_is_in_recovery() over `tries` fresh connections (a read port balances across replicas). */
async function recoveryThrough(port: PublishedPort, cred: DbCredentials, tries = 3): Promise<boolean[]> {
  const answers: boolean[] = [];
  for (let i = 0; i < tries; i++) {
    const client = new pg.Client({ host: port.host, port: port.hostPort, ...cred, connectionTimeoutMillis: 2000, query_timeout: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      answers.push((await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r);
    } catch {
      return [];
    } finally {
      await client.end().catch(() => {});
    }
  }
  return answers;
}

interface StatsCandidate {
  url: string;
  user: string;
  password: string;
}

async function isStatsPage(c: StatsCandidate): Promise<boolean> {
  return readHaproxyStats(c, 2000)
    .then(() => true)
    .catch(() => false);
}

/**
 * The stats page an HAProxy container serves: where its configuration (read from the file its
 * running haproxy was given) puts one, else any published port other than the PostgreSQL ones that
 * answers as one at "/".
 */
async function statsPage(docker: Docker, h: ContainerFacts, postgresPorts: PublishedPort[]): Promise<StatsCandidate | undefined> {
  const cfg = await haproxyFile(docker, h);
  const candidates: StatsCandidate[] = [];
  for (const s of cfg.text === null ? [] : parseHaproxyConfig(cfg.text).stats) {
    for (const port of s.ports) {
      const published = h.published.find((p) => p.containerPort === port);
      const base = published ? `http://${published.host}:${published.hostPort}` : `http://${h.networks[0]?.ip}:${port}`;
      candidates.push({ url: `${base}${s.uri}`, user: s.auth?.user ?? '', password: s.auth?.password ?? '' });
    }
  }
  for (const p of h.published) {
    if (!postgresPorts.includes(p)) candidates.push({ url: `http://${p.host}:${p.hostPort}/`, user: '', password: '' });
  }
  for (const c of candidates) if (await isStatsPage(c)) return c;
  return undefined;
}

/** The configuration file the container's running haproxy was given, and its text (null if unreadable). */
async function haproxyFile(docker: Docker, h: ContainerFacts): Promise<{ path: string; text: string | null }> {
  const argv = topArgv(await top(docker, h.id)).find((p) => daemonOf(p) === 'haproxy');
  if (!argv) throw new Error(`HAProxy is not running in ${h.name}`);
  const file = haproxyConfigPath(argv);
  const r = await execIn(docker, h.id, ['cat', file]);
  return { path: file, text: r.exitCode === 0 ? r.stdout : null };
}

const describePort = (p: PublishedPort) => `${p.host}:${p.hostPort} (container port ${p.containerPort})`;

/**
 * Waits (up to `timeoutMs`) until the project is running with a Patroni leader, streaming replicas
 * and HAProxy routing to them, and describes it.
 */
export async function discover(docker: Docker, project: string, opts: { timeoutMs: number; signal?: AbortSignal; progress?: (m: string) => void }): Promise<Discovery> {
  const deadline = Date.now() + opts.timeoutMs;
  const left = () => Math.max(1000, deadline - Date.now());
  const say = opts.progress ?? (() => {});
  const report: string[] = [];

  // 1. The containers and what they are. A container's daemon may still be behind its entrypoint
  // script for a moment after the start: one that says nothing yet gets a few seconds more.
  let allRunningSince: number | undefined;
  const facts = await waitFor(
    `the containers of compose project "${project}" to run`,
    async () => {
      const all = await projectFacts(docker, project);
      if (all.length === 0) throw new Error(`compose project "${project}" has no containers`);
      const stopped = all.filter((f) => !f.running || f.paused).map((f) => f.name);
      if (stopped.length) throw new Error(`not running: ${stopped.join(', ')}`);
      allRunningSince ??= Date.now();
      const silent = all.filter((f) => !f.processes.some((p) => daemonOf(p) !== undefined)).map((f) => f.name);
      if (silent.length && Date.now() - allRunningSince < UNKNOWN_GRACE_MS) throw new Error(`no etcd, Patroni or HAProxy running yet in ${silent.join(', ')}`);
      return all;
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );
  const byKind = (k: NodeKind) => facts.filter((f) => classify(f) === k).sort((a, b) => a.service.localeCompare(b.service, 'en', { numeric: true }));
  const [etcd, patroniFacts, haproxyFacts] = [byKind('etcd'), byKind('patroni'), byKind('haproxy')];
  const ignored = facts.filter((f) => classify(f) === undefined);
  report.push(`compose project "${project}": ${facts.length} containers`);
  if (patroniFacts.length === 0) throw new Error(`no container of compose project "${project}" runs Patroni (containers: ${facts.map((f) => f.name).join(', ')})`);
  if (haproxyFacts.length === 0) throw new Error(`no container of compose project "${project}" runs HAProxy (containers: ${facts.map((f) => f.name).join(', ')})`);
  if (ignored.length) report.push(`not etcd, Patroni or HAProxy, left alone: ${ignored.map((f) => f.name).join(', ')}`);
  const ip = (f: ContainerFacts) => f.networks[0]?.ip ?? '';

  // 2. Patroni in each Patroni container: how it runs, its configuration, the superuser.
  say('reading Patroni\'s configuration in its containers');
  const seen = await waitFor(
    'Patroni to run in every Patroni container',
    async () => {
      const all = await Promise.all(patroniFacts.map((f) => readPatroni(docker, f)));
      const missing = patroniFacts.filter((_, i) => !all[i]).map((f) => f.name);
      if (missing.length) throw new Error(`no Patroni process yet in ${missing.join(', ')}`);
      return all.map((x) => x!);
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );
  const settings = seen.map((s, i) => patroniSettings(s.config, { ...patroniFacts[i]!.env, ...envRecord(s.process.env) }));
  const superuser = settings.find((s) => s.superuser)?.superuser;
  if (!superuser) {
    throw new Error(`found no superuser password in Patroni's configuration or environment (${seen.map((s) => s.process.config ?? 'no file').join(', ')})`);
  }

  // 3. Members: which container holds which Patroni member, and a leader with streaming replicas.
  say('waiting for a Patroni leader and streaming replicas');
  const rest = patroniFacts.map((f, i) => `http://${ip(f)}:${settings[i]!.restPort}`);
  const members = await waitFor(
    'a Patroni leader and streaming replicas',
    async () => {
      const names = await Promise.all(rest.map((base) => getJson<PatroniNodeView>(`${base}/patroni`, 1000).then((v) => v.patroni?.name).catch(() => undefined)));
      const view = await getJson<PatroniClusterView>(`${rest[0]}/cluster`, 1000);
      const resolved = patroniFacts.map((f, i) => {
        const byHost = view.members.find((m) => m.host === ip(f) || m.host === f.service || f.networks.some((n) => n.aliases.includes(m.host)));
        return names[i] ?? byHost?.name;
      });
      const unknown = patroniFacts.filter((_, i) => !resolved[i]).map((f) => f.name);
      if (unknown.length) throw new Error(`no Patroni member found for ${unknown.join(', ')}`);
      const leader = view.members.find((m) => isLeaderRole(m.role));
      if (!leader) throw new Error('no leader yet');
      const others = view.members.filter((m) => m !== leader);
      const streaming = await streamingFromLeader(rest[resolved.indexOf(leader.name)], others);
      const lagging = others.filter((m) => !streaming.has(m.name)).map((m) => `${m.name} (${m.role}/${m.state})`);
      if (lagging.length) throw new Error(`not streaming yet: ${lagging.join(', ')}`);
      return { names: resolved as string[], view, leader: leader.name };
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );
  const replicas = members.view.members.filter((m) => m.name !== members.leader).map((m) => m.name);

  // 4. HAProxy: which published port is which, by asking the database behind it; and its stats page.
  say('asking PostgreSQL behind each published HAProxy port whether it is the leader');
  const front = haproxyFacts[0]!;
  const ports = await waitFor(
    "HAProxy's write and read ports",
    async () => {
      const probes: PortProbe[] = [];
      for (const port of front.published) {
        const inRecovery = await recoveryThrough(port, { ...superuser, database: 'postgres' });
        probes.push({ port, inRecovery });
      }
      const { write, read, mixed } = portRoles(probes);
      if (!write) throw new Error(`no published port of ${front.name} reaches the leader (ports: ${front.published.map(describePort).join(', ') || 'none'})`);
      if (!read) throw new Error(`no published port of ${front.name} reaches only replicas`);
      return { write, read, mixed };
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );
  const { write, read } = ports;
  for (const p of ports.mixed) report.push(`port ${describePort(p)} reaches both the leader and replicas`);

  const stats = await waitFor(
    "HAProxy's stats page",
    async () => {
      const pages: ClusterAccess['stats'] = [];
      for (const h of haproxyFacts) {
        const page = await statsPage(docker, h, [write, read]);
        if (page) pages.push({ haproxy: h.service, ...page });
      }
      if (pages.length === 0) throw new Error(`none found in ${front.name}'s configuration or among its published ports`);
      return pages;
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );

  // 5. HAProxy's backends by what they route to, so the health checks and the analysis read any names.
  const backends = await waitFor(
    "HAProxy's leader and replica backends",
    async () => {
      const rows = await readHaproxyStats(stats[0]!, 2000);
      const roles = backendRoles(rows, members.leader, replicas);
      if (!roles.write || !roles.read) throw new Error(`backends seen: ${[...new Set(rows.map((r) => r.backend))].join(', ')}`);
      return { write: roles.write, read: roles.read };
    },
    { timeoutMs: left(), intervalMs: 500, signal: opts.signal },
  );
  for (const s of stats) s.backends = backends;

  // The checks HAProxy runs with are the project's own: the predictions must use them, not the experiment file's.
  const cfg = await haproxyFile(docker, front);
  const checks = cfg.text === null ? null : haproxyTimings(parseHaproxyConfig(cfg.text));

  // The access, as the observers and the load use it.
  const nodes: DockerNode[] = [
    ...etcd.map((f) => node(f, f.service, 'etcd')),
    ...patroniFacts.map((f, i) => node(f, members.names[i]!, 'patroni')),
    ...haproxyFacts.map((f) => node(f, f.service, 'haproxy')),
  ];
  const memberPort = (name: string) => members.view.members.find((m) => m.name === name)?.port ?? 5432;
  const patroniNodes = nodes.filter((n) => n.kind === 'patroni');
  const access: Omit<ClusterAccess, 'app' | 'topology'> = {
    nodes: nodes.map(({ name, kind, address }) => ({ name, kind, address })),
    write: { host: write.host, port: write.hostPort },
    read: { host: read.host, port: read.hostPort },
    stats,
    patroni: Object.fromEntries(patroniNodes.map((n, i) => [n.name, rest[i]!])),
    direct: Object.fromEntries(patroniNodes.map((n) => [n.name, { host: n.address, port: memberPort(n.name) }])),
    superuser: { ...superuser, database: 'postgres' },
    nodeByAddress: Object.fromEntries(patroniNodes.flatMap((n) => n.networks.map((a) => [a.ip, n.name]))),
    ...(checks ? { balancers: { haproxy: checks } } : {}),
  };
  const patroni = Object.fromEntries(patroniNodes.map((n, i) => [n.name, seen[i]!.process]));

  const list = (ns: DockerNode[]) => ns.map((n) => `${n.name} = ${n.containerName} (${n.address})`).join(', ');
  if (etcd.length) report.push(`etcd: ${list(nodes.filter((n) => n.kind === 'etcd'))}`);
  report.push(`Patroni: ${list(patroniNodes)}; leader ${members.leader}`);
  report.push(`HAProxy: ${list(nodes.filter((n) => n.kind === 'haproxy'))}`);
  report.push(`write port (reached the leader on every test connection): ${describePort(write)}`);
  report.push(`read port (reached only replicas): ${describePort(read)}`);
  report.push(`stats page: ${stats.map((s) => s.url).join(', ')}; backends: ${backends.write} (leader), ${backends.read} (replicas)`);
  report.push(
    checks
      ? `HAProxy's checks (${cfg.path} in ${front.name}, HAProxy's defaults where it says nothing): inter ${checks.inter_ms} ms, fall ${checks.fall}, rise ${checks.rise}`
      : `HAProxy's configuration ${cfg.path} in ${front.name} could not be read: the predictions use the experiment file's check timings`,
  );
  report.push(`superuser from Patroni's configuration: ${superuser.user}`);
  for (const [name, p] of Object.entries(patroni)) {
    if (p.main) report.push(`${name}: Patroni is its container's main process, so kill-patroni ends the whole container there (a node crash, not systemd's kill -9)`);
  }
  return { project, nodes, patroni, access, report };
}

function node(f: ContainerFacts, name: string, kind: NodeKind): DockerNode {
  return { name, kind, address: f.networks[0]?.ip ?? '', container: f.id, containerName: f.name, networks: f.networks };
}

/**
 * What a compose project's containers are, read from what the engine says about them (`docker
 * inspect`, `docker top`) and from what runs inside them. Pure functions: the driver feeds them the
 * engine's answers, the unit tests feed them recorded ones.
 */
import path from 'node:path/posix';
import { parse as parseYaml } from 'yaml';
import type { HaproxyServerRow } from '../haproxy-stats.js';
import type { NodeKind } from '../types.js';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  network: 'com.docker.compose.network',
} as const;

/** The parts of `docker inspect <container>` the driver reads (dockerode's ContainerInspectInfo fits). */
export interface InspectLike {
  Id: string;
  Name: string;
  State: { Running: boolean; Paused: boolean };
  Config: { Cmd?: string[] | null; Entrypoint?: string | string[] | null; Env?: string[] | null; Labels?: Record<string, string> | null };
  HostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
  NetworkSettings: {
    Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
    Networks?: Record<string, { IPAddress?: string; IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null }> | null;
  };
}

/** `docker top` as the engine answers it: column titles and one row per process. */
export interface TopLike {
  Titles: string[];
  Processes: string[][];
}

export interface NetworkAttachment {
  network: string;
  /** The address it has now, or the one it was created with (before its first start). */
  ip: string;
  /** Set when the compose file fixed the address: a reconnect can ask for it again. */
  staticIp: boolean;
  aliases: string[];
}

export interface PublishedPort {
  containerPort: number;
  host: string;
  hostPort: number;
}

export interface ContainerFacts {
  id: string;
  name: string;
  project: string;
  service: string;
  running: boolean;
  paused: boolean;
  /** Entrypoint and command, as configured. */
  command: string[];
  env: Record<string, string>;
  networks: NetworkAttachment[];
  published: PublishedPort[];
  /** The argv of each process running in it (empty when it is not running). */
  processes: string[][];
}

export function envRecord(env: readonly string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/** A port published on every address is reached, from this host, on loopback. */
function reachableHost(hostIp: string | undefined): string {
  return !hostIp || hostIp === '0.0.0.0' || hostIp === '::' ? '127.0.0.1' : hostIp;
}

function publishedPorts(info: InspectLike): PublishedPort[] {
  // A running container reports what the engine bound (ephemeral ports included); a created one only
  // what its configuration asks for.
  const actual = info.NetworkSettings.Ports;
  const source = actual && Object.values(actual).some((b) => b?.length) ? actual : (info.HostConfig.PortBindings ?? {});
  const out: PublishedPort[] = [];
  for (const [spec, bindings] of Object.entries(source)) {
    const [port, proto] = spec.split('/');
    if (proto !== 'tcp') continue;
    for (const b of bindings ?? []) {
      const hostPort = Number(b.HostPort);
      // Docker lists an IPv4 and an IPv6 binding of the same port: one is enough.
      if (!hostPort || out.some((p) => p.hostPort === hostPort)) continue;
      out.push({ containerPort: Number(port), host: reachableHost(b.HostIp), hostPort });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort);
}

/** The argv of each process `docker top` lists. */
export function topArgv(top: TopLike | undefined): string[][] {
  if (!top) return [];
  const col = top.Titles.findIndex((t) => t === 'CMD' || t === 'COMMAND');
  if (col < 0) return [];
  // docker top joins argv with spaces; good enough to tell programs apart.
  return top.Processes.map((row) => (row[col] ?? '').split(/\s+/).filter(Boolean));
}

export function containerFacts(info: InspectLike, top?: TopLike): ContainerFacts {
  const labels = info.Config.Labels ?? {};
  const entrypoint = info.Config.Entrypoint;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    project: labels[LABEL.project] ?? '',
    service: labels[LABEL.service] ?? info.Name.replace(/^\//, ''),
    running: info.State.Running,
    paused: info.State.Paused,
    command: [...(typeof entrypoint === 'string' ? [entrypoint] : (entrypoint ?? [])), ...(info.Config.Cmd ?? [])],
    env: envRecord(info.Config.Env),
    networks: Object.entries(info.NetworkSettings.Networks ?? {}).map(([network, n]) => ({
      network,
      ip: n.IPAddress || n.IPAMConfig?.IPv4Address || '',
      staticIp: Boolean(n.IPAMConfig?.IPv4Address),
      aliases: n.Aliases ?? [],
    })),
    published: publishedPorts(info),
    processes: info.State.Running ? topArgv(top) : [],
  };
}

const basename = (s: string) => s.split('/').pop() ?? s;
const PATRONI_SCRIPTS = new Set(['patroni', 'patroni.py']);

/** Which daemon an argv runs: `patroni x.yml`, `python3 /patroni.py x.yml`, `etcd ...`, `haproxy ...`. */
export function daemonOf(argv: readonly string[]): NodeKind | undefined {
  const [exe, ...rest] = argv.map(basename);
  if (exe === undefined) return undefined;
  if (PATRONI_SCRIPTS.has(exe) || (exe.startsWith('python') && rest.some((a) => PATRONI_SCRIPTS.has(a)))) return 'patroni';
  if (exe === 'haproxy') return 'haproxy';
  if (exe === 'etcd') return 'etcd';
  return undefined;
}

/** A container running Patroni (and its PostgreSQL) next to an etcd is a Patroni node first. */
const PRIORITY: NodeKind[] = ['patroni', 'haproxy', 'etcd'];

/** What a container's configured command (entrypoint and arguments) says it runs, by its words. */
export function commandKind(command: readonly string[]): NodeKind | undefined {
  const words = new Set(command.map(basename));
  return PRIORITY.find((k) => words.has(k) || (k === 'patroni' && words.has('patroni.py')));
}

/**
 * What a container is, by what runs in it; for a container that is not running, by the words of
 * its command, and last by Patroni's environment variables (images configured only through them).
 */
export function classify(f: ContainerFacts): NodeKind | undefined {
  const running = new Set(f.processes.map(daemonOf));
  return PRIORITY.find((k) => running.has(k)) ?? commandKind(f.command) ?? (f.env.PATRONI_NAME !== undefined ? 'patroni' : undefined);
}

// ---------------------------------------------------------------------------------------------
// Patroni inside a container

/** One process as the scan inside a container reports it. */
export interface ProcEntry {
  pid: number;
  ppid: number;
  /** "uid:gid", as `docker exec --user` takes it. */
  user: string;
  argv: string[];
}

/**
 * A shell loop over /proc, for `docker exec`: one line per process, "pid ppid uid:gid argv", the
 * argv's NULs turned into \x01. Only POSIX sh, cat and tr: it runs in images it has never seen.
 */
export const PROC_SCAN_SCRIPT = [
  'for p in /proc/[0-9]*; do',
  '  s=$(cat "$p/stat" 2>/dev/null) || continue',
  '  set -- ${s##*) }',
  '  u=; g=',
  '  while read -r k v _; do case $k in Uid:) u=$v ;; Gid:) g=$v ;; esac; done 2>/dev/null < "$p/status"',
  `  printf '%s %s %s:%s ' "\${p#/proc/}" "$2" "$u" "$g"`,
  `  tr '\\000\\n' '\\001 ' < "$p/cmdline" 2>/dev/null`,
  '  echo',
  'done',
].join('\n');

export function parseProcScan(text: string): ProcEntry[] {
  return text
    .split('\n')
    .map((line) => /^(\d+) (\d+) (\d+:\d+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), user: m[3]!, argv: m[4]!.split('\x01').map((a) => a.trim()).filter(Boolean) }))
    .filter((p) => p.argv.length > 0);
}

/** The Patroni daemon among a container's processes (not a patronictl, not its PostgreSQL). */
export function findPatroni(procs: readonly ProcEntry[]): ProcEntry | undefined {
  return procs.filter((p) => daemonOf(p.argv) === 'patroni').sort((a, b) => a.pid - b.pid)[0];
}

/** Patroni's configuration file: the first argument after the Patroni program that is not an option. */
export function patroniConfigPath(argv: readonly string[], cwd: string): string | undefined {
  const at = argv.findIndex((a) => PATRONI_SCRIPTS.has(basename(a)));
  const file = argv.slice(at + 1).find((a) => !a.startsWith('-'));
  return file === undefined ? undefined : path.resolve(cwd, file);
}

/** Everything needed to run Patroni again as it ran, and to run patronictl beside it. */
export interface PatroniProcess {
  pid: number;
  /** Patroni is the container's main process: killing it ends the container. */
  main: boolean;
  user: string;
  cwd: string;
  argv: string[];
  env: string[];
  config: string | undefined;
}

/**
 * `docker exec` script printing the working directory and environment of process $1, one per line.
 * It must run as the process's own user: without CAP_SYS_PTRACE, which Docker does not grant, even
 * root cannot read another user's /proc/<pid>/environ.
 */
export const PROC_DETAILS_SCRIPT = ['readlink "/proc/$1/cwd"', `tr '\\000\\n' '\\001 ' < "/proc/$1/environ"`, 'echo'].join('\n');

export function patroniProcess(entry: ProcEntry, details: string): PatroniProcess {
  const [cwd = '', env = ''] = details.split('\n');
  return {
    pid: entry.pid,
    main: entry.pid === 1 || entry.ppid === 1,
    user: entry.user,
    cwd: cwd || '/',
    argv: entry.argv,
    env: env.split('\x01').filter(Boolean),
    config: patroniConfigPath(entry.argv, cwd || '/'),
  };
}

export interface PatroniSettingsSeen {
  restPort: number;
  superuser: { user: string; password: string } | undefined;
}

/** The REST port and superuser from Patroni's configuration, its environment winning as in Patroni. */
export function patroniSettings(configText: string | undefined, env: Record<string, string>): PatroniSettingsSeen {
  let doc: unknown;
  try {
    doc = configText ? parseYaml(configText) : undefined;
  } catch {
    doc = undefined;
  }
  const at = (...keys: string[]): unknown => keys.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  const listen = env.PATRONI_RESTAPI_LISTEN ?? str(at('restapi', 'listen'));
  const port = Number(listen?.split(':').pop());
  const password = env.PATRONI_SUPERUSER_PASSWORD ?? str(at('postgresql', 'authentication', 'superuser', 'password'));
  const user = env.PATRONI_SUPERUSER_USERNAME ?? str(at('postgresql', 'authentication', 'superuser', 'username')) ?? 'postgres';
  return {
    restPort: Number.isInteger(port) && port > 0 ? port : 8008,
    superuser: password === undefined ? undefined : { user, password },
  };
}

// ---------------------------------------------------------------------------------------------
// HAProxy

/** HAProxy's configuration file from its argv (-f), or the Debian default. */
export function haproxyConfigPath(argv: readonly string[]): string {
  const i = argv.indexOf('-f');
  return (i >= 0 ? argv[i + 1] : undefined) ?? '/etc/haproxy/haproxy.cfg';
}

/**
 * Which backend routes to the leader and which to the replicas, by what HAProxy says is up in each:
 * the write backend has the leader and nobody else up, the read backend only replicas.
 */
export function backendRoles(rows: readonly HaproxyServerRow[], leader: string, replicas: readonly string[]): { write?: string; read?: string } {
  const up = new Map<string, string[]>();
  for (const r of rows) {
    const list = up.get(r.backend) ?? [];
    if (r.status.startsWith('UP')) list.push(r.server);
    up.set(r.backend, list);
  }
  let write: string | undefined;
  let read: string | undefined;
  let readCount = 0;
  for (const [backend, servers] of up) {
    if (servers.length === 1 && servers[0] === leader) write ??= backend;
    else if (servers.length > readCount && servers.every((s) => replicas.includes(s))) [read, readCount] = [backend, servers.length];
  }
  return { ...(write ? { write } : {}), ...(read ? { read } : {}) };
}

/** What a published port turned out to be: pg_is_in_recovery() on each test connection through it. */
export interface PortProbe {
  port: PublishedPort;
  /** One answer per test connection; empty when no PostgreSQL answered. */
  inRecovery: boolean[];
}

export interface PortRoles {
  write?: PublishedPort;
  read?: PublishedPort;
  /** PostgreSQL ports that reached both the leader and replicas. */
  mixed: PublishedPort[];
}

/** The write port reached only the leader, the read port only replicas: whatever their numbers say. */
export function portRoles(probes: readonly PortProbe[]): PortRoles {
  const roles: PortRoles = { mixed: [] };
  for (const p of probes) {
    if (p.inRecovery.length === 0) continue;
    if (p.inRecovery.every((r) => !r)) roles.write ??= p.port;
    else if (p.inRecovery.every((r) => r)) roles.read ??= p.port;
    else roles.mixed.push(p.port);
  }
  return roles;
}

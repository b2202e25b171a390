import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import pg from 'pg';
import { createAppDatabase, enableEtcdAuth, etcdHealthy, newClusterToken, newPassword, newPasswords, type Passwords } from '../bootstrap.js';
import { etcdArgs } from '../config/etcd.js';
import { haproxyConfig } from '../config/haproxy.js';
import { dynamicConfig, patroniConfig } from '../config/patroni.js';
import { waitHealthy } from '../health.js';
import { getJson, type PatroniNodeView } from '../patroni-api.js';
import * as net from '../local/net-faults.js';
import { pauseReplay, resumeReplay } from '../local/postgres-faults.js';
import { DRIVER_FAULTS, type ClusterAccess, type ClusterDriver, type ClusterSpec, type FaultKind, type FaultOutcome, type FaultParams, type FaultTag, type FaultTarget, type NodeKind, type Topology, type UpOptions, type Versions } from '../types.js';
import { requiredParam } from '../../faults/injection.js';
import { waitFor } from '../../util/time.js';
import { compose, findCompose, type ComposeTarget } from './compose.js';
import { discover, projectFacts, type DockerNode } from './discover.js';
import { containerNs, crashPostgres, setCpuQuota } from './faults.js';
import {
  connectEngine,
  disconnect,
  execIn,
  inspect,
  killContainer,
  pauseContainer,
  reconnect,
  removeProject,
  sh,
  spawnIn,
  startContainer,
  stopContainer,
  unpauseContainer,
} from './engine.js';
import { ensureImage } from './image.js';
import { commandKind, containerFacts, findPatroni, parseProcScan, PROC_SCAN_SCRIPT, type PatroniProcess } from './inspect.js';
import { collectDockerLogs } from './logs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const OWN_COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
export const OWN_PROJECT = 'patroni-drill';
const BUILD_CONTEXT = path.join(ROOT, 'docker');
/** Per-run files: the drill's own nodes' configurations (mounted into them) and each project's state. */
export const DOCKER_STATE_DIR = process.env.PATRONI_DRILL_DOCKER_DIR ?? path.join(ROOT, '.drill', 'docker');

/** Inside the drill's own image (docker/Dockerfile, docker/drill-node). */
const IN_IMAGE = {
  mount: '/drill',
  data: '/var/lib/drill/data',
  etcdData: '/var/lib/drill/etcd',
  pgpass: '/var/lib/drill/pgpass',
  binDir: '/usr/lib/postgresql/current/bin',
} as const;
const PORTS = { pg: 5432, rest: 8008, etcd: 2379, write: 5000, read: 5001, stats: 7000 } as const;
/** Longest unix socket path the kernel takes (sun_path is 108 bytes). */
const MAX_SOCKET_PATH = 107;
const STOP_SECONDS = 30;
/** TCP connects that measure a loss fault (see the local driver's LOSS_PROBES). */
const LOSS_PROBES = 4000;

interface DockerState {
  project: string;
  /** The user's compose file; null for the drill's own docker-compose.yml. */
  userCompose: string | null;
  nodes: DockerNode[];
  patroni: Record<string, PatroniProcess>;
  access: ClusterAccess;
  report: string[];
  /** Open cpu-starve injections per node: tag → percent of one core. */
  cpu?: Record<string, Record<FaultTag, number>>;
}

export interface DockerDriverOptions {
  /** A compose project the user already has, to drive instead of the drill's own docker-compose.yml. */
  compose?: string;
}

/**
 * The cluster as a Docker Compose project: the drill's own docker-compose.yml (configurations
 * generated per run, started in order: etcd, Patroni, HAProxy), or a user's file whose containers,
 * credentials and ports are discovered. Faults go through the engine's API: stop/start, kill,
 * pause/unpause, network disconnect/reconnect, and exec for kill -9 of Patroni alone.
 */
export class DockerDriver implements ClusterDriver {
  readonly kind = 'docker' as const;
  private readonly userCompose: string | null;
  private docker: Docker | null = null;
  private state: DockerState | null = null;

  constructor(opts: DockerDriverOptions = {}) {
    this.userCompose = opts.compose ? path.resolve(opts.compose) : null;
  }

  /** What up() or attach() found out about the project, one fact per line. */
  get report(): string[] {
    return this.state?.report ?? [];
  }

  async up(spec: ClusterSpec, opts: UpOptions = {}): Promise<ClusterAccess> {
    const progress = opts.progress ?? (() => {});
    const docker = await this.engine();
    const version = await docker.version();
    progress(`Docker engine ${version.Version} (API ${version.ApiVersion}), compose ${(await findCompose()).version}`);
    progress('removing leftovers of an earlier run');
    await this.down();
    opts.signal?.throwIfAborted();
    if (spec.patroni) throw new Error(`the Docker driver runs the Patroni of its image; choosing a build (${spec.patroni}) works with --driver local`);
    const state = this.userCompose ? await this.upUserProject(docker, spec, opts) : await this.upOwnProject(docker, spec, opts);
    for (const line of state.report) progress(`found: ${line}`);
    return state.access;
  }

  async attach(): Promise<ClusterAccess> {
    const text = await readFile(this.stateFile(), 'utf8').catch(() => null);
    if (!text) {
      const how = this.userCompose ? `--compose ${this.userCompose}` : '--driver docker';
      throw new Error(`no Docker cluster is running (start one with \`npm run cluster -- up ${how}\`)`);
    }
    this.state = JSON.parse(text) as DockerState;
    return this.state.access;
  }

  async down(): Promise<void> {
    const docker = await this.engine();
    if (this.userCompose) {
      // The user's project goes the way it came: compose removes its containers and networks and keeps
      // its named volumes (their data is theirs).
      await compose(this.composeTarget(), ['down', '--remove-orphans'], 180_000);
    } else {
      // By label, not by compose file: also what a killed run left, whatever state it is in.
      await removeProject(docker, OWN_PROJECT, { volumes: true });
    }
    await rm(this.stateDir(), { recursive: true, force: true });
    this.state = null;
  }

  async inject(fault: FaultKind, target: FaultTarget, params: FaultParams = {}): Promise<FaultOutcome | void> {
    const n = this.target(target);
    const docker = await this.engine();
    switch (fault) {
      case 'stop':
        return stopContainer(docker, n.container, STOP_SECONDS);
      case 'kill':
        return killContainer(docker, n.container);
      case 'kill-patroni':
        return this.killPatroni(n);
      case 'pause':
        return pauseContainer(docker, n.container);
      case 'isolate':
        for (const a of n.networks) await disconnect(docker, n.container, a.network);
        return;
      case 'partition': {
        const peers = this.peers(n, params);
        const how = await net.partition(await containerNs(docker, n.container, n.name, n.address), addresses(peers), params.direction ?? 'both', params.tag);
        return { detail: `${how} with ${peers.map((p) => p.name).join(', ')}` };
      }
      case 'loss': {
        const pct = requiredParam(params.loss_pct, 'loss');
        const ns = await containerNs(docker, n.container, n.name, n.address);
        const how = await net.loss(ns, pct, params.peers ? addresses(this.peers(n, params)) : null, params.tag);
        const [peer] = this.peers(n, params);
        if (!peer) return { detail: how };
        const measured = await net.probe(ns, peer.address, net.CLOSED_PORT, LOSS_PROBES, 800, 100);
        const { seen, dropped } = await net.lossCounters(ns, params.tag);
        const realized = seen ? `${((100 * dropped) / seen).toFixed(1)}% of ${seen} outgoing packets (the rule's own counters since the injection)` : 'no packet yet';
        return { detail: `${how}; asked ${pct}% of outgoing packets, dropped ${realized}; probe: ${net.describeProbe(measured, peer.name)} (a connect is lost when its SYN is)` };
      }
      case 'bandwidth': {
        const ns = await containerNs(docker, n.container, n.name, n.address);
        return { detail: await net.bandwidth(ns, requiredParam(params.rate_kbit, 'rate'), params.peers ? addresses(this.peers(n, params)) : null, params.tag) };
      }
      case 'postgres-crash':
        return { detail: await crashPostgres(docker, n.container, this.patroniNode(n, fault).name) };
      case 'replay-pause':
        return { detail: await pauseReplay(this.required().access.direct[this.patroniNode(n, fault).name]!, this.required().access.superuser) };
      case 'cpu-starve': {
        const s = this.required();
        const open = { ...(s.cpu?.[n.name] ?? {}), [params.tag ?? '']: requiredParam(params.cpu_pct, 'cpu') };
        s.cpu = { ...s.cpu, [n.name]: open };
        await this.save(s);
        return { detail: await setCpuQuota(docker, n.container, open) };
      }
      case 'delay':
      case 'disk-full':
        throw new Error(`the Docker driver cannot inject ${fault}: ${DRIVER_FAULTS.docker.missing[fault]}`);
    }
  }

  async heal(fault: FaultKind, target: FaultTarget, tag?: FaultTag): Promise<void> {
    const n = this.target(target);
    const docker = await this.engine();
    switch (fault) {
      case 'stop':
      case 'kill':
        await startContainer(docker, n.container);
        return this.refreshAddress(n);
      case 'kill-patroni':
        return this.startPatroni(n);
      case 'pause':
        return unpauseContainer(docker, n.container);
      case 'isolate': {
        const shortId = n.container.slice(0, 12);
        for (const a of n.networks) {
          // The engine adds the container's short id as an alias itself.
          await reconnect(docker, n.container, a.network, a.aliases.filter((x) => x !== shortId), a.staticIp ? a.ip : null);
        }
        return this.refreshAddress(n);
      }
      case 'partition':
        return net.healPartition(await containerNs(docker, n.container, n.name, n.address), tag);
      case 'loss':
        return net.healLoss(await containerNs(docker, n.container, n.name, n.address), tag);
      case 'bandwidth':
        return net.healBandwidth(await containerNs(docker, n.container, n.name, n.address), tag);
      case 'postgres-crash':
        // Patroni restarts its PostgreSQL (or the cluster fails over): there is nothing to undo.
        return;
      case 'replay-pause':
        return resumeReplay(this.required().access.direct[this.patroniNode(n, fault).name]!, this.required().access.superuser);
      case 'cpu-starve': {
        const s = this.required();
        const open = { ...(s.cpu?.[n.name] ?? {}) };
        delete open[tag ?? ''];
        s.cpu = { ...s.cpu, [n.name]: open };
        await this.save(s);
        await setCpuQuota(docker, n.container, open);
        return;
      }
      case 'delay':
      case 'disk-full':
        // Never injected here (inject refuses them): nothing to undo.
        return;
    }
  }

  /** The other side of a network fault: the nodes asked for, or every other node. */
  private peers(n: DockerNode, params: FaultParams): DockerNode[] {
    const nodes = this.required().nodes;
    if (!params.peers) return nodes.filter((x) => x !== n);
    return params.peers.map((p) => this.target(p));
  }

  private patroniNode(n: DockerNode, fault: FaultKind): DockerNode {
    if (n.kind !== 'patroni') throw new Error(`${fault} needs a Patroni node, ${n.name} is ${n.kind}`);
    return n;
  }

  async activeHaproxy(): Promise<string | null> {
    return this.required().nodes.find((n) => n.kind === 'haproxy')?.name ?? null;
  }

  async patronictl(args: string[], timeoutMs = 30_000): Promise<string> {
    const docker = await this.engine();
    const s = this.required();
    for (const n of s.nodes.filter((x) => x.kind === 'patroni')) {
      const info = await inspect(docker, n.container).catch(() => null);
      if (!info?.State.Running || info.State.Paused) continue;
      const p = s.patroni[n.name]!;
      // patronictl blocks forever while etcd has no quorum, and an exec outlives its client: the
      // timeout runs inside the container.
      const cmd = ['timeout', String(Math.ceil(timeoutMs / 1000)), 'patronictl', ...(p.config ? ['-c', p.config] : []), ...args];
      const r = await execIn(docker, n.container, cmd, { user: p.user, env: p.env, workdir: p.cwd, timeoutMs: timeoutMs + 5000 });
      if (r.exitCode !== 0) throw new Error(`patronictl ${args.join(' ')} failed: ${(r.stderr || r.stdout || `exit ${r.exitCode}`).trim()}`);
      return r.stdout;
    }
    throw new Error('patronictl: no Patroni container is running');
  }

  async collectLogs(outDir: string, span: { from: Date; to: Date }): Promise<string[]> {
    return collectDockerLogs(await this.engine(), this.required().nodes, outDir, span);
  }

  async versions(): Promise<Versions> {
    const docker = await this.engine();
    const s = this.required();
    const a = s.access;
    const unknown = () => 'unknown';
    const first = (kind: NodeKind) => s.nodes.find((n) => n.kind === kind);
    const postgres = async () => {
      const client = new pg.Client({ ...a.write, ...a.superuser, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        const v = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '';
        return /^(\d+(?:\.\d+)?)/.exec(v)?.[1] ?? v;
      } finally {
        await client.end();
      }
    };
    const patroni = async () => (await getJson<PatroniNodeView>(`${Object.values(a.patroni)[0]}/patroni`, 2000)).patroni?.version ?? 'unknown';
    const etcd = async () => (await getJson<{ etcdserver?: string }>(`http://${first('etcd')?.address}:${PORTS.etcd}/version`, 2000)).etcdserver ?? 'unknown';
    const haproxy = async () => {
      const r = await execIn(docker, first('haproxy')!.container, ['haproxy', '-v']);
      return /version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
    };
    const [pgv, pv, ev, hv] = await Promise.all([postgres().catch(unknown), patroni().catch(unknown), etcd().catch(unknown), haproxy().catch(unknown)]);
    return { postgres: pgv, patroni: pv, etcd: ev, haproxy: hv };
  }

  // -------------------------------------------------------------------------------------------
  // Bringing a project up

  private async upOwnProject(docker: Docker, spec: ClusterSpec, opts: UpOptions): Promise<DockerState> {
    const progress = opts.progress ?? (() => {});
    const { tag, built } = await ensureImage(docker, BUILD_CONTEXT, progress);
    if (!built) progress(`reusing the image patroni-drill:${tag}`);
    const runDir = this.stateDir();
    await mkdir(runDir, { recursive: true });

    progress('creating the containers');
    await compose({ ...this.composeTarget(), env: { DRILL_IMAGE_TAG: tag, DRILL_RUN_DIR: runDir } }, ['up', '--no-start']);
    const created = await projectFacts(docker, OWN_PROJECT);
    const nodes: DockerNode[] = created.map((f) => ({
      name: f.service,
      kind: ownKind(f.command),
      address: f.networks[0]?.ip ?? '',
      container: f.id,
      containerName: f.name,
      networks: f.networks,
    }));
    checkTopology(spec.topology, nodes);
    const ofKind = (k: NodeKind) => nodes.filter((n) => n.kind === k).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    const network = nodes[0]!.networks[0]!.network;
    const subnet = (await docker.getNetwork(network).inspect()).IPAM?.Config?.[0]?.Subnet;
    if (!subnet) throw new Error(`network ${network} has no subnet: docker-compose.yml must fix it (the nodes listen on fixed addresses)`);

    const passwords = newPasswords();
    const etcd = ofKind('etcd');
    const etcdUrls = etcd.map((e) => `http://${e.address}:${PORTS.etcd}`);
    const patroni = ofKind('patroni');
    await writeNodeConfigs(runDir, { etcd, patroni, haproxy: ofKind('haproxy') }, spec, passwords, subnet);
    opts.signal?.throwIfAborted();

    progress('starting etcd');
    await Promise.all(etcd.map((n) => startContainer(docker, n.container)));
    await waitFor('etcd quorum', async () => ((await etcdHealthy(etcdUrls)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, signal: opts.signal });
    await enableEtcdAuth(etcdUrls, passwords.etcd);
    progress('starting Patroni and PostgreSQL');
    await Promise.all(patroni.map((n) => startContainer(docker, n.container)));
    progress('starting HAProxy');
    await Promise.all(ofKind('haproxy').map((n) => startContainer(docker, n.container)));

    const found = await discover(docker, OWN_PROJECT, { timeoutMs: 120_000, signal: opts.signal, progress });
    const socketDir = (name: string) => path.join(runDir, name, 'run');
    const access: ClusterAccess = {
      ...found.access,
      topology: spec.topology,
      // The unix socket on the mount reaches PostgreSQL even while its container is cut off the network.
      direct: Object.fromEntries(
        Object.entries(found.access.direct).map(([name, tcp]) => {
          const dir = socketDir(name);
          return [name, `${dir}/.s.PGSQL.${PORTS.pg}`.length <= MAX_SOCKET_PATH ? { host: dir, port: PORTS.pg } : tcp];
        }),
      ),
      app: { user: 'app', password: passwords.app, database: 'app' },
    };
    await waitHealthy(access, { timeoutMs: 60_000, signal: opts.signal });
    progress('creating the application role and database');
    await createAppDatabase(access, opts.signal);
    return this.save({ project: OWN_PROJECT, userCompose: null, nodes: found.nodes, patroni: found.patroni, access, report: found.report });
  }

  private async upUserProject(docker: Docker, spec: ClusterSpec, opts: UpOptions): Promise<DockerState> {
    const progress = opts.progress ?? (() => {});
    progress(`starting ${this.userCompose} with compose (building or pulling its images if needed)`);
    await compose(this.composeTarget(), ['up', '-d'], 1_800_000);
    const project = await this.userProject(docker);
    const found = await discover(docker, project, { timeoutMs: 180_000, signal: opts.signal, progress });
    const count = (k: NodeKind) => found.nodes.filter((n) => n.kind === k).length;
    const topology: Topology = { etcd: count('etcd'), patroni: count('patroni'), haproxy: count('haproxy'), pgbouncer: false, keepalived: false };
    const access: ClusterAccess = { ...found.access, topology, app: { user: 'drill', password: newPassword(), database: 'drill' } };
    const state = await this.save({ project, userCompose: this.userCompose, nodes: found.nodes, patroni: found.patroni, access, report: found.report });

    // The experiment's timings, so that its bounds mean what they say; HAProxy's checks stay the project's.
    const dcs = dynamicConfig(spec.settings);
    const keys = ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'failsafe_mode', 'synchronous_mode', 'synchronous_mode_strict'] as const;
    const changes = keys.map((k) => `${k}=${String(dcs[k])}`);
    progress("applying the experiment's Patroni settings");
    await this.patronictl(['edit-config', '--force', ...changes.flatMap((c) => ['-s', c])]);
    state.report.push(`applied the experiment's Patroni settings: ${changes.join(', ')}; HAProxy's check timings are the project's own`);
    await waitHealthy(access, { timeoutMs: 60_000, signal: opts.signal });
    progress(`creating the role and database "${access.app.user}" for the load`);
    await createAppDatabase(access, opts.signal);
    return this.save(state);
  }

  /** The compose project a user's file runs as (compose derives the name; the containers carry it). */
  private async userProject(docker: Docker): Promise<string> {
    const ids = (await compose(this.composeTarget(), ['ps', '-q'])).split('\n').filter(Boolean);
    if (ids.length === 0) throw new Error(`${this.userCompose} started no containers`);
    return containerFacts(await inspect(docker, ids[0]!)).project;
  }

  // -------------------------------------------------------------------------------------------
  // Patroni alone

  private async patroniPid(n: DockerNode): Promise<number | undefined> {
    const scan = await execIn(await this.engine(), n.container, sh(PROC_SCAN_SCRIPT));
    return findPatroni(parseProcScan(scan.stdout))?.pid;
  }

  /** kill -9 of the Patroni daemon only, from inside the container; its PostgreSQL keeps running. */
  private async killPatroni(n: DockerNode): Promise<void> {
    if (n.kind !== 'patroni') throw new Error(`kill-patroni needs a Patroni node, ${n.name} is ${n.kind}`);
    const docker = await this.engine();
    const pid = await this.patroniPid(n);
    if (pid === undefined) return;
    // Waits until the process is gone or a zombie (its parent may reap it later).
    const script = 'kill -KILL "$1"; i=0; while [ $i -lt 100 ] && [ -d /proc/$1 ] && ! grep -q "^State:.*Z" /proc/$1/status 2>/dev/null; do sleep 0.05; i=$((i+1)); done';
    // Where Patroni is the container's main process the container ends with it, exec and all.
    await execIn(docker, n.container, sh(script, String(pid))).catch(async (err: Error) => {
      if ((await inspect(docker, n.container)).State.Running) throw err;
    });
  }

  /** Starts Patroni again as it ran before (same argv, user, directory and environment), or the container if it ended. */
  private async startPatroni(n: DockerNode): Promise<void> {
    const docker = await this.engine();
    const info = await inspect(docker, n.container);
    if (!info.State.Running) {
      await startContainer(docker, n.container);
      return this.refreshAddress(n);
    }
    if ((await this.patroniPid(n)) !== undefined) return;
    const p = this.required().patroni[n.name];
    if (!p) throw new Error(`no record of how Patroni ran on ${n.name}`);
    await spawnIn(docker, n.container, p.argv, { user: p.user, env: p.env, workdir: p.cwd });
  }

  // -------------------------------------------------------------------------------------------

  /**
   * A container on a network without fixed addresses may come back from a restart or a reconnect
   * with another address: the maps the load and the observers hold are updated in place.
   */
  private async refreshAddress(n: DockerNode): Promise<void> {
    const s = this.required();
    const now = containerFacts(await inspect(await this.engine(), n.container)).networks;
    const ip = now[0]?.ip;
    if (!ip || ip === n.address) return;
    const old = n.address;
    n.address = ip;
    n.networks = now;
    const a = s.access;
    for (const x of a.nodes) if (x.name === n.name) x.address = ip;
    if (n.kind === 'patroni') {
      a.nodeByAddress[ip] = n.name;
      if (a.patroni[n.name]) a.patroni[n.name] = a.patroni[n.name]!.replace(`//${old}:`, `//${ip}:`);
      const d = a.direct[n.name];
      if (d?.host === old) d.host = ip;
    }
    await this.save(s);
  }

  private target(target: FaultTarget): DockerNode {
    const [name, component] = target.split('/');
    const s = this.required();
    const n = s.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node named "${name}" (nodes: ${s.nodes.map((x) => x.name).join(', ')})`);
    // Each container runs one service: the node's own component is the node.
    if (component && component !== n.kind) throw new Error(`${n.name} runs ${n.kind} only; the Docker cluster has no ${component} there`);
    return n;
  }

  private async engine(): Promise<Docker> {
    this.docker ??= await connectEngine();
    return this.docker;
  }

  private required(): DockerState {
    if (!this.state) throw new Error('no Docker cluster is up');
    return this.state;
  }

  private composeTarget(): ComposeTarget {
    return this.userCompose ? { file: this.userCompose, project: null } : { file: OWN_COMPOSE_FILE, project: OWN_PROJECT };
  }

  /** The drill's own project keeps its nodes' files here too; a user's file gets a directory of its own. */
  private stateDir(): string {
    if (!this.userCompose) return path.join(DOCKER_STATE_DIR, OWN_PROJECT);
    return path.join(DOCKER_STATE_DIR, `compose-${createHash('sha256').update(this.userCompose).digest('hex').slice(0, 12)}`);
  }

  private stateFile(): string {
    return path.join(this.stateDir(), 'state.json');
  }

  private async save(state: DockerState): Promise<DockerState> {
    this.state = state;
    await mkdir(this.stateDir(), { recursive: true });
    await writeFile(this.stateFile(), JSON.stringify(state, null, 2), { mode: 0o600 });
    return state;
  }
}

/** Each node's configuration, from the same generators as the local driver's, into its mounted directory. */
async function writeNodeConfigs(
  runDir: string,
  nodes: Record<NodeKind, DockerNode[]>,
  spec: ClusterSpec,
  passwords: Passwords,
  subnet: string,
): Promise<void> {
  const dirOf = async (n: DockerNode) => {
    const dir = path.join(runDir, n.name);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const token = newClusterToken();
  for (const n of nodes.etcd) {
    await writeFile(path.join(await dirOf(n), 'etcd.args'), `${etcdArgs(n, nodes.etcd, IN_IMAGE.etcdData, token, spec.settings).join('\n')}\n`);
  }
  for (const n of nodes.patroni) {
    const config = patroniConfig({
      scope: spec.scope,
      name: n.name,
      address: n.address,
      restPort: PORTS.rest,
      pgPort: PORTS.pg,
      etcdHosts: nodes.etcd.map((e) => `${e.address}:${PORTS.etcd}`),
      dataDir: IN_IMAGE.data,
      binDir: IN_IMAGE.binDir,
      socketDir: `${IN_IMAGE.mount}/run`,
      pgpass: IN_IMAGE.pgpass,
      subnet,
      passwords,
      settings: spec.settings,
    });
    await writeFile(path.join(await dirOf(n), 'patroni.yml'), config, { mode: 0o600 });
  }
  for (const n of nodes.haproxy) {
    const cfg = haproxyConfig({
      servers: nodes.patroni.map((p) => ({ name: p.name, address: p.address, port: PORTS.pg, restPort: PORTS.rest })),
      bind: n.address,
      writePort: PORTS.write,
      readPort: PORTS.read,
      statsPort: PORTS.stats,
      statsPassword: passwords.stats,
      settings: spec.settings,
    });
    await writeFile(path.join(await dirOf(n), 'haproxy.cfg'), cfg, { mode: 0o600 });
  }
}

/** Every address of the nodes, on every network they are on. */
const addresses = (nodes: DockerNode[]) => [...new Set(nodes.flatMap((n) => [n.address, ...n.networks.map((a) => a.ip)]).filter(Boolean))];


/** The drill's own containers say what they are in their command (drill-node etcd|patroni|haproxy). */
function ownKind(command: string[]): NodeKind {
  const kind = commandKind(command);
  if (!kind) throw new Error(`docker-compose.yml has a service the drill does not know: ${command.join(' ')}`);
  return kind;
}

function checkTopology(t: Topology, nodes: DockerNode[]): void {
  const count = (k: NodeKind) => nodes.filter((n) => n.kind === k).length;
  const have = `${count('etcd')} etcd, ${count('patroni')} Patroni, ${count('haproxy')} HAProxy`;
  if (t.pgbouncer || t.keepalived || t.etcd !== count('etcd') || t.patroni !== count('patroni') || t.haproxy !== count('haproxy')) {
    throw new Error(
      `the Docker driver runs docker-compose.yml's cluster (${have}); this experiment asks for ${t.etcd} etcd, ${t.patroni} Patroni, ` +
        `${t.haproxy} HAProxy${t.pgbouncer ? ', pgbouncer' : ''}${t.keepalived ? ', keepalived' : ''}: use --driver local`,
    );
  }
}

import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { etcdArgs } from '../config/etcd.js';
import { haproxyConfig } from '../config/haproxy.js';
import { patroniConfig } from '../config/patroni.js';
import { checkHealth } from '../health.js';
import { nodeNames } from '../profiles.js';
import type { ClusterAccess, ClusterDriver, ClusterSpec, FaultKind, NodeInfo, NodeKind, UpOptions, Versions } from '../types.js';
import { waitFor } from '../../util/time.js';
import * as cgroup from './cgroup.js';
import { NET, addHost, createLab, destroyLab, setLink } from './netns.js';
import { isAlive, launch, signalAndWait } from './processes.js';

export const LOCAL_BASE = process.env.PATRONI_DRILL_DIR ?? '/var/lib/patroni-drill/local';
const STATE_FILE = path.join(LOCAL_BASE, 'state.json');

const PORTS = { pg: 5432, rest: 8008, write: 5000, read: 5001, stats: 7000 } as const;
const ADDRESS_BASE: Record<NodeKind, number> = { etcd: 10, patroni: 20, haproxy: 30 };

interface Passwords {
  superuser: string;
  replication: string;
  rewind: string;
  rest: string;
  app: string;
  stats: string;
}

interface LocalNode extends NodeInfo {
  /** PID of the node's daemon (etcd, patroni, haproxy), null while stopped. */
  pid: number | null;
}

interface LocalState {
  spec: ClusterSpec;
  passwords: Passwords;
  token: string;
  nodes: LocalNode[];
  binDir: string;
}

const password = () => randomBytes(18).toString('base64url');

async function postgresBinDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).map(Number).filter(Number.isFinite);
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql is empty): run `npm run setup`');
  return `/usr/lib/postgresql/${Math.max(...versions)}/bin`;
}

/**
 * A real cluster on this machine without Docker: every node is its own network namespace on a
 * private bridge, its processes in their own cgroup, its files under LOCAL_BASE/<node>.
 */
export class LocalDriver implements ClusterDriver {
  readonly kind = 'local' as const;
  private state: LocalState | null = null;

  async up(spec: ClusterSpec, opts: UpOptions = {}): Promise<ClusterAccess> {
    const { signal } = opts;
    const progress = opts.progress ?? (() => {});
    if (process.getuid?.() !== 0) throw new Error('the local driver needs root (network namespaces, cgroups)');
    if (spec.topology.pgbouncer || spec.topology.keepalived) {
      throw new Error('the local driver does not run pgbouncer or keepalived yet: use the "course" profile');
    }
    progress('cleaning leftovers');
    await this.down();
    signal?.throwIfAborted();

    const names = nodeNames(spec.topology);
    const nodes: LocalNode[] = (['etcd', 'patroni', 'haproxy'] as const).flatMap((kind) =>
      names[kind].map((name, i) => ({ name, kind, address: `10.213.7.${ADDRESS_BASE[kind] + i + 1}`, pid: null })),
    );
    this.state = {
      spec,
      passwords: { superuser: password(), replication: password(), rewind: password(), rest: password(), app: password(), stats: password() },
      token: `drill-${randomBytes(4).toString('hex')}`,
      nodes,
      binDir: await postgresBinDir(),
    };
    await mkdir(LOCAL_BASE, { recursive: true, mode: 0o755 });
    await this.save();

    progress('creating network namespaces');
    await createLab();
    for (const n of nodes) {
      await addHost(n.name, n.address);
      await cgroup.createCgroup(n.name);
      await this.prepareNode(n);
    }
    signal?.throwIfAborted();

    progress('starting etcd');
    for (const n of this.nodesOf('etcd')) await this.start(n);
    await waitFor('etcd quorum', async () => ((await this.etcdHealthy()) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, signal });

    progress('starting Patroni and PostgreSQL');
    for (const n of this.nodesOf('patroni')) await this.start(n);
    progress('starting HAProxy');
    for (const n of this.nodesOf('haproxy')) await this.start(n);
    await this.save();

    const access = this.access();
    progress('waiting for a leader, streaming replicas and HAProxy');
    await waitFor('a healthy cluster', async () => ((await checkHealth(access)).healthy ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 200,
      signal,
    });
    progress('creating the application role and database');
    await this.createAppDatabase(access);
    return access;
  }

  async attach(): Promise<ClusterAccess> {
    const text = await readFile(STATE_FILE, 'utf8').catch(() => null);
    if (!text) throw new Error('no local cluster is running (start one with `npm run cluster -- up`)');
    this.state = JSON.parse(text) as LocalState;
    return this.access();
  }

  async down(): Promise<void> {
    // Scan-based: works after a crash, a Ctrl-C or a killed runner, with or without a state file.
    await cgroup.destroyAll();
    await destroyLab();
    await rm(LOCAL_BASE, { recursive: true, force: true });
    this.state = null;
  }

  async inject(fault: FaultKind, nodeName: string): Promise<void> {
    const n = this.node(nodeName);
    switch (fault) {
      case 'stop':
        return this.stop(n);
      case 'kill':
        await cgroup.killAll(n.name);
        n.pid = null;
        return this.save();
      case 'kill-patroni':
        if (n.kind !== 'patroni') throw new Error(`kill-patroni needs a Patroni node, ${n.name} is ${n.kind}`);
        if (n.pid !== null) await signalAndWait(n.pid, 'SIGKILL', 5000);
        n.pid = null;
        return this.save();
      case 'pause':
        return cgroup.freeze(n.name, true);
      case 'isolate':
        return setLink(n.name, false);
    }
  }

  async heal(fault: FaultKind, nodeName: string): Promise<void> {
    const n = this.node(nodeName);
    switch (fault) {
      case 'stop':
      case 'kill':
      case 'kill-patroni':
        if (n.pid !== null && (await isAlive(n.pid))) return;
        await this.start(n);
        return this.save();
      case 'pause':
        return cgroup.freeze(n.name, false);
      case 'isolate':
        return setLink(n.name, true);
    }
  }

  async patronictl(args: string[], timeoutMs = 30_000): Promise<string> {
    const n = this.nodesOf('patroni')[0];
    if (!n) throw new Error('no Patroni node');
    // patronictl blocks forever while etcd has no quorum: always bounded.
    const r = await execa('patronictl', ['-c', path.join(this.dir(n), 'patroni.yml'), ...args], {
      env: { PATH: '/usr/bin:/bin' },
      extendEnv: false,
      timeout: timeoutMs,
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`patronictl ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.exitCode)).trim()}`);
    return r.stdout;
  }

  async versions(): Promise<Versions> {
    const s = this.required();
    const first = async (cmd: string, args: string[], re: RegExp) => {
      const r = await execa(cmd, args, { reject: false, all: true });
      return re.exec(r.all ?? '')?.[1] ?? 'unknown';
    };
    const [postgres, patroni, etcd, haproxy] = await Promise.all([
      first(path.join(s.binDir, 'postgres'), ['--version'], /(\d+\.\d+)/),
      first('patroni', ['--version'], /(\d+\.\d+\.\d+)/),
      first('etcd', ['--version'], /etcd Version: (\S+)/),
      first('haproxy', ['-v'], /version (\S+)/),
    ]);
    return { postgres, patroni, etcd, haproxy };
  }

  /** Where a node's files live; also its PostgreSQL's unix socket directory for direct checks. */
  socketDir(nodeName: string): string {
    return path.join(this.dir(this.node(nodeName)), 'run');
  }

  private access(): ClusterAccess {
    const s = this.required();
    const haproxy = this.nodesOf('haproxy');
    const front = haproxy[0];
    if (!front) throw new Error('the topology has no HAProxy node');
    const patroni = this.nodesOf('patroni');
    return {
      nodes: s.nodes.map(({ name, kind, address }) => ({ name, kind, address })),
      write: { host: front.address, port: PORTS.write },
      read: { host: front.address, port: PORTS.read },
      stats: haproxy.map((h) => ({ haproxy: h.name, url: `http://${h.address}:${PORTS.stats}/`, user: 'admin', password: s.passwords.stats })),
      patroni: Object.fromEntries(patroni.map((n) => [n.name, `http://${n.address}:${PORTS.rest}`])),
      // Unix sockets cross network namespaces: the direct check still sees an isolated node.
      direct: Object.fromEntries(patroni.map((n) => [n.name, { host: path.join(this.dir(n), 'run'), port: PORTS.pg }])),
      app: { user: 'app', password: s.passwords.app, database: 'app' },
      superuser: { user: 'postgres', password: s.passwords.superuser, database: 'postgres' },
      nodeByAddress: Object.fromEntries(patroni.map((n) => [n.address, n.name])),
    };
  }

  private required(): LocalState {
    if (!this.state) throw new Error('no local cluster is up');
    return this.state;
  }

  private node(name: string): LocalNode {
    const n = this.required().nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node named "${name}" (nodes: ${this.required().nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  private nodesOf(kind: NodeKind): LocalNode[] {
    return this.required().nodes.filter((n) => n.kind === kind);
  }

  private dir(n: NodeInfo): string {
    return path.join(LOCAL_BASE, n.name);
  }

  private async save(): Promise<void> {
    await writeFile(STATE_FILE, JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  private async prepareNode(n: LocalNode): Promise<void> {
    const s = this.required();
    const dir = this.dir(n);
    await mkdir(dir, { recursive: true });
    if (n.kind === 'patroni') {
      const run = path.join(dir, 'run');
      await mkdir(run, { recursive: true });
      const config = patroniConfig({
        scope: s.spec.scope,
        name: n.name,
        address: n.address,
        restPort: PORTS.rest,
        pgPort: PORTS.pg,
        etcdHosts: this.nodesOf('etcd').map((e) => `${e.address}:2379`),
        dataDir: path.join(dir, 'data'),
        binDir: s.binDir,
        socketDir: run,
        pgpass: path.join(dir, 'pgpass'),
        subnet: NET.subnet,
        passwords: s.passwords,
        settings: s.spec.settings,
      });
      await writeFile(path.join(dir, 'patroni.yml'), config, { mode: 0o600 });
      const { uid, gid } = await systemUser('postgres');
      for (const p of [dir, run, path.join(dir, 'patroni.yml')]) await chown(p, uid, gid);
      await chmod(dir, 0o700);
    } else if (n.kind === 'haproxy') {
      const cfg = haproxyConfig({
        servers: this.nodesOf('patroni').map((p) => ({ name: p.name, address: p.address, port: PORTS.pg, restPort: PORTS.rest })),
        bind: n.address,
        writePort: PORTS.write,
        readPort: PORTS.read,
        statsPort: PORTS.stats,
        statsPassword: s.passwords.stats,
        settings: s.spec.settings,
      });
      await writeFile(path.join(dir, 'haproxy.cfg'), cfg, { mode: 0o600 });
    }
  }

  private async start(n: LocalNode): Promise<void> {
    const s = this.required();
    const dir = this.dir(n);
    const logFile = path.join(dir, `${n.kind}.log`);
    if (n.kind === 'etcd') {
      const members = this.nodesOf('etcd');
      n.pid = await launch({ node: n.name, argv: ['etcd', ...etcdArgs(n, members, path.join(dir, 'data'), s.token, s.spec.settings)], logFile });
    } else if (n.kind === 'patroni') {
      n.pid = await launch({ node: n.name, argv: ['patroni', path.join(dir, 'patroni.yml')], user: 'postgres', env: { HOME: dir }, logFile });
    } else {
      n.pid = await launch({ node: n.name, argv: ['haproxy', '-db', '-f', path.join(dir, 'haproxy.cfg')], logFile });
    }
  }

  /** Graceful stop, as systemctl stop would: SIGTERM and wait; what is left after 30 s is killed. */
  private async stop(n: LocalNode): Promise<void> {
    if (n.pid !== null && !(await signalAndWait(n.pid, 'SIGTERM', 30_000))) await signalAndWait(n.pid, 'SIGKILL', 5000);
    if (n.kind === 'patroni') {
      // Patroni stops its PostgreSQL on SIGTERM; whatever survived it goes too, so "stopped" means stopped.
      await cgroup.killAll(n.name);
    }
    n.pid = null;
    await this.save();
  }

  private async etcdHealthy(): Promise<boolean> {
    const checks = await Promise.allSettled(
      this.nodesOf('etcd').map(async (e) => {
        const res = await fetch(`http://${e.address}:2379/health`, { signal: AbortSignal.timeout(500) });
        return ((await res.json()) as { health?: string }).health === 'true';
      }),
    );
    return checks.every((c) => c.status === 'fulfilled' && c.value);
  }

  private async createAppDatabase(access: ClusterAccess): Promise<void> {
    const s = this.required();
    const client = new pg.Client({ ...access.write, ...access.superuser, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(`CREATE ROLE app LOGIN PASSWORD '${s.passwords.app}'`);
      await client.query('CREATE DATABASE app OWNER app');
    } finally {
      await client.end();
    }
  }
}

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`system user ${name} not found (is PostgreSQL installed?)`);
  return { uid: Number(uid), gid: Number(gid) };
}

import { chmod, chown, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { createAppDatabase, enableEtcdAuth, etcdHealthy, newClusterToken, newPasswords, type Passwords } from '../bootstrap.js';
import { etcdArgs } from '../config/etcd.js';
import { haproxyConfig } from '../config/haproxy.js';
import { keepalivedConfig, ownCheck, ownPriorities } from '../config/keepalived.js';
import { patroniConfig } from '../config/patroni.js';
import { pgbouncerConfig, pgbouncerUsers } from '../config/pgbouncer.js';
import { waitHealthy } from '../health.js';
import { getNodeView } from '../patroni-api.js';
import { nodeNames } from '../profiles.js';
import type { ClusterAccess, ClusterDriver, ClusterSpec, Component, FaultKind, FaultOutcome, FaultParams, FaultTag, FaultTarget, NodeInfo, NodeKind, UpOptions, Versions } from '../types.js';
import { requiredParam } from '../../faults/injection.js';
import { waitFor } from '../../util/time.js';
import * as cgroup from './cgroup.js';
import * as cpu from './cpu.js';
import * as diskSlow from './disk-slow.js';
import * as net from './net-faults.js';
import { crashPostgres, forceWalSwitches, pauseReplay, resumeReplay } from './postgres-faults.js';
import * as walDisk from './wal-disk.js';
import { LAB } from './lab.js';
import { NET, addHost, createLab, destroyLab, nsName, setLink } from './netns.js';
import { OwnerLock } from './owner.js';
import { resolvePatroniBuild, type PatroniBuild } from './patroni-build.js';
import { isAlive, launch, signalAndWait } from './processes.js';
import { collectLocalLogs } from './logs.js';

export const LOCAL_BASE = LAB.base;
const STATE_FILE = path.join(LOCAL_BASE, 'state.json');
// Beside the cluster's folder, not in it: `down` removes the folder.
const owner = new OwnerLock(`${LOCAL_BASE}.owner`);

const PORTS = { pg: 5432, pgbouncer: 6432, rest: 8008, write: 5000, read: 5001, stats: 7000 } as const;
const VIP = LAB.address(30);
/**
 * TCP connects that measure a loss fault. Sampling error of the lost share is sqrt(p(1-p)/n): at
 * 10% asked, 4,000 connects put it at 0.47 points, so two standard errors stay within a tenth of
 * the share asked; 100 at a time they take about 4 s.
 */
const LOSS_PROBES = 4000;
const ADDRESS_BASE: Record<NodeKind, number> = { etcd: 10, patroni: 20, haproxy: 30 };

interface LocalNode extends NodeInfo {
  /** The daemons the node runs, its own service first, each with its PID (null while stopped). */
  components: Partial<Record<Component, number | null>>;
}

interface LocalState {
  spec: ClusterSpec;
  passwords: Passwords;
  token: string;
  nodes: LocalNode[];
  binDir: string;
  patroni: PatroniBuild;
}

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
    if (spec.topology.keepalived && spec.topology.haproxy < 2) throw new Error('keepalived needs at least two HAProxy nodes');
    const patroniBuild = await resolvePatroniBuild(spec.patroni);
    await owner.acquire();
    progress('cleaning leftovers');
    await this.removeAll();
    signal?.throwIfAborted();

    const names = nodeNames(spec.topology);
    const nodes: LocalNode[] = (['etcd', 'patroni', 'haproxy'] as const).flatMap((kind) =>
      names[kind].map((name, i) => ({
        name,
        kind,
        address: LAB.address(ADDRESS_BASE[kind] + i + 1),
        components: Object.fromEntries(componentsOf(kind, spec).map((c) => [c, null])),
      })),
    );
    this.state = {
      spec,
      passwords: newPasswords(),
      token: newClusterToken(),
      nodes,
      binDir: await postgresBinDir(),
      patroni: patroniBuild,
    };
    await mkdir(LOCAL_BASE, { recursive: true, mode: 0o755 });
    await this.save();

    progress('creating network namespaces');
    await createLab();
    await Promise.all(
      nodes.map(async (n) => {
        await addHost(n.name, n.address);
        for (const c of Object.keys(n.components)) await cgroup.createCgroup(`${n.name}/${c}`);
        await this.prepareNode(n);
      }),
    );
    signal?.throwIfAborted();

    progress('starting etcd');
    for (const n of this.nodesOf('etcd')) await this.startAll(n);
    const etcdUrls = this.nodesOf('etcd').map((e) => `http://${e.address}:2379`);
    await waitFor('etcd quorum', async () => ((await etcdHealthy(etcdUrls)) ? true : undefined), { timeoutMs: 30_000, intervalMs: 100, signal });
    await enableEtcdAuth(etcdUrls, this.required().passwords.etcd);
    progress('starting Patroni and PostgreSQL');
    for (const n of this.nodesOf('patroni')) await this.startAll(n);
    progress(spec.topology.keepalived ? 'starting HAProxy and keepalived' : 'starting HAProxy');
    for (const n of this.nodesOf('haproxy')) await this.startAll(n);
    await this.save();

    const access = this.access();
    progress('waiting for a leader, streaming replicas and HAProxy');
    await waitHealthy(access, { timeoutMs: 120_000, signal });
    progress('creating the application role and database');
    await createAppDatabase(access, signal);
    return access;
  }

  async attach(): Promise<ClusterAccess> {
    const text = await readFile(STATE_FILE, 'utf8').catch(() => null);
    if (!text) throw new Error('no local cluster is running (start one with `npm run cluster -- up`)');
    const state = JSON.parse(text) as LocalState;
    // A state file written before builds were recorded: the build its spec names.
    state.patroni ??= await resolvePatroniBuild(state.spec.patroni);
    this.state = state;
    return this.access();
  }

  async down(): Promise<void> {
    await owner.acquire();
    await this.removeAll();
    await owner.release();
  }

  /** Scan-based: works after a crash, a Ctrl-C or a killed runner, with or without a state file. */
  private async removeAll(): Promise<void> {
    await cgroup.destroyAll();
    await cpu.removeCpuGroups();
    await diskSlow.removeBlkioGroups();
    await walDisk.unmountWalFs(LOCAL_BASE);
    await destroyLab();
    await rm(LOCAL_BASE, { recursive: true, force: true });
    this.state = null;
  }

  async inject(fault: FaultKind, target: FaultTarget, params: FaultParams = {}): Promise<FaultOutcome | void> {
    const { node: n, component } = this.target(target);
    const wholeNode = () => {
      if (component) throw new Error(`${fault} acts on a whole node, not on ${target}`);
    };
    switch (fault) {
      case 'stop':
        return this.stop(n, component ?? primaryComponent(n));
      case 'kill':
        await cgroup.killAll(component ? `${n.name}/${component}` : n.name);
        for (const c of component ? [component] : componentList(n)) n.components[c] = null;
        return this.save();
      case 'kill-patroni': {
        if (!('patroni' in n.components)) throw new Error(`kill-patroni needs a Patroni node, ${n.name} is ${n.kind}`);
        // Only the daemon: its PostgreSQL keeps running, as under systemd.
        const pid = n.components.patroni;
        if (pid) await signalAndWait(pid, 'SIGKILL', 5000);
        n.components.patroni = null;
        return this.save();
      }
      case 'pause':
        return cgroup.freeze(component ? `${n.name}/${component}` : n.name, true);
      case 'isolate':
        wholeNode();
        return setLink(n.name, false);
      case 'partition': {
        wholeNode();
        const peers = this.peers(n, params);
        const how = await net.partition(net.localNs(n.name), peers.map((p) => p.address), params.direction ?? 'both', params.tag);
        return { detail: `${how} with ${peers.map((p) => p.name).join(', ')}` };
      }
      case 'loss': {
        wholeNode();
        const pct = requiredParam(params.loss_pct, 'loss');
        const how = await net.loss(net.localNs(n.name), pct, params.peers ? this.peers(n, params).map((p) => p.address) : null, params.tag);
        const [peer] = this.peers(n, params);
        if (!peer) throw new Error(`no peer of ${n.name} to measure against`);
        const measured = await net.probe(net.localNs(n.name), peer.address, net.CLOSED_PORT, LOSS_PROBES, 800, 100);
        const { seen, dropped } = await net.lossCounters(net.localNs(n.name), params.tag);
        const realized = seen ? `${((100 * dropped) / seen).toFixed(1)}% of ${seen} outgoing packets (the rule's own counters since the injection)` : 'no packet yet';
        return { detail: `${how}; asked ${pct}% of outgoing packets, dropped ${realized}; probe: ${net.describeProbe(measured, peer.name)} (a connect is lost when its SYN is)` };
      }
      case 'bandwidth': {
        wholeNode();
        const how = await net.bandwidth(net.localNs(n.name), requiredParam(params.rate_kbit, 'rate'), params.peers ? this.peers(n, params).map((p) => p.address) : null, params.tag);
        return { detail: how };
      }
      case 'delay': {
        wholeNode();
        const links = this.peers(n, params).flatMap((p) => this.links(n, p));
        const delayMs = requiredParam(params.delay_ms, 'delay');
        return { detail: await net.delay(n.name, n.address, links, delayMs, params.jitter_ms ?? 0, path.join(this.dir(n), 'delay-proxy.log'), params.tag) };
      }
      case 'postgres-crash':
        return { detail: await crashPostgres(path.join(this.dir(this.patroniNode(n, fault)), 'data')) };
      case 'replay-pause':
        return { detail: await pauseReplay(this.access().direct[this.patroniNode(n, fault).name]!, this.access().superuser) };
      case 'cpu-starve':
        wholeNode();
        return { detail: await cpu.starve(n.name, requiredParam(params.cpu_pct, 'cpu'), params.tag) };
      case 'disk-slow':
        return { detail: await diskSlow.slow(n.name, this.walFs(this.patroniNode(n, fault)), { rate: params.rate_bps, iops: params.iops }, params.tag) };
      case 'disk-full': {
        const p = this.patroniNode(n, fault);
        const filled = await walDisk.fill(this.walFs(p), params.tag);
        return { detail: `${filled}; ${await forceWalSwitches(this.access().direct[p.name]!, this.access().superuser)}` };
      }
    }
  }

  async heal(fault: FaultKind, target: FaultTarget, tag?: FaultTag): Promise<void> {
    const { node: n, component } = this.target(target);
    switch (fault) {
      case 'stop':
      case 'kill':
      case 'kill-patroni':
        for (const c of component ? [component] : componentList(n)) {
          const pid = n.components[c];
          if (!pid || !(await isAlive(pid))) await this.start(n, c);
        }
        return this.save();
      case 'pause':
        return cgroup.freeze(component ? `${n.name}/${component}` : n.name, false);
      case 'isolate':
        return setLink(n.name, true);
      case 'partition':
        return net.healPartition(net.localNs(n.name), tag);
      case 'loss':
        return net.healLoss(net.localNs(n.name), tag);
      case 'bandwidth':
        return net.healBandwidth(net.localNs(n.name), tag);
      case 'delay':
        return net.healDelay(n.name, tag);
      case 'postgres-crash':
        // Patroni restarts its PostgreSQL (or the cluster fails over): there is nothing to undo.
        return;
      case 'replay-pause':
        return resumeReplay(this.access().direct[this.patroniNode(n, fault).name]!, this.access().superuser);
      case 'cpu-starve':
        return cpu.feed(n.name, tag);
      case 'disk-slow':
        return diskSlow.unslow(n.name, this.walFs(this.patroniNode(n, fault)), tag);
      case 'disk-full':
        return walDisk.free(this.walFs(this.patroniNode(n, fault)), tag);
    }
  }

  collectLogs(outDir: string, span: { from: Date; to: Date }): Promise<string[]> {
    return collectLocalLogs(LOCAL_BASE, this.required().nodes.map((n) => n.name), outDir, span);
  }

  /** The other side of a network fault: the nodes asked for, or every other node. */
  private peers(n: LocalNode, params: FaultParams): LocalNode[] {
    return params.peers ? params.peers.map((p) => this.node(p.split('/')[0]!)) : this.required().nodes.filter((x) => x !== n);
  }

  /** The connections `from` opens to `to` that the driver itself configured: the links a delay can slow. */
  private links(from: LocalNode, to: LocalNode): net.Link[] {
    const pg = this.required().spec.topology.pgbouncer ? PORTS.pgbouncer : PORTS.pg;
    const at = (port: number, http: string | null): net.Link => ({ address: to.address, port, http });
    if (from.kind === 'etcd' && to.kind === 'etcd') return [at(2380, '/version')];
    if (from.kind === 'patroni' && to.kind === 'etcd') return [at(2379, '/health')];
    if (from.kind === 'patroni' && to.kind === 'patroni') return [at(PORTS.rest, '/patroni'), at(PORTS.pg, null)];
    if (from.kind === 'haproxy' && to.kind === 'patroni') return [at(PORTS.rest, '/patroni'), at(pg, null)];
    return [];
  }

  private patroniNode(n: LocalNode, fault: FaultKind): LocalNode {
    if (n.kind !== 'patroni') throw new Error(`${fault} needs a Patroni node, ${n.name} is ${n.kind}`);
    return n;
  }

  /** The node's own small filesystem for pg_wal (see wal-disk.ts). */
  private walFs(n: LocalNode): string {
    return path.join(this.dir(n), 'walfs');
  }

  private walDir(n: LocalNode): string {
    return path.join(this.walFs(n), 'pg_wal');
  }

  async activeHaproxy(): Promise<string | null> {
    const haproxy = this.nodesOf('haproxy');
    if (!this.required().spec.topology.keepalived) return haproxy[0]?.name ?? null;
    for (const h of haproxy) {
      const r = await execa('ip', ['-n', nsName(h.name), '-o', 'addr', 'show', 'dev', 'eth0'], { reject: false });
      if (r.stdout.includes(` ${VIP}/`)) return h.name;
    }
    return null;
  }

  async patronictl(args: string[], timeoutMs = 30_000): Promise<string> {
    const n = this.nodesOf('patroni')[0];
    if (!n) throw new Error('no Patroni node');
    // patronictl blocks forever while etcd has no quorum: always bounded.
    const build = this.required().patroni;
    const r = await execa(build.patronictl, ['-c', path.join(this.dir(n), 'patroni.yml'), ...args], {
      env: { PATH: '/usr/bin:/bin', ...build.env },
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
    // Patroni's version as the running daemons report it: the build actually chosen.
    const running = async () => {
      const views = await Promise.allSettled(Object.values(this.access().patroni).map((base) => getNodeView(base, 2000)));
      return views.flatMap((v) => (v.status === 'fulfilled' && v.value.patroni?.version ? [v.value.patroni.version] : []))[0] ?? 'unknown';
    };
    const [postgres, patroni, etcd, haproxy] = await Promise.all([
      first(path.join(s.binDir, 'postgres'), ['--version'], /(\d+\.\d+)/),
      running(),
      first('etcd', ['--version'], /etcd Version: (\S+)/),
      first('haproxy', ['-v'], /version (\S+)/),
    ]);
    return { postgres, patroni, etcd, haproxy };
  }

  private access(): ClusterAccess {
    const s = this.required();
    const haproxy = this.nodesOf('haproxy');
    if (!haproxy[0]) throw new Error('the topology has no HAProxy node');
    // With keepalived, clients know only the virtual IP.
    const front = s.spec.topology.keepalived ? VIP : haproxy[0].address;
    const patroni = this.nodesOf('patroni');
    return {
      topology: s.spec.topology,
      nodes: s.nodes.map(({ name, kind, address }) => ({ name, kind, address })),
      write: { host: front, port: PORTS.write },
      read: { host: front, port: PORTS.read },
      stats: haproxy.map((h) => ({ haproxy: h.name, url: `http://${h.address}:${PORTS.stats}/`, user: 'admin', password: s.passwords.stats })),
      patroni: Object.fromEntries(patroni.map((n) => [n.name, `http://${n.address}:${PORTS.rest}`])),
      // Unix sockets cross network namespaces: the direct check still sees an isolated node.
      direct: Object.fromEntries(patroni.map((n) => [n.name, { host: path.join(this.dir(n), 'run'), port: PORTS.pg }])),
      app: { user: 'app', password: s.passwords.app, database: 'app' },
      superuser: { user: 'postgres', password: s.passwords.superuser, database: 'postgres' },
      nodeByAddress: Object.fromEntries(patroni.map((n) => [n.address, n.name])),
      ...(s.spec.topology.keepalived
        ? { balancers: { keepalived: { ...s.spec.settings.keepalived, check: ownCheck(s.spec.settings.keepalived.advert_int_ms), priorities: ownPriorities(haproxy.map((h) => h.name)) } } }
        : {}),
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

  private target(target: FaultTarget): { node: LocalNode; component?: Component } {
    const [name, component] = target.split('/') as [string, Component | undefined];
    const node = this.node(name);
    if (component !== undefined && !(component in node.components)) {
      throw new Error(`${node.name} runs no ${component} (it runs ${componentList(node).join(', ')})`);
    }
    return component ? { node, component } : { node };
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
      const { uid, gid } = await systemUser('postgres');
      // initdb and pg_basebackup want an empty pg_wal directory: one below the mount point.
      await mkdir(this.walFs(n), { recursive: true });
      await walDisk.mountWalFs(this.walFs(n), uid, gid);
      const config = patroniConfig({
        scope: s.spec.scope,
        name: n.name,
        address: n.address,
        restPort: PORTS.rest,
        pgPort: PORTS.pg,
        etcdHosts: this.nodesOf('etcd').map((e) => `${e.address}:2379`),
        dataDir: path.join(dir, 'data'),
        walDir: this.walDir(n),
        binDir: s.binDir,
        socketDir: run,
        pgpass: path.join(dir, 'pgpass'),
        subnet: NET.subnet,
        passwords: s.passwords,
        settings: s.spec.settings,
      });
      await writeFile(path.join(dir, 'patroni.yml'), config, { mode: 0o600 });
      const owned = [dir, run, path.join(dir, 'patroni.yml')];
      if ('pgbouncer' in n.components) {
        await writeFile(path.join(dir, 'userlist.txt'), pgbouncerUsers({ app: s.passwords.app, postgres: s.passwords.superuser }), { mode: 0o600 });
        await writeFile(
          path.join(dir, 'pgbouncer.ini'),
          pgbouncerConfig({ address: n.address, port: PORTS.pgbouncer, pgAddress: n.address, pgPort: PORTS.pg, authFile: path.join(dir, 'userlist.txt'), socketDir: run }),
        );
        owned.push(path.join(dir, 'userlist.txt'), path.join(dir, 'pgbouncer.ini'));
      }
      for (const p of owned) await chown(p, uid, gid);
      await chmod(dir, 0o700);
    } else if (n.kind === 'haproxy') {
      const viaPgbouncer = s.spec.topology.pgbouncer;
      const cfg = haproxyConfig({
        servers: this.nodesOf('patroni').map((p) => ({ name: p.name, address: p.address, port: viaPgbouncer ? PORTS.pgbouncer : PORTS.pg, restPort: PORTS.rest })),
        // Every HAProxy listens on all of its addresses, so whichever holds the VIP serves it.
        bind: s.spec.topology.keepalived ? '0.0.0.0' : n.address,
        writePort: PORTS.write,
        readPort: PORTS.read,
        statsPort: PORTS.stats,
        statsPassword: s.passwords.stats,
        settings: s.spec.settings,
      });
      await writeFile(path.join(dir, 'haproxy.cfg'), cfg, { mode: 0o600 });
      if ('keepalived' in n.components) {
        const all = this.nodesOf('haproxy');
        const check = path.join(dir, 'check-haproxy.sh');
        // The stats password in curl's config file, not in its argv (the check runs every second).
        const curlConfig = path.join(dir, 'check-haproxy.curl');
        await writeFile(curlConfig, `user = "admin:${s.passwords.stats}"\n`, { mode: 0o600 });
        await writeFile(check, `#!/bin/sh\nexec /usr/bin/curl -sf -o /dev/null -m 1 -K ${curlConfig} http://${n.address}:${PORTS.stats}/\n`, { mode: 0o700 });
        const ka = keepalivedConfig({
          address: n.address,
          peers: all.filter((h) => h !== n).map((h) => h.address),
          interface: 'eth0',
          vip: VIP,
          prefixLength: 24,
          priority: ownPriorities(all.map((h) => h.name))[n.name]!,
          advertIntMs: s.spec.settings.keepalived.advert_int_ms,
          nopreempt: s.spec.settings.keepalived.nopreempt,
          checkCommand: check,
        });
        await writeFile(path.join(dir, 'keepalived.conf'), ka, { mode: 0o600 });
      }
    }
  }

  private async startAll(n: LocalNode): Promise<void> {
    for (const c of componentList(n)) await this.start(n, c);
  }

  private async start(n: LocalNode, c: Component): Promise<void> {
    const s = this.required();
    const dir = this.dir(n);
    const common = { node: n.name, group: `${n.name}/${c}`, logFile: path.join(dir, `${c}.log`) };
    const argv: Record<Component, () => string[]> = {
      etcd: () => ['etcd', ...etcdArgs(n, this.nodesOf('etcd'), path.join(dir, 'data'), s.token, s.spec.settings)],
      patroni: () => [s.patroni.patroni, path.join(dir, 'patroni.yml')],
      pgbouncer: () => ['pgbouncer', path.join(dir, 'pgbouncer.ini')],
      haproxy: () => ['haproxy', '-db', '-f', path.join(dir, 'haproxy.cfg')],
      keepalived: () => [
        'keepalived', '--dont-fork', '--log-console', '--no-syslog', '--vrrp', '--use-file', path.join(dir, 'keepalived.conf'),
        '--pid', path.join(dir, 'keepalived.pid'), '--vrrp_pid', path.join(dir, 'keepalived-vrrp.pid'),
      ],
    };
    // PostgreSQL and pgbouncer refuse to run as root.
    const asPostgres = c === 'patroni' || c === 'pgbouncer';
    const env = c === 'patroni' ? s.patroni.env : {};
    n.components[c] = await launch({ ...common, argv: argv[c](), env: { ...env, ...(asPostgres ? { HOME: dir } : {}) }, ...(asPostgres ? { user: 'postgres' } : {}) });
  }

  /** Graceful stop, as systemctl stop would: SIGTERM and wait; what is left after 30 s is killed. */
  private async stop(n: LocalNode, c: Component): Promise<void> {
    const pid = n.components[c];
    if (pid && !(await signalAndWait(pid, 'SIGTERM', 30_000))) await signalAndWait(pid, 'SIGKILL', 5000);
    // Patroni stops its PostgreSQL on SIGTERM; whatever survived it goes too, so "stopped" means stopped.
    await cgroup.killAll(`${n.name}/${c}`);
    n.components[c] = null;
    await this.save();
  }
}


function componentsOf(kind: NodeKind, spec: ClusterSpec): Component[] {
  if (kind === 'patroni') return spec.topology.pgbouncer ? ['patroni', 'pgbouncer'] : ['patroni'];
  if (kind === 'haproxy') return spec.topology.keepalived ? ['haproxy', 'keepalived'] : ['haproxy'];
  return ['etcd'];
}

const componentList = (n: LocalNode) => Object.keys(n.components) as Component[];
const primaryComponent = (n: LocalNode): Component => n.kind;

async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`system user ${name} not found (is PostgreSQL installed?)`);
  return { uid: Number(uid), gid: Number(gid) };
}

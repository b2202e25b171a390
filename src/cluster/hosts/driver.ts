import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { ClusterAccess, ClusterDriver, ClusterSpec, Component, FaultKind, FaultParams, FaultTarget, NodeInfo, NodeKind, UpOptions, Versions } from '../types.js';
import {
  armedInject,
  cleanupCommand,
  deadmanUnit,
  disarmedHeal,
  faultCommands,
  filterId,
  removeFiltersCommand,
  type FaultCommands,
  type FaultContext,
} from './commands.js';
import { discover, formatDiscovery, vipHolder, type Discovery } from './discover.js';
import { loadInventory, type HostService, type Inventory } from './inventory.js';
import { haproxyTimings } from '../haproxy-config.js';
import { patronictlArgs } from '../roles.js';
import { HostConnection, short, shq } from './ssh.js';

export interface HostsDriverOptions {
  /** The inventory file (YAML). */
  inventory: string;
  /** How long an armed dead-man switch waits before it heals a fault by itself. */
  deadmanSeconds?: number;
  /** Where commands and findings are told. */
  print?: (line: string) => void;
}

/** A fault's place on a host: the unit it acts on (none for isolate, which takes the whole host). */
export interface FaultPlace {
  host: string;
  unit: string;
  component: Component | 'host';
}

const MAIN_KINDS: NodeKind[] = ['patroni', 'haproxy', 'etcd'];
/** Faults made of packet filter rules in a table or chains of their own. */
const FILTER_FAULTS = new Set<FaultKind>(['partition', 'loss']);
/** The step's fault id, when the caller passes one (the faults interpreter's tag). */
const tagOf = (params: FaultParams): string | undefined => params.tag;
const faultKey = (fault: FaultKind, target: FaultTarget, tag: string | undefined) => `${fault}|${target}|${tag ?? ''}`;
const FAULT_TIMEOUT_MS = 15_000;
/** A stop waits for the service to shut down (Patroni: TimeoutSec=30 in Debian's unit). */
const STOP_TIMEOUT_MS = 60_000;

/**
 * A cluster that already runs on someone's hosts, driven over SSH (one persistent ssh2 connection
 * per host) through the hosts' own systemd. `up` brings nothing up: it connects, removes what an
 * interrupted run left, discovers the cluster and creates the scratch database; `down` removes the
 * tool's traces and leaves the cluster running. Every fault is armed on its host with a transient
 * systemd timer that heals it on its own if the controller goes away.
 */
export class HostsDriver implements ClusterDriver {
  readonly kind = 'hosts' as const;
  private inventory: Inventory | null = null;
  private readonly conns = new Map<string, HostConnection>();
  private found: Discovery | null = null;
  /** Node name → the host it lives on and its main component. */
  private nodes = new Map<string, { host: string; component: Component }>();
  /** Open faults' dead-man switches and commands, by fault, target and tag. */
  private readonly armed = new Map<string, { unit: string; cmds: FaultCommands }>();
  private serial = 0;
  /** Tells this process's dead-man switches from another's (a by-hand `cluster fault` in a second shell). */
  private readonly tag = Date.now().toString(36);
  /** When the last injected fault started on its host, measured from the inject() call (ms). */
  lastInjectDelayMs: number | null = null;
  /** Aborted, with the host and what it failed to answer, when a host is lost while a drill runs on the cluster. */
  private failing = new AbortController();
  /** Between up() and down(): a lost connection then is a lost host, not a tool's own close. */
  private drilling = false;
  /** Hosts whose connection was lost during this drill: their log collection is not waited for. */
  private readonly lost = new Set<string>();
  private readonly say: (line: string) => void;

  constructor(private readonly opts: HostsDriverOptions) {
    this.say = opts.print ?? ((l) => console.error(l));
  }

  /**
   * Aborts when a host stops answering or drops its SSH connection during a drill, whether or not a
   * fault acts on it: a drill on a cluster the tool can no longer reach or heal must end, with verdict
   * error, after healing what it injected elsewhere.
   */
  get failure(): AbortSignal {
    return this.failing.signal;
  }

  get deadmanSeconds(): number {
    return this.opts.deadmanSeconds ?? 600;
  }

  get scratchDatabase(): string {
    if (!this.inventory) throw new Error('hosts driver: no inventory loaded yet');
    return this.inventory.scratchDatabase;
  }

  get discovery(): Discovery {
    if (!this.found) throw new Error('hosts driver: no discovery yet');
    return this.found;
  }

  /** Connects to every host and reads the cluster; with clean, first heals what an interrupted run left. */
  async prepare(opts: { clean: boolean }): Promise<Discovery> {
    await this.load();
    try {
      if (opts.clean) await this.removeLeftovers();
      this.found = await discover(this.inventory!, this.conns);
      this.nodes = this.nodeMap(this.found);
      // Each host's long-lived shell is opened now, so that opening it never delays a fault.
      await Promise.all([...this.conns.values()].map((c) => c.quick('true', 10_000)));
      return this.found;
    } catch (err) {
      // Open connections would keep the process alive after the error is reported.
      this.close();
      throw err;
    }
  }

  async up(spec: ClusterSpec, opts: UpOptions = {}): Promise<ClusterAccess> {
    const progress = opts.progress ?? (() => {});
    const d = await this.prepare({ clean: true });
    opts.signal?.throwIfAborted();
    const access = this.access(d);
    for (const need of ['keepalived', 'pgbouncer'] as const) {
      if (spec.topology[need] && !access.topology[need]) throw new Error(`the experiment needs ${need} (its profile's topology) but no host of the inventory runs it`);
    }
    for (const line of formatDiscovery(d).split('\n')) progress(line);
    await this.createScratch();
    this.drilling = true;
    return { ...access, app: { ...access.app, database: this.inventory!.scratchDatabase } };
  }

  async attach(): Promise<ClusterAccess> {
    return this.access(await this.prepare({ clean: false }));
  }

  /** Heals anything still armed, drops the scratch database, closes the connections; the cluster keeps running. */
  async down(): Promise<void> {
    this.drilling = false;
    await this.load();
    const errors: string[] = [];
    await this.removeLeftovers().catch((e: Error) => errors.push(e.message));
    await this.dropScratch().catch((e: Error) => errors.push(`scratch database: ${e.message}`));
    this.armed.clear();
    this.close();
    this.lost.clear();
    // The next drill with this driver starts with a signal of its own.
    if (this.failing.signal.aborted) this.failing = new AbortController();
    if (errors.length) throw new Error(errors.join('; '));
  }

  close(): void {
    this.drilling = false;
    for (const c of this.conns.values()) c.close();
  }

  /** The commands a fault runs, exactly as inject and heal send them (for --dry-run). */
  faultPlan(fault: FaultKind, target: FaultTarget, params: FaultParams = {}): { place: FaultPlace; inject: string; heal: string } {
    const { place, unit, cmds } = this.prepareFault(fault, target, params, `${this.tag}${this.serial + 1}`);
    return { place, inject: armedInject(unit, this.deadmanSeconds, cmds), heal: disarmedHeal(unit, cmds) };
  }

  /**
   * Arms the fault's dead-man switch and injects it, in one command on its host. `params.tag` (the
   * step's fault id, when the caller gives one) keys the fault, so that a heal with the same tag
   * removes only this fault's switch and rules.
   */
  async inject(fault: FaultKind, target: FaultTarget, params: FaultParams = {}): Promise<void> {
    const started = Date.now();
    const { place, unit, cmds } = this.prepareFault(fault, target, params, `${this.tag}${++this.serial}`);
    const key = faultKey(fault, target, tagOf(params));
    this.armed.set(key, { unit, cmds });
    const out = await this.onHost(place.host, armedInject(unit, this.deadmanSeconds, cmds), fault === 'stop' ? STOP_TIMEOUT_MS : FAULT_TIMEOUT_MS);
    const at = Number.parseFloat(out.trim().split('\n')[0] ?? '');
    // Meaningful where the host's clock is this machine's (the test bed); elsewhere an estimate.
    if (Number.isFinite(at)) this.lastInjectDelayMs = at * 1000 - started;
  }

  async heal(fault: FaultKind, target: FaultTarget, tag?: string): Promise<void> {
    const key = faultKey(fault, target, tag);
    const mine = this.armed.get(key);
    const place = this.place(fault, target);
    // Waiting out a frozen host's command timeout (60 s for a stop) would only delay healing the rest.
    if (this.lost.has(place.host)) {
      throw new Error(`${place.host} stopped answering: ${fault} there is left to its dead-man switch${mine ? ` (${mine.unit})` : ''} and to the next run's cleanup`);
    }
    // A fault injected by another process (`cluster fault`, then `cluster heal`): its switch by
    // pattern, and for rule faults every table or chain of its kind on the host.
    const command = mine
      ? disarmedHeal(mine.unit, mine.cmds)
      : FILTER_FAULTS.has(fault)
        ? `${removeFiltersCommand(filterId(fault, ''))} && ${disarmedHeal(deadmanUnit(fault, this.switchSubject(place), '*'), { inject: '', heal: 'true' })}`
        : disarmedHeal(deadmanUnit(fault, this.switchSubject(place), '*'), this.prepareFault(fault, target, {}, 'x').cmds);
    await this.onHost(place.host, command, STOP_TIMEOUT_MS);
    this.armed.delete(key);
  }

  /** Where a fault acts, its dead-man switch's name and its commands, before anything runs. */
  private prepareFault(fault: FaultKind, target: FaultTarget, params: FaultParams, unique: string): { place: FaultPlace; unit: string; cmds: FaultCommands } {
    const place = this.place(fault, target);
    const host = this.discovery.hosts.find((h) => h.name === place.host)!;
    const ctx: FaultContext = {
      control: host.control,
      id: filterId(fault, unique),
      ...(params.direction ? { direction: params.direction } : {}),
      ...(params.loss_pct !== undefined ? { loss_pct: params.loss_pct } : {}),
      dataDir: this.discovery.patroni.find((p) => p.host === place.host)?.dataDir ?? null,
    };
    if (fault === 'partition' || fault === 'loss') ctx.peers = this.peerAddresses(place.host, params.peers, fault === 'partition');
    const tag = tagOf(params);
    const unit = deadmanUnit(fault, this.switchSubject(place), `${tag ? `${tag.replace(/[^a-zA-Z0-9]/g, '')}-` : ''}${unique}`);
    return { place, unit, cmds: faultCommands(fault, place.unit, ctx) };
  }

  private switchSubject(place: FaultPlace): string {
    return place.component === 'host' ? place.host : place.unit;
  }

  /**
   * The addresses a partition or loss acts on: the named peers' hosts (their SSH address and, for
   * Patroni, the address PostgreSQL and the REST API advertise), or with none named every other host
   * (partition) or every destination (loss: an empty list).
   */
  private peerAddresses(self: string, peers: string[] | undefined, everyOther: boolean): string[] {
    const inv = this.inventory!;
    const hosts = peers?.length
      ? peers.map((p) => {
          const n = this.nodes.get(p.split('/')[0]!);
          if (!n) throw new Error(`no node named "${p}" among the peers (nodes: ${[...this.nodes.keys()].join(', ')})`);
          return n.host;
        })
      : everyOther
        ? inv.hosts.map((h) => h.name)
        : [];
    const addresses = hosts
      .filter((h) => h !== self)
      .flatMap((h) => [inv.hosts.find((x) => x.name === h)!.ssh.address, ...this.discovery.patroni.filter((p) => p.host === h).map((p) => p.postgres.host)]);
    return [...new Set(addresses)];
  }

  async activeHaproxy(): Promise<string | null> {
    const k = this.found?.keepalived;
    if (k?.vip) {
      const holder = await vipHolder(this.inventory!, this.conns, k.vip);
      if (holder) return this.nodeOf(holder, 'haproxy');
    }
    const first = this.inventory?.hosts.find((h) => h.services.some((s) => s.component === 'haproxy'));
    return first ? this.nodeOf(first.name, 'haproxy') : null;
  }

  async patronictl(args: string[], timeoutMs = 30_000): Promise<string> {
    const d = this.discovery;
    const errors: string[] = [];
    for (const p of d.patroni) {
      const svc = this.service(p.host, 'patroni');
      const cmd = `timeout ${Math.ceil(timeoutMs / 1000)} patronictl -c ${shq(svc.config)} ${patronictlArgs(args, p.version).map(shq).join(' ')}`;
      const r = await this.conn(p.host).run(cmd, { timeoutMs: timeoutMs + 5000 }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
      if (r.code === 0) return r.stdout;
      errors.push(`${p.host}: ${(r.stderr || r.stdout).trim()}`);
    }
    throw new Error(`patronictl ${args.join(' ')} failed on every Patroni host: ${errors.join('; ')}`);
  }

  async versions(): Promise<Versions> {
    const { keepalived: _, ...v } = this.discovery.versions;
    return v;
  }

  /**
   * Each unit's journal for the run's span, one file per host and component under <outDir>/logs/.
   * A host lost during the drill, or whose first journal does not come, gets files that say why
   * instead of one timeout per unit.
   */
  async collectLogs(outDir: string, span: { from: Date; to: Date }): Promise<string[]> {
    await this.load();
    const dir = path.join(outDir, 'logs');
    await mkdir(dir, { recursive: true });
    const at = (d: Date) => `@${(d.getTime() / 1000).toFixed(3)}`;
    const files = await Promise.all(
      this.inventory!.hosts.map(async (h) => {
        let unreachable: string | null = null;
        const written: string[] = [];
        for (const s of h.services) {
          const cmd = `journalctl --no-pager -u ${shq(s.unit)} --since ${at(span.from)} --until ${at(span.to)} -o short-iso-precise`;
          let r = { code: -1, stdout: '', stderr: unreachable ?? '' };
          if (!unreachable) {
            try {
              r = await this.conn(h.name).run(cmd, { timeoutMs: this.lost.has(h.name) ? 5000 : 30_000 });
            } catch (e) {
              unreachable = (e as Error).message;
              r.stderr = unreachable;
            }
          }
          const file = path.join(dir, `${h.name}.${s.component}.log`);
          await writeFile(file, r.code === 0 ? r.stdout : `# ${cmd}\n# failed: ${r.stderr.trim()}\n${r.stdout}`);
          written.push(file);
        }
        return written;
      }),
    );
    return files.flat();
  }

  // -------------------------------------------------------------------------------------------

  /** The inventory, and a (lazily opened) connection per host. */
  private async load(): Promise<void> {
    this.inventory ??= await loadInventory(this.opts.inventory);
    for (const h of this.inventory.hosts) {
      if (!this.conns.has(h.name)) this.conns.set(h.name, new HostConnection(h.name, h.ssh, (why) => this.hostLost(h.name, why)));
    }
  }

  /** A fault's command, in the host's long-lived shell; a non-zero exit is an error quoting its output. */
  private async onHost(host: string, command: string, timeoutMs: number): Promise<string> {
    const r = await this.conn(host)
      .quick(command, timeoutMs)
      .catch((err: Error) => {
        // A lost connection says nothing of what it interrupted: the host and the command, always.
        throw new Error(err.message.includes('`') ? err.message : `${err.message} (running \`${short(command)}\`)`);
      });
    if (r.code !== 0) throw new Error(`${host}: \`${command}\` exited ${r.code}: ${r.stdout.trim().split('\n').slice(-3).join(' / ')}`);
    return r.stdout;
  }

  private hostLost(host: string, why: string): void {
    if (!this.drilling) return;
    this.lost.add(host);
    this.say(`${host}: lost: ${why}`);
    if (!this.failing.signal.aborted) this.failing.abort(new Error(`host ${host} stopped answering during the drill (${why})`));
  }

  private conn(host: string): HostConnection {
    const c = this.conns.get(host);
    if (!c) throw new Error(`no host "${host}" in the inventory`);
    return c;
  }

  private service(host: string, component: Component): HostService {
    const s = this.inventory!.hosts.find((h) => h.name === host)?.services.find((x) => x.component === component);
    if (!s) throw new Error(`host ${host} runs no ${component} (inventory ${this.inventory!.file})`);
    return s;
  }

  /** "patroni1", "patroni1/pgbouncer", "haproxy2/keepalived" → the host and the unit the fault acts on. */
  place(fault: FaultKind, target: FaultTarget): FaultPlace {
    const [nodeName, sub] = target.split('/') as [string, string | undefined];
    const node = this.nodes.get(nodeName);
    if (!node) throw new Error(`no node named "${nodeName}" (nodes: ${[...this.nodes.keys()].join(', ')})`);
    if ((fault === 'isolate' || FILTER_FAULTS.has(fault)) && !sub) return { host: node.host, unit: '', component: 'host' };
    const component = fault === 'kill-patroni' || fault === 'postgres-crash' ? 'patroni' : ((sub as Component | undefined) ?? node.component);
    return { host: node.host, unit: this.service(node.host, component).unit, component };
  }

  private nodeOf(host: string, kind: NodeKind): string {
    for (const [name, n] of this.nodes) if (n.host === host && n.component === kind) return name;
    return host;
  }

  /** Node names: a Patroni host is named by its member name (what the REST API calls it); others by host. */
  private nodeMap(d: Discovery): Map<string, { host: string; component: Component }> {
    const map = new Map<string, { host: string; component: Component }>();
    for (const h of this.inventory!.hosts) {
      const kinds = MAIN_KINDS.filter((k) => h.services.some((s) => s.component === k));
      kinds.forEach((k, i) => {
        const base = k === 'patroni' ? d.patroni.find((p) => p.host === h.name)!.member : h.name;
        const name = i === 0 ? base : `${h.name}-${k}`;
        if (map.has(name)) throw new Error(`two nodes would be called "${name}": rename host ${h.name} in the inventory`);
        map.set(name, { host: h.name, component: k });
      });
    }
    return map;
  }

  private access(d: Discovery): ClusterAccess {
    const inv = this.inventory!;
    const has = (c: Component) => inv.hosts.some((h) => h.services.some((s) => s.component === c));
    const address = (host: string) => inv.hosts.find((h) => h.name === host)!.ssh.address;
    const nodes: NodeInfo[] = [...this.nodes].map(([name, n]) => ({
      name,
      kind: n.component as NodeKind,
      address: n.component === 'patroni' ? d.patroni.find((p) => p.host === n.host)!.postgres.host : address(n.host),
    }));
    const count = (k: NodeKind) => nodes.filter((n) => n.kind === k).length;
    const creds = { user: inv.credentials.user, password: inv.credentials.password, database: inv.credentials.database };
    return {
      topology: { etcd: count('etcd'), patroni: count('patroni'), haproxy: count('haproxy'), pgbouncer: has('pgbouncer'), keepalived: has('keepalived') },
      nodes,
      write: inv.clients.write,
      read: inv.clients.read,
      stats: d.haproxy.flatMap((h) => {
        const page = h.stats[0];
        return page
          ? [
              {
                haproxy: this.nodeOf(h.host, 'haproxy'),
                url: `http://${address(h.host)}:${page.ports[0]}${page.uri}`,
                user: page.auth?.user ?? '',
                password: page.auth?.password ?? '',
                ...(h.write && h.read && (h.write !== 'primary' || h.read !== 'replicas') ? { backends: { write: h.write, read: h.read } } : {}),
              },
            ]
          : [];
      }),
      patroni: Object.fromEntries(d.patroni.map((p) => [p.member, p.rest])),
      direct: Object.fromEntries(d.patroni.map((p) => [p.member, p.postgres])),
      app: creds,
      superuser: creds,
      nodeByAddress: Object.fromEntries(d.patroni.map((p) => [p.postgres.host, p.member])),
      balancers: this.balancers(d),
    };
  }

  /** HAProxy's checks and keepalived's VRRP as the hosts' own files set them, where they say. */
  private balancers(d: Discovery): NonNullable<ClusterAccess['balancers']> {
    const h = d.haproxy[0];
    const k = d.keepalived;
    return {
      ...(h ? { haproxy: haproxyTimings(h) } : {}),
      ...(k?.advert_int_ms
        ? {
            keepalived: {
              advert_int_ms: k.advert_int_ms,
              nopreempt: k.nopreempt,
              check: k.check,
              priorities: Object.fromEntries(Object.entries(k.priorities).map(([host, p]) => [this.nodeOf(host, 'haproxy'), p])),
            },
          }
        : {}),
    };
  }

  /**
   * Fires every dead-man switch an interrupted run left (their services hold the heals) and lifts any
   * isolation. A host lost during this drill is not waited for (a new SSH handshake to a frozen host
   * took 25 s): its own switches heal it, and the next run's clean-up removes the rest.
   */
  private async removeLeftovers(): Promise<void> {
    for (const name of this.lost) this.say(`${name}: lost during the drill, not checked: its dead-man switches heal it, and the next run removes what is left`);
    const results = await Promise.allSettled(
      this.inventory!.hosts.filter((h) => !this.lost.has(h.name)).map(async (h) => {
        const out = await this.conn(h.name).check(cleanupCommand(), { timeoutMs: STOP_TIMEOUT_MS });
        for (const line of out.split('\n').filter(Boolean)) this.say(`${h.name}: left by an earlier run: ${line}`);
      }),
    );
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length) throw new Error(`could not check the hosts for leftovers: ${failed.join('; ')}`);
  }

  private async admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const inv = this.inventory!;
    const c = new pg.Client({ ...inv.clients.write, ...inv.credentials, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => {});
    }
  }

  /** The drill's own database: dropped first if an interrupted run left it (its name carries the prefix). */
  private async createScratch(): Promise<void> {
    const db = pg.escapeIdentifier(this.inventory!.scratchDatabase);
    await this.admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${db}`);
      await c.query(`CREATE DATABASE ${db}`);
    });
  }

  private async dropScratch(): Promise<void> {
    const db = pg.escapeIdentifier(this.inventory!.scratchDatabase);
    await this.admin(async (c) => {
      // The load's connections are closed by now; a straggler would block DROP DATABASE for good.
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [this.inventory!.scratchDatabase]);
      await c.query(`DROP DATABASE IF EXISTS ${db}`);
    });
  }
}

export { formatDiscovery };

import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../util/time.js';
import { tagKey } from '../../faults/injection.js';
import type { Direction, FaultTag } from '../types.js';
import { createCgroup, killAll } from './cgroup.js';
import { nsName } from './netns.js';
import { isAlive, launch } from './processes.js';

/**
 * Network faults short of pulling the cable, made inside the node's own namespace, so every rule is
 * scoped to that node and disappears with the namespace even after a crashed run. This kernel has no
 * sch_netem: loss is iptables' statistic match, a rate cap is htb; both act on what the node sends
 * (as netem would on its interface), a partition drops in the direction asked.
 *
 * Every injection has its own chain, proxy, htb class and filter priority, named after its tag (the
 * step's fault id), and each rule carries the tag in a comment: two partitions of one node are two
 * chains, and healing one leaves the other cutting.
 */

const chainOf = (kind: 'P' | 'L' | 'D', tag: FaultTag | undefined) => `PDRILL-${kind}-${tagKey(tag)}`;
const comment = (what: string, tag: FaultTag | undefined) => ['-m', 'comment', '--comment', `patroni-drill ${what} ${tag ?? '(default)'}`];

/**
 * Where a network fault acts: a network namespace, entered from the root namespace by a command
 * prefix. The local driver's nodes have named namespaces; a Docker container's is entered by its PID.
 */
export interface NetNs {
  /** As messages name it. */
  label: string;
  /** Prefix that runs a command inside it: ip netns exec NAME, or nsenter -t PID -n. */
  enter: string[];
  /** The interface toward the peers. */
  dev: string;
}

export const localNs = (node: string): NetNs => ({ label: nsName(node), enter: ['ip', 'netns', 'exec', nsName(node)], dev: 'eth0' });

function inNs(ns: NetNs, argv: string[], opts: { reject?: boolean; timeout?: number } = {}) {
  return execa(ns.enter[0]!, [...ns.enter.slice(1), ...argv], opts);
}

async function iptables(ns: NetNs, args: string[]): Promise<void> {
  await inNs(ns, ['iptables', '-w', ...args]);
}

async function iptablesOk(ns: NetNs, args: string[]): Promise<boolean> {
  return (await inNs(ns, ['iptables', '-w', ...args], { reject: false })).exitCode === 0;
}

type Table = 'filter' | 'nat';

/** A fresh chain of ours, jumped to from the given built-in chains. */
async function freshChain(ns: NetNs, chain: string, from: Array<'INPUT' | 'OUTPUT'>, table: Table = 'filter'): Promise<void> {
  await removeChain(ns, chain, table);
  await iptables(ns, ['-t', table, '-N', chain]);
  for (const builtin of from) await iptables(ns, ['-t', table, '-I', builtin, '-j', chain]);
}

async function removeChain(ns: NetNs, chain: string, table: Table = 'filter'): Promise<void> {
  for (const builtin of ['INPUT', 'OUTPUT']) while (await iptablesOk(ns, ['-t', table, '-D', builtin, '-j', chain]));
  await iptablesOk(ns, ['-t', table, '-F', chain]);
  await iptablesOk(ns, ['-t', table, '-X', chain]);
}

/** Drops traffic between the node and `peers` (addresses): in = from them, out = to them. */
export async function partition(ns: NetNs, peers: string[], direction: Direction, tag?: FaultTag): Promise<string> {
  const chain = chainOf('P', tag);
  await freshChain(ns, chain, ['INPUT', 'OUTPUT']);
  for (const peer of peers) {
    if (direction !== 'out') await iptables(ns, ['-A', chain, '-s', peer, ...comment('partition', tag), '-j', 'DROP']);
    if (direction !== 'in') await iptables(ns, ['-A', chain, '-d', peer, ...comment('partition', tag), '-j', 'DROP']);
  }
  return `iptables DROP in ${ns.label} chain ${chain}, ${direction === 'both' ? 'both ways' : direction === 'in' ? 'incoming only' : 'outgoing only'}`;
}

export const healPartition = (ns: NetNs, tag?: FaultTag) => removeChain(ns, chainOf('P', tag));

/**
 * Drops a share of the node's outgoing packets (to `peers` only, when given). Each drop rule has a
 * counting rule before it, so the share really dropped is read from the kernel's own counters.
 */
export async function loss(ns: NetNs, pct: number, peers: string[] | null, tag?: FaultTag): Promise<string> {
  const chain = chainOf('L', tag);
  await freshChain(ns, chain, ['OUTPUT']);
  const drop = ['-m', 'statistic', '--mode', 'random', '--probability', (pct / 100).toFixed(4), ...comment('loss', tag), '-j', 'DROP'];
  for (const to of peers ?? [null]) {
    const match = ['-o', ns.dev, ...(to ? ['-d', to] : [])];
    // A rule without a target only counts; the packet goes on to the drop rule below it.
    await iptables(ns, ['-A', chain, ...match, ...comment('loss seen', tag)]);
    await iptables(ns, ['-A', chain, ...match, ...drop]);
  }
  return `iptables statistic random drop ${pct}% of outgoing packets in ${ns.label} chain ${chain}`;
}

export const healLoss = (ns: NetNs, tag?: FaultTag) => removeChain(ns, chainOf('L', tag));

/** Packets the loss rules of `tag` saw and dropped since they were made (iptables' counters). */
export async function lossCounters(ns: NetNs, tag?: FaultTag): Promise<{ seen: number; dropped: number }> {
  const r = await inNs(ns, ['iptables', '-w', '-L', chainOf('L', tag), '-v', '-x', '-n']);
  let seen = 0;
  let dropped = 0;
  for (const line of r.stdout.split('\n').slice(2)) {
    const pkts = Number(line.trim().split(/\s+/)[0]);
    if (!Number.isFinite(pkts)) continue;
    if (line.includes('DROP')) dropped += pkts;
    else seen += pkts;
  }
  return { seen, dropped };
}

async function tc(ns: NetNs, args: string[], reject = true): Promise<boolean> {
  return (await inNs(ns, ['tc', ...args], { reject })).exitCode === 0;
}

/** The htb class (1:minor) and filter priority of a tag's rate cap; 1:ffff is the uncapped default class. */
function htbSlot(tag: FaultTag | undefined): { classid: string; prio: string } {
  const n = (parseInt(tagKey(tag).slice(0, 4), 16) % 0xfffe) + 1;
  return { classid: `1:${n.toString(16)}`, prio: String(n) };
}

/**
 * Caps the node's outgoing rate with htb; with peers, only what it sends to them. One root qdisc
 * per node whose default class is uncapped; each injection adds its own capped class and filters.
 */
export async function bandwidth(ns: NetNs, kbit: number, peers: string[] | null, tag?: FaultTag): Promise<string> {
  await healBandwidth(ns, tag);
  const qdiscs = (await inNs(ns, ['tc', 'qdisc', 'show', 'dev', ns.dev])).stdout;
  if (!/qdisc htb 1: root/.test(qdiscs)) {
    await tc(ns, ['qdisc', 'add', 'dev', ns.dev, 'root', 'handle', '1:', 'htb', 'default', 'ffff']);
    await tc(ns, ['class', 'add', 'dev', ns.dev, 'parent', '1:', 'classid', '1:ffff', 'htb', 'rate', '10gbit']);
  }
  const { classid, prio } = htbSlot(tag);
  await tc(ns, ['class', 'add', 'dev', ns.dev, 'parent', '1:', 'classid', classid, 'htb', 'rate', `${kbit}kbit`]);
  const matches = peers ? peers.map((peer) => ['ip', 'dst', `${peer}/32`]) : [['u32', '0', '0']];
  for (const m of matches) {
    await tc(ns, ['filter', 'add', 'dev', ns.dev, 'parent', '1:', 'protocol', 'ip', 'prio', prio, 'u32', 'match', ...m, 'flowid', classid]);
  }
  return `htb rate ${kbit}kbit on ${ns.dev} in ${ns.label} (class ${classid}, filter prio ${prio})`;
}

/** Removes the tag's class and filters; the root qdisc goes with the last capped class. */
export async function healBandwidth(ns: NetNs, tag?: FaultTag): Promise<void> {
  const { classid, prio } = htbSlot(tag);
  await tc(ns, ['filter', 'del', 'dev', ns.dev, 'parent', '1:', 'prio', prio], false);
  await tc(ns, ['class', 'del', 'dev', ns.dev, 'classid', classid], false);
  const classes = await inNs(ns, ['tc', 'class', 'show', 'dev', ns.dev], { reject: false });
  if (!/class htb 1:(?!ffff\b)/.test(classes.stdout)) await tc(ns, ['qdisc', 'del', 'dev', ns.dev, 'root'], false);
}

/** The proxy runs as nobody, so the steering rules can leave its own connections alone. */
const PROXY_UID = 65534;
const PROXY_SCRIPT = fileURLToPath(new URL('./delay-proxy.ts', import.meta.url));
const TSX = fileURLToPath(import.meta.resolve('tsx'));

/**
 * The first of the 100 ports a tag's proxy listens on, so two delays on one node do not meet:
 * 10000–32699, below Linux's ephemeral range (32768 up), where the node's own connections could
 * already hold the port.
 */
export const proxyPortBase = (tag?: FaultTag) => 10_000 + (parseInt(tagKey(tag).slice(0, 4), 16) % 227) * 100;
const delayGroup = (node: string, tag?: FaultTag) => `${node}/delay-${tagKey(tag)}`;

/** A connection the node opens to a peer's service, which a delay fault steers through the proxy. */
export interface Link {
  address: string;
  port: number;
  /** An HTTP path on that port, to measure the delay with; null when the service is not HTTP. */
  http: string | null;
}

/** Requests timed before and after the hop; their medians give the delay each crossing adds. */
const DELAY_SAMPLES = 15;

/**
 * Delays what the node sends and receives on its own connections to `links`: a proxy in its
 * namespace holds every chunk delay ± jitter each way, DNAT steers new connections into it, and a
 * reset ends the connections opened before, so the daemons reconnect through it. Connections the
 * peers open to the node are left alone: delay the peers too (etcd:all) for every direction.
 *
 * Measured: an HTTP request and its answer cross the hop twice, so the delay per direction is
 * (median time through the hop − median time before) / 2.
 */
export async function delay(node: string, address: string, links: Link[], delayMs: number, jitterMs: number, logFile: string, tag?: FaultTag): Promise<string> {
  if (links.length === 0) throw new Error(`delay: ${node} opens no connection to the nodes asked for`);
  await healDelay(node, tag);
  const ns = localNs(node);
  const measured = links.find((l) => l.http !== null);
  const before = measured ? await httpTime(ns, measured) : null;
  const group = delayGroup(node, tag);
  await createCgroup(group);
  const base = proxyPortBase(tag);
  const mapped = links.map((l, i) => ({ ...l, proxyPort: base + i }));
  const pid = await launch({
    node,
    group,
    logFile,
    argv: [
      'setpriv', `--reuid=${PROXY_UID}`, `--regid=${PROXY_UID}`, '--clear-groups',
      process.execPath, '--import', TSX, PROXY_SCRIPT, address, String(delayMs), String(jitterMs),
      ...mapped.map((m) => `${m.proxyPort}=${m.address}:${m.port}`),
    ],
  });
  const listening = async () => {
    const p = await probe(ns, address, mapped[0]!.proxyPort, 1, 800);
    if (p.lost === 0 && p.refused === 0) return true;
    // What a timeout reports: whether the proxy still runs, and the end of its log.
    const log = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`pid ${pid} ${(await isAlive(pid)) ? 'runs' : 'has exited'}, its port ${p.refused ? 'refused' : 'did not answer'}; ${logFile} ends: ${log || '(empty)'}`);
  };
  await waitFor('the delay proxy listening', listening, { timeoutMs: 20_000, intervalMs: 200 });
  const chain = chainOf('D', tag);
  await freshChain(ns, chain, ['OUTPUT'], 'nat');
  await freshChain(ns, chain, ['OUTPUT']);
  for (const m of mapped) {
    const flow = ['-p', 'tcp', '-d', m.address, '--dport', String(m.port), '-m', 'owner', '!', '--uid-owner', String(PROXY_UID), ...comment('delay', tag)];
    await iptables(ns, ['-t', 'nat', '-A', chain, ...flow, '-j', 'DNAT', '--to-destination', `${address}:${m.proxyPort}`]);
    // New connections were steered above; what still goes straight to the peer is an older one.
    await iptables(ns, ['-A', chain, ...flow, '-j', 'REJECT', '--reject-with', 'tcp-reset']);
  }
  // A connection that only receives (etcd's stream readers) never sends into the rule above: end
  // the old connections outright, and the daemons reconnect through the proxy.
  for (const m of mapped) {
    await inNs(ns, ['ss', '-K', 'state', 'established', 'dst', m.address, 'dport', '=', `:${m.port}`], { reject: false });
  }
  const how = `TCP proxy hop in ${ns.label} (ports ${base}–${base + mapped.length - 1}, chain ${chain}) holding each chunk ${delayMs} ± ${jitterMs} ms each way, on ${mapped.length} link(s)`;
  if (!measured || before === null) return how;
  const after = await httpTime(ns, measured);
  if (after === null) return `${how}; no HTTP answer through the hop to measure it`;
  const perDirection = (after - before) / 2;
  return (
    `${how}; asked ${delayMs} ± ${jitterMs} ms per direction, measured ${fmt(perDirection)} ms per direction ` +
    `(${DELAY_SAMPLES} HTTP requests to ${measured.address}:${measured.port}: median ${fmt(after)} ms through the hop, ${fmt(before)} ms before; a request and its answer cross it twice)`
  );
}

const fmt = (ms: number | null) => (ms === null ? '?' : ms.toFixed(1));

export async function healDelay(node: string, tag?: FaultTag): Promise<void> {
  await removeChain(localNs(node), chainOf('D', tag), 'nat');
  await removeChain(localNs(node), chainOf('D', tag));
  // Ends the proxied connections: the daemons reconnect straight to their peers.
  await killAll(delayGroup(node, tag));
}

/**
 * Median time of HTTP requests from inside the node, each on a connection of its own, ms. They go
 * out together (one curl, parallel transfers): one after another, 15 requests through a 200 ms hop
 * kept the fault half-injected for 6 s longer.
 */
async function httpTime(ns: NetNs, link: Link, attempts = DELAY_SAMPLES): Promise<number | null> {
  const url = `http://${link.address}:${link.port}${link.http}`;
  const transfers = Array.from({ length: attempts }, () => ['-o', '/dev/null', url]).flat();
  const r = await inNs(ns, ['curl', '-s', '--no-progress-meter', '--parallel', '--parallel-immediate', '--parallel-max', String(attempts), '-m', '5', '-w', '%{http_code} %{time_total}\\n', ...transfers], {
    reject: false,
  });
  const times = r.stdout
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([code]) => code !== undefined && code !== '' && code !== '000')
    .map(([, t]) => Number(t) * 1000)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return times.length ? times[Math.floor(times.length / 2)]! : null;
}

export interface ProbeResult {
  attempts: number;
  /** Connects not answered within the probe's timeout. */
  lost: number;
  /** Connects answered with a refusal (nothing listening): the network carried them. */
  refused: number;
  /** Median time to the answer of the answered ones, ms. */
  median_ms: number | null;
}

const CONNECT_PROBE = fileURLToPath(new URL('./connect-probe.ts', import.meta.url));

/**
 * What the fault produced, measured from inside the node: TCP connects to a peer (see
 * connect-probe.ts), `concurrency` at a time; a refused connect counts as answered. The timeout
 * stays below the 1 s SYN retransmission, so a lost connect is one dropped packet, not a slow machine.
 */
export async function probe(ns: NetNs, peer: string, port: number, attempts = 100, timeoutMs = 800, concurrency = 1): Promise<ProbeResult> {
  const r = await inNs(ns, [process.execPath, '--import', TSX, CONNECT_PROBE, peer, String(port), String(attempts), String(concurrency), String(timeoutMs)], {
    timeout: Math.ceil(attempts / concurrency) * (timeoutMs + 200) + 15_000,
  });
  const out = JSON.parse(r.stdout) as { attempts: number; lost: number; refused: number; times_ms: number[] };
  const times = [...out.times_ms].sort((a, b) => a - b);
  return { attempts: out.attempts, lost: out.lost, refused: out.refused, median_ms: times.length ? Number(times[Math.floor(times.length / 2)]!.toFixed(2)) : null };
}

export function describeProbe(p: ProbeResult, peer: string): string {
  const pct = p.attempts ? ((100 * p.lost) / p.attempts).toFixed(1) : '?';
  return `measured ${pct}% of ${p.attempts} TCP connects to ${peer} lost${p.median_ms !== null ? `, median answer ${p.median_ms} ms` : ''}`;
}

/**
 * A port nothing listens on (discard): the peer's kernel refuses a connect at once, so probing it
 * measures the network, not a daemon (Patroni's REST API has a listen backlog of 5, which a hundred
 * connects at a time overflow, and those look like lost packets).
 */
export const CLOSED_PORT = 9;

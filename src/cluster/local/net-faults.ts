import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../util/time.js';
import type { Direction } from '../types.js';
import { createCgroup, killAll } from './cgroup.js';
import { nsName } from './netns.js';
import { launch } from './processes.js';

/**
 * Network faults short of pulling the cable, made inside the node's own namespace, so every rule is
 * scoped to that node and disappears with the namespace even after a crashed run. This kernel has no
 * sch_netem: loss is iptables' statistic match, a rate cap is htb; both act on what the node sends
 * (as netem would on its interface), a partition drops in the direction asked.
 */

const PARTITION = 'PDRILL-PARTITION';
const LOSS = 'PDRILL-LOSS';

async function iptables(node: string, args: string[]): Promise<void> {
  await execa('ip', ['netns', 'exec', nsName(node), 'iptables', '-w', ...args]);
}

async function iptablesOk(node: string, args: string[]): Promise<boolean> {
  return (await execa('ip', ['netns', 'exec', nsName(node), 'iptables', '-w', ...args], { reject: false })).exitCode === 0;
}

type Table = 'filter' | 'nat';

/** A fresh chain of ours, jumped to from the given built-in chains. */
async function freshChain(node: string, chain: string, from: Array<'INPUT' | 'OUTPUT'>, table: Table = 'filter'): Promise<void> {
  await removeChain(node, chain, table);
  await iptables(node, ['-t', table, '-N', chain]);
  for (const builtin of from) await iptables(node, ['-t', table, '-I', builtin, '-j', chain]);
}

async function removeChain(node: string, chain: string, table: Table = 'filter'): Promise<void> {
  for (const builtin of ['INPUT', 'OUTPUT']) while (await iptablesOk(node, ['-t', table, '-D', builtin, '-j', chain]));
  await iptablesOk(node, ['-t', table, '-F', chain]);
  await iptablesOk(node, ['-t', table, '-X', chain]);
}

/** Drops traffic between the node and `peers` (addresses): in = from them, out = to them. */
export async function partition(node: string, peers: string[], direction: Direction): Promise<string> {
  await freshChain(node, PARTITION, ['INPUT', 'OUTPUT']);
  for (const peer of peers) {
    if (direction !== 'out') await iptables(node, ['-A', PARTITION, '-s', peer, '-j', 'DROP']);
    if (direction !== 'in') await iptables(node, ['-A', PARTITION, '-d', peer, '-j', 'DROP']);
  }
  return `iptables DROP in ${nsName(node)}, ${direction === 'both' ? 'both ways' : direction === 'in' ? 'incoming only' : 'outgoing only'}`;
}

export const healPartition = (node: string) => removeChain(node, PARTITION);

/** Drops a share of the node's outgoing packets (to `peers` only, when given). */
export async function loss(node: string, pct: number, peers: string[] | null): Promise<string> {
  await freshChain(node, LOSS, ['OUTPUT']);
  const rule = ['-o', 'eth0', '-m', 'statistic', '--mode', 'random', '--probability', (pct / 100).toFixed(4), '-j', 'DROP'];
  if (peers) for (const peer of peers) await iptables(node, ['-A', LOSS, '-d', peer, ...rule]);
  else await iptables(node, ['-A', LOSS, ...rule]);
  return `iptables statistic random drop ${pct}% of outgoing packets in ${nsName(node)}`;
}

export const healLoss = (node: string) => removeChain(node, LOSS);

async function tc(node: string, args: string[], reject = true): Promise<boolean> {
  return (await execa('ip', ['netns', 'exec', nsName(node), 'tc', ...args], { reject })).exitCode === 0;
}

/** Caps the node's outgoing rate with htb; with peers, only what it sends to them. */
export async function bandwidth(node: string, kbit: number, peers: string[] | null): Promise<string> {
  await healBandwidth(node);
  // Class 1:10 is capped, 1:20 is not; without peers everything falls into the capped class.
  await tc(node, ['qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', peers ? '20' : '10']);
  await tc(node, ['class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', `${kbit}kbit`]);
  await tc(node, ['class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit']);
  for (const peer of peers ?? []) {
    await tc(node, ['filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${peer}/32`, 'flowid', '1:10']);
  }
  return `htb rate ${kbit}kbit on eth0 in ${nsName(node)}`;
}

export async function healBandwidth(node: string): Promise<void> {
  await tc(node, ['qdisc', 'del', 'dev', 'eth0', 'root'], false);
}

const DELAY = 'PDRILL-DELAY';
/** The proxy runs as nobody, so the steering rules can leave its own connections alone. */
const PROXY_UID = 65534;
const FIRST_PROXY_PORT = 20_000;
const PROXY_SCRIPT = fileURLToPath(new URL('./delay-proxy.ts', import.meta.url));
const TSX = fileURLToPath(import.meta.resolve('tsx'));

/** A connection the node opens to a peer's service, which a delay fault steers through the proxy. */
export interface Link {
  address: string;
  port: number;
  /** An HTTP path on that port, to measure the delay with; null when the service is not HTTP. */
  http: string | null;
}

/**
 * Delays what the node sends and receives on its own connections to `links`: a proxy in its
 * namespace holds every chunk delay ± jitter each way, DNAT steers new connections into it, and a
 * reset ends the connections opened before, so the daemons reconnect through it. Connections the
 * peers open to the node are left alone: delay the peers too (etcd:all) for every direction.
 */
export async function delay(node: string, address: string, links: Link[], delayMs: number, jitterMs: number, logFile: string): Promise<string> {
  if (links.length === 0) throw new Error(`delay: ${node} opens no connection to the nodes asked for`);
  await healDelay(node);
  const measured = links.find((l) => l.http !== null);
  const before = measured ? await httpTime(node, measured) : null;
  const group = `${node}/delay`;
  await createCgroup(group);
  const mapped = links.map((l, i) => ({ ...l, proxyPort: FIRST_PROXY_PORT + i }));
  await launch({
    node,
    group,
    logFile,
    argv: [
      'setpriv', `--reuid=${PROXY_UID}`, `--regid=${PROXY_UID}`, '--clear-groups',
      process.execPath, '--import', TSX, PROXY_SCRIPT, address, String(delayMs), String(jitterMs),
      ...mapped.map((m) => `${m.proxyPort}=${m.address}:${m.port}`),
    ],
  });
  await waitFor('the delay proxy listening', async () => ((await probe(node, address, mapped[0]!.proxyPort, 1, 1000)).lost === 0 ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 200,
  });
  await freshChain(node, DELAY, ['OUTPUT'], 'nat');
  await freshChain(node, DELAY, ['OUTPUT']);
  for (const m of mapped) {
    const flow = ['-p', 'tcp', '-d', m.address, '--dport', String(m.port), '-m', 'owner', '!', '--uid-owner', String(PROXY_UID)];
    await iptables(node, ['-t', 'nat', '-A', DELAY, ...flow, '-j', 'DNAT', '--to-destination', `${address}:${m.proxyPort}`]);
    // New connections were steered above; what still goes straight to the peer is an older one.
    await iptables(node, ['-A', DELAY, ...flow, '-j', 'REJECT', '--reject-with', 'tcp-reset']);
  }
  // A connection that only receives (etcd's stream readers) never sends into the rule above: end
  // the old connections outright, and the daemons reconnect through the proxy.
  for (const m of mapped) {
    await execa('ip', ['netns', 'exec', nsName(node), 'ss', '-K', 'state', 'established', 'dst', m.address, 'dport', '=', `:${m.port}`], { reject: false });
  }
  const how = `TCP proxy hop in ${nsName(node)} holding each chunk ${delayMs} ± ${jitterMs} ms each way, on ${mapped.length} link(s)`;
  if (!measured || !before) return how;
  const after = await httpTime(node, measured);
  return `${how}; asked ${delayMs} ± ${jitterMs} ms (a request and its answer: ${2 * delayMs} ms more), measured ${fmt(after)} ms per HTTP request to ${measured.address}:${measured.port} against ${fmt(before)} ms before`;
}

const fmt = (ms: number | null) => (ms === null ? '?' : ms.toFixed(1));

export async function healDelay(node: string): Promise<void> {
  await removeChain(node, DELAY, 'nat');
  await removeChain(node, DELAY);
  // Ends the proxied connections: the daemons reconnect straight to their peers.
  await killAll(`${node}/delay`);
}

/** Median time of a few HTTP requests from inside the node, ms. */
async function httpTime(node: string, link: Link, attempts = 5): Promise<number | null> {
  const times: number[] = [];
  for (let i = 0; i < attempts; i++) {
    const r = await execa('ip', ['netns', 'exec', nsName(node), 'curl', '-s', '-o', '/dev/null', '-m', '5', '-w', '%{time_total}', `http://${link.address}:${link.port}${link.http}`], {
      reject: false,
    });
    if (r.exitCode === 0) times.push(Number(r.stdout) * 1000);
  }
  times.sort((a, b) => a - b);
  return times.length ? times[Math.floor(times.length / 2)]! : null;
}

export interface ProbeResult {
  attempts: number;
  /** Connections not established within the probe's timeout. */
  lost: number;
  /** Median connect time of the established ones, ms. */
  median_ms: number | null;
}

/**
 * What the fault produced, measured from inside the node: TCP connects to a peer's listening port.
 * A dropped SYN is retransmitted only after 1 s, so a connect that takes longer than the timeout
 * counts as one packet lost; established ones give the round-trip time.
 */
export async function probe(node: string, peer: string, port: number, attempts = 100, timeoutMs = 400): Promise<ProbeResult> {
  const script =
    'for i in $(seq "$1"); do s=$(date +%s%N); ' +
    'if timeout "$2" bash -c "exec 3<>/dev/tcp/$3/$4" 2>/dev/null; then echo $(( ($(date +%s%N) - s) / 1000 )); else echo lost; fi; done';
  const r = await execa('ip', ['netns', 'exec', nsName(node), 'bash', '-c', script, 'probe', String(attempts), (timeoutMs / 1000).toFixed(3), peer, String(port)], {
    reject: false,
    timeout: attempts * (timeoutMs + 200) + 5000,
  });
  const lines = r.stdout.split('\n').filter(Boolean);
  const times = lines.filter((l) => l !== 'lost').map((l) => Number(l) / 1000).sort((a, b) => a - b);
  return {
    attempts: lines.length,
    lost: lines.filter((l) => l === 'lost').length,
    median_ms: times.length ? Number(times[Math.floor(times.length / 2)]!.toFixed(2)) : null,
  };
}

export function describeProbe(p: ProbeResult, peer: string): string {
  const pct = p.attempts ? ((100 * p.lost) / p.attempts).toFixed(1) : '?';
  return `measured ${pct}% of ${p.attempts} TCP connects to ${peer} lost${p.median_ms !== null ? `, median connect ${p.median_ms} ms` : ''}`;
}

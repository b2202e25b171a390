/**
 * The hop that adds latency where the kernel cannot (no sch_netem here): a TCP proxy that holds every
 * chunk for delay ± jitter before passing it on, in both directions, keeping each direction's order.
 * The driver starts one per delayed node, inside that node's namespace and cgroup, and steers the
 * node's own connections to its peers through it with DNAT rules.
 *
 * Usage: delay-proxy <listen-address> <delay-ms> <jitter-ms> <port>=<host>:<port> ...
 */
import net from 'node:net';

const [listenAddress, delayText, jitterText, ...mappings] = process.argv.slice(2);
const delayMs = Number(delayText);
const jitterMs = Number(jitterText);
if (!listenAddress || !Number.isFinite(delayMs) || !Number.isFinite(jitterMs) || mappings.length === 0) {
  console.error('usage: delay-proxy <listen-address> <delay-ms> <jitter-ms> <port>=<host>:<port> ...');
  process.exit(2);
}

/** Chunks arriving closer together than this belong to one burst. */
const BURST_MS = 5;

/** Uniform in [delay - jitter, delay + jitter], never below 0. */
const holdFor = () => Math.max(0, delayMs + (Math.random() * 2 - 1) * jitterMs);

/**
 * Writes chunks to `to` once each has been held. One queue and one timer per direction: timers of
 * different lengths that fall due in the same millisecond may fire in either order, and a byte
 * stream delivered out of order is corrupt (etcd panicked on it), so the queue alone decides the order.
 */
function delayedPipe(from: net.Socket, to: net.Socket): void {
  const queue: Array<{ release: number; chunk: Buffer | null }> = [];
  let timer: NodeJS.Timeout | null = null;
  const pump = () => {
    timer = null;
    while (queue.length > 0 && queue[0]!.release <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0]!.release - Date.now()));
  };
  let lastArrival = -Infinity;
  let lastRelease = 0;
  const push = (chunk: Buffer | null) => {
    const now = Date.now();
    // Chunks of one burst (a message the sender wrote in pieces) share its hold: a hold drawn per
    // piece would delay the message by the largest of them, more than asked on average.
    const release = now - lastArrival < BURST_MS ? lastRelease + (now - lastArrival) : Math.max(now + holdFor(), lastRelease);
    lastArrival = now;
    lastRelease = release;
    queue.push({ release, chunk });
    if (timer === null) timer = setTimeout(pump, Math.max(0, queue[0]!.release - Date.now()));
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  // The end of the stream is held like the data before it.
  from.on('end', () => push(null));
}

for (const mapping of mappings) {
  const [listenPort, target] = mapping.split('=');
  const [host, port] = (target ?? '').split(':');
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: host!, port: Number(port) });
    delayedPipe(client, upstream);
    delayedPipe(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    // What is still held for the other side goes out before that side is closed too.
    const closeLater = () => setTimeout(close, delayMs + jitterMs + 100);
    client.on('close', closeLater);
    upstream.on('close', closeLater);
  });
  server.listen(Number(listenPort), listenAddress);
}

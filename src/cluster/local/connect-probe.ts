/**
 * Measures a network fault from inside a node's namespace: many TCP connects to a peer, several at
 * a time. A connect whose SYN is dropped is retransmitted only after the kernel's 1 s initial RTO,
 * so one not answered within the timeout (below 1 s) is one packet lost. An answer is an accepted
 * connection or a refusal: a closed port makes the peer's kernel answer with a reset, so a probe of
 * one measures the network alone, with no daemon's listen backlog in the way. Runs as its own
 * process because only a process started in the namespace (ip netns exec) sends from it.
 *
 * Usage: connect-probe <host> <port> <attempts> <concurrency> <timeout-ms>
 * Prints {"attempts":n,"lost":n,"refused":n,"times_ms":[...]} on one line.
 */
import net from 'node:net';

const [host, portText, attemptsText, concurrencyText, timeoutText] = process.argv.slice(2);
const port = Number(portText);
const attempts = Number(attemptsText);
const concurrency = Number(concurrencyText);
const timeoutMs = Number(timeoutText);
if (!host || ![port, attempts, concurrency, timeoutMs].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: connect-probe <host> <port> <attempts> <concurrency> <timeout-ms>');
  process.exit(2);
}

let refused = 0;

/** Time to the answer (accepted or refused) in ms, or null when none came within the timeout. */
function connectOnce(): Promise<number | null> {
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = net.connect({ host, port });
    const done = (ms: number | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ms);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.once('connect', () => done(performance.now() - start));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNREFUSED') return done(null);
      refused++;
      done(performance.now() - start);
    });
  });
}

let started = 0;
let lost = 0;
const times: number[] = [];
async function worker(): Promise<void> {
  while (started < attempts) {
    started++;
    const ms = await connectOnce();
    if (ms === null) lost++;
    else times.push(Number(ms.toFixed(3)));
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, attempts) }, worker));
console.log(JSON.stringify({ attempts, lost, refused, times_ms: times }));

/**
 * The load generator's own thread. On a busy machine (a failover on two cores) the runner's main
 * thread waited 20–67 ms at a time for a CPU (the run queue's wait in /proc/self/schedstat matched
 * every late timer), and garbage collection of the run's history paused it for up to 28 ms: each
 * such wait left an outage's edge unsampled for as long. Here the writers keep their own event loop
 * and heap, and this thread alone runs at a higher priority than the cluster's processes. It uses
 * a few percent of one core, so the cluster loses next to nothing.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { sinceOrigin } from '../history/store.js';
import type { OperationRecord } from '../history/types.js';
import { firstStart, intervalMs } from './schedule.js';
import type { LoadOptions, LoadTarget, OpSink, WorkerSpec } from './types.js';
import { Worker } from './worker.js';

export interface ThreadData {
  opts: LoadOptions;
  target: LoadTarget;
  /** History.origin_ms: t = 0 of the run on the clock the threads share. */
  origin_ms: number;
  run_tag: string;
}

export type FromThread = { kind: 'ready' } | { kind: 'op'; record: OperationRecord } | { kind: 'stopped' };
export type ToThread = { kind: 'stop' };

/** Nice value of this thread (setpriority on its own thread id affects no other thread). */
const LOAD_NICE = -10;

function raisePriority(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), LOAD_NICE);
  } catch {
    // Not root, or not Linux: the load runs at the usual priority, and its edges say how late it was.
  }
}

const port = parentPort!;
const { opts, target, origin_ms, run_tag } = workerData as ThreadData;
raisePriority();

const sink: OpSink = {
  now: () => sinceOrigin(origin_ms),
  add: (record) => port.postMessage({ kind: 'op', record } satisfies FromThread),
};
const t0 = sink.now();
const kinds: Array<{ prefix: string; spec: WorkerSpec; op: 'write' | 'read'; port: 'write' | 'read' }> = [
  { prefix: 'writer', spec: opts.writers, op: 'write', port: 'write' },
  { prefix: 'reader', spec: opts.readers, op: 'read', port: 'read' },
  { prefix: 'rw-reader', spec: opts.rw_readers, op: 'read', port: 'write' },
];
const runs: Array<{ worker: Worker; done: Promise<void> }> = [];
for (const { prefix, spec, op, port: via } of kinds) {
  const interval_ms = intervalMs(spec.rate);
  for (let i = 0; i < spec.count; i++) {
    const worker = new Worker(
      {
        name: `${prefix}-${i + 1}`,
        op,
        port: via,
        endpoint: via === 'write' ? target.write : target.read,
        credentials: target.credentials,
        nodeByAddress: target.nodeByAddress,
        run_tag,
        interval_ms,
        first_ms: firstStart(t0, i, spec.count, interval_ms),
        lane: i,
        lanes: spec.count,
        op_timeout_ms: opts.op_timeout_ms,
        connect_timeout_ms: opts.connect_timeout_ms,
        backoff: opts.backoff,
        max_in_flight: opts.max_in_flight,
      },
      sink,
    );
    runs.push({ worker, done: worker.run() });
  }
}

port.on('message', (m: ToThread) => {
  if (m.kind !== 'stop') return;
  for (const r of runs) r.worker.stop();
  void Promise.all(runs.map((r) => r.done)).then(() => {
    port.postMessage({ kind: 'stopped' } satisfies FromThread);
    port.close();
  });
});
port.postMessage({ kind: 'ready' } satisfies FromThread);

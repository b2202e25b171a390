import { randomBytes } from 'node:crypto';
import type { History } from '../history/store.js';
import { firstStart, intervalMs, validateLoadOptions } from './schedule.js';
import type { LoadHandle, LoadOptions, LoadTarget, WorkerSpec } from './types.js';
import { Worker } from './worker.js';

export type { BackoffSpec, DbCredentials, Endpoint, LoadHandle, LoadOptions, LoadTarget, WorkerSpec } from './types.js';
export { finalRead, prepareTable, serverClock, tableVisible, wallNowMs, type AdminTimeouts } from './table.js';
export { loadIntervalMs, validateLoadOptions } from './schedule.js';

/**
 * Starts writers, readers (read port) and rw-readers (reads through the write port), each with its
 * own connection, recording every attempt in `history`. Throws only on invalid options.
 */
export function startLoad(opts: LoadOptions, target: LoadTarget, history: History): LoadHandle {
  validateLoadOptions(opts);
  // Keys carry a tag of the run, so rows left by another run in the same table are told apart.
  const run_tag = randomBytes(4).toString('hex');
  const t0 = history.now();
  let count = 0;
  const kinds: Array<{ prefix: string; spec: WorkerSpec; op: 'write' | 'read'; port: 'write' | 'read' }> = [
    { prefix: 'writer', spec: opts.writers, op: 'write', port: 'write' },
    { prefix: 'reader', spec: opts.readers, op: 'read', port: 'read' },
    { prefix: 'rw-reader', spec: opts.rw_readers, op: 'read', port: 'write' },
  ];
  const runs: Array<{ worker: Worker; done: Promise<void> }> = [];
  for (const { prefix, spec, op, port } of kinds) {
    const interval_ms = intervalMs(spec.rate);
    for (let i = 0; i < spec.count; i++) {
      const worker = new Worker(
        {
          name: `${prefix}-${i + 1}`,
          op,
          port,
          endpoint: port === 'write' ? target.write : target.read,
          credentials: target.credentials,
          nodeByAddress: target.nodeByAddress,
          run_tag,
          interval_ms,
          first_ms: firstStart(t0, i, spec.count, interval_ms),
          op_timeout_ms: opts.op_timeout_ms,
          connect_timeout_ms: opts.connect_timeout_ms,
          backoff: opts.backoff,
          max_in_flight: opts.max_in_flight,
        },
        history,
        () => count++,
      );
      runs.push({ worker, done: worker.run() });
    }
  }

  let stopped: Promise<void> | null = null;
  return {
    stop(): Promise<void> {
      stopped ??= (async () => {
        for (const r of runs) r.worker.stop();
        await Promise.all(runs.map((r) => r.done));
      })();
      return stopped;
    },
    get count(): number {
      return count;
    },
  };
}

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import type { History } from '../history/store.js';
import { validateLoadOptions } from './schedule.js';
import type { FromThread, ThreadData, ToThread } from './thread.js';
import type { LoadHandle, LoadOptions, LoadTarget } from './types.js';

export type { BackoffSpec, DbCredentials, Endpoint, LoadHandle, LoadOptions, LoadTarget, WorkerSpec } from './types.js';
export { finalRead, prepareTable, serverClock, tableVisible, wallNowMs, type AdminTimeouts } from './table.js';
export { loadIntervalMs, validateLoadOptions } from './schedule.js';

/** How long the load's thread may take to load its modules and start. */
const READY_TIMEOUT_MS = 30_000;

/**
 * The thread's module is TypeScript like this one: tsx's loader is registered in the thread first,
 * since a worker inherits neither the loader tsx put in the main thread nor vitest's.
 */
function bootstrap(): string {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const entry = new URL('./thread.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
}

/**
 * Starts writers, readers (read port) and rw-readers (reads through the write port), each with its
 * own connection, in a thread of their own (src/load/thread.ts says why), recording every attempt in
 * `history`. Resolves once they run; rejects on invalid options or a thread that could not start.
 */
export async function startLoad(opts: LoadOptions, target: LoadTarget, history: History): Promise<LoadHandle> {
  validateLoadOptions(opts);
  // Keys carry a tag of the run, so rows left by another run in the same table are told apart.
  const data: ThreadData = { opts, target, origin_ms: history.origin_ms, run_tag: randomBytes(4).toString('hex') };
  const thread = new Thread(bootstrap(), { eval: true, workerData: data });
  let count = 0;
  let failure: Error | null = null;
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  const stopped = new Promise<void>((resolve, reject) => {
    thread.on('message', (m: FromThread) => {
      if (m.kind === 'op') {
        history.add(m.record);
        count++;
      } else if (m.kind === 'stopped') resolve();
    });
    thread.once('error', (err) => {
      failure = err;
      reject(new Error(`the load's thread failed: ${err.message}`));
    });
    void exited.then(() => reject(failure ?? new Error("the load's thread ended before it was stopped")));
  });
  stopped.catch(() => undefined);

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the load's thread did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    const onMessage = (m: FromThread) => {
      if (m.kind !== 'ready') return;
      clearTimeout(timer);
      thread.off('message', onMessage);
      resolve();
    };
    thread.on('message', onMessage);
    stopped.catch((err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
  try {
    await ready;
  } catch (err) {
    await thread.terminate();
    throw err;
  }

  let stopping: Promise<void> | null = null;
  return {
    stop(): Promise<void> {
      stopping ??= (async () => {
        thread.postMessage({ kind: 'stop' } satisfies ToThread);
        try {
          await stopped;
        } finally {
          // Every record is in and every connection closed by 'stopped'; nothing the thread still
          // holds may keep the runner waiting.
          await thread.terminate();
        }
      })();
      return stopping;
    },
    get count(): number {
      return count;
    },
  };
}

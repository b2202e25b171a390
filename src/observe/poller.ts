import { sleep } from '../util/time.js';

/**
 * Runs `tick` every `intervalMs` until stopped, never overlapping itself: a slow answer (a frozen
 * node, a dead link) delays that poller's next tick but not the others'.
 */
export function poll(intervalMs: number, tick: () => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      await tick().catch(() => {});
      const left = intervalMs - (performance.now() - started);
      if (left > 0 && running) await sleep(left);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../src/history/store.js';
import type { OperationRecord } from '../../src/history/types.js';
import { finalRead, prepareTable, startLoad, type LoadHandle } from '../../src/load/index.js';
import { ScratchPostgres } from '../support/scratch-postgres.js';

const PORT = 55432;
const OP_TIMEOUT_MS = 500;
const NODE = 'scratch-pg';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ops(h: History): OperationRecord[] {
  return h.records.filter((r): r is OperationRecord => r.type === 'op');
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Sockets and timers alive in this process: what a forgotten client or timer would add to. */
function liveHandles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'TCPSocketWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

// `npm run setup` installs PostgreSQL and the tests run as root: a missing server is a failure, not a skip.
describe('load generator against a real PostgreSQL 15', () => {
  let pg: ScratchPostgres | undefined;
  let load: LoadHandle | undefined;

  beforeAll(async () => {
    pg = await ScratchPostgres.create(PORT);
  });

  afterAll(async () => {
    await load?.stop();
    await pg?.destroy();
  });

  it('records every operation through a pause, a stop and a restart, and loses nothing acknowledged', async () => {
    const server = pg!;
    const history = new History();
    await prepareTable(server.endpoint, server.credentials);
    const before = liveHandles();

    load = await startLoad(
      {
        writers: { count: 2, rate: 20 },
        readers: { count: 1, rate: 20 },
        rw_readers: { count: 1, rate: 10 },
        op_timeout_ms: OP_TIMEOUT_MS,
        connect_timeout_ms: OP_TIMEOUT_MS,
        backoff: { initial_ms: 50, max_ms: 400 },
        max_in_flight: 20,
      },
      {
        write: server.endpoint,
        read: server.endpoint,
        credentials: server.credentials,
        nodeByAddress: { [server.endpoint.host]: NODE },
      },
      history,
    );

    // Healthy.
    await sleep(1000);
    const healthy = ops(history);
    const writes0 = healthy.filter((r) => r.op === 'write');
    const reads0 = healthy.filter((r) => r.worker.startsWith('reader-'));
    const rwReads0 = healthy.filter((r) => r.worker.startsWith('rw-reader-'));
    expect(writes0.length).toBeGreaterThan(20);
    expect(healthy.every((r) => r.outcome === 'ok' && r.node === NODE)).toBe(true);
    expect(writes0.every((r) => r.port === 'write' && typeof r.id === 'number' && r.key !== undefined)).toBe(true);
    expect(new Set(writes0.map((r) => r.worker))).toEqual(new Set(['writer-1', 'writer-2']));
    expect(reads0.length).toBeGreaterThan(5);
    expect(reads0.every((r) => r.op === 'read' && r.port === 'read' && r.in_recovery === false)).toBe(true);
    expect(rwReads0.length).toBeGreaterThan(2);
    expect(rwReads0.every((r) => r.op === 'read' && r.port === 'write')).toBe(true);

    // Frozen for 2 s: sent writes get no answer, new connections get no greeting.
    const tPause = history.now();
    await server.pause();
    // Backends keep serving until each is stopped in turn: only from here is the server frozen.
    const tFrozen = history.now();
    await sleep(2000);
    const tResume = history.now();
    await server.resume();
    await until('a write acknowledged after the resume', () => ops(history).some((r) => r.op === 'write' && r.outcome === 'ok' && r.start_ms > tResume), 5000);

    const frozen = ops(history).filter((r) => r.start_ms > tFrozen && r.start_ms < tResume - OP_TIMEOUT_MS - 100);
    // The first write after the freeze may start before the margin above: look at the whole pause.
    const frozenWrites = ops(history).filter((r) => r.op === 'write' && r.start_ms >= tPause && r.start_ms < tResume);
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen.some((r) => r.outcome === 'ok')).toBe(false);
    expect(frozenWrites.some((r) => r.outcome === 'indeterminate' && r.error?.class === 'timeout')).toBe(true);
    expect(frozenWrites.some((r) => r.outcome === 'failed' && r.error?.class === 'connect_timeout')).toBe(true);
    // While connections hang, each worker keeps starting its slots (the frozen server's end would
    // otherwise go unseen for a whole connect timeout), but never a second query.
    const overlapping = (cls: string) =>
      ['writer-1', 'writer-2'].some((w) => {
        const hung = frozenWrites.filter((r) => r.worker === w && r.error?.class === cls);
        return hung.some((a) => hung.some((b) => a !== b && a.start_ms < b.start_ms && b.start_ms < a.end_ms));
      });
    expect(overlapping('connect_timeout')).toBe(true);
    expect(overlapping('timeout')).toBe(false);
    // A timed-out operation ends when the client gives up, not when the server wakes.
    for (const r of frozen.filter((x) => x.error?.class === 'timeout' || x.error?.class === 'connect_timeout')) {
      expect(r.end_ms - r.start_ms).toBeLessThan(2 * OP_TIMEOUT_MS);
    }

    // Stopped: connections are refused before anything is sent.
    const tStop = history.now();
    await server.stopFast();
    const tStopped = history.now();
    await sleep(1500);
    const tRestart = history.now();
    await server.start();
    const tStarted = history.now();
    await until('a write acknowledged after the restart', () => ops(history).some((r) => r.op === 'write' && r.outcome === 'ok' && r.start_ms > tStarted), 10_000);

    const down = ops(history).filter((r) => r.start_ms > tStopped && r.end_ms < tRestart);
    expect(down.filter((r) => r.op === 'write').length).toBeGreaterThan(2);
    expect(down.every((r) => r.outcome === 'failed' && r.error?.class === 'connect_refused')).toBe(true);
    // Writes in flight as the server shut down could have committed: 'failed' only when the insert was
    // never sent (no connection: refused, reset or not made in time) or the server said why.
    const shutdown = ops(history).filter((r) => r.op === 'write' && r.end_ms >= tStop && r.start_ms <= tStopped);
    for (const r of shutdown.filter((x) => x.outcome === 'failed')) {
      expect(['connect_refused', 'connect_reset', 'connect_timeout', 'other']).toContain(r.error?.class);
    }

    await load.stop();
    const recorded = load.count;
    const after = liveHandles();
    expect(after.sockets).toBeLessThanOrEqual(before.sockets);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
    await sleep(200);
    expect(load.count).toBe(recorded);
    expect(ops(history)).toHaveLength(recorded);
    expect(ops(history).every((r) => r.end_ms >= r.start_ms)).toBe(true);
    expect(ops(history).some((r) => r.op === 'read' && r.outcome === 'indeterminate')).toBe(false);

    // Data: every acknowledged write is there with the id it was given; nothing unknown is.
    const final = await finalRead(server.endpoint, server.credentials, NODE, history);
    expect(final.node).toBe(NODE);
    const ids = final.rows.map(([id]) => id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const rowByKey = new Map(final.rows.map(([id, key]) => [key, id]));
    expect(rowByKey.size).toBe(final.rows.length);
    const writes = ops(history).filter((r) => r.op === 'write');
    const keys = new Set(writes.map((r) => r.key));
    expect(keys.size).toBe(writes.length);
    for (const w of writes) {
      if (w.outcome === 'ok') expect(rowByKey.get(w.key!), `acknowledged ${w.key}`).toBe(w.id);
      if (w.outcome === 'failed') expect(rowByKey.has(w.key!), `failed ${w.key}`).toBe(false);
    }
    expect(final.rows.every(([, key]) => keys.has(key))).toBe(true);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { History } from '../../../src/history/store.js';
import { observePatroni } from '../../../src/observe/patroni.js';
import { sleep } from '../../../src/util/time.js';

let server: http.Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = null;
});

/** A REST API that takes connections and answers nothing until told to: a stopping Patroni's. */
async function hungApi(): Promise<{ base: string; connections: () => number; requests: () => number; answer: () => void }> {
  let connections = 0;
  let requests = 0;
  const waiting: http.ServerResponse[] = [];
  let answering = false;
  const reply = (res: http.ServerResponse) => res.end(JSON.stringify({ role: 'replica', state: 'running', members: [] }));
  server = http.createServer((_req, res) => {
    requests++;
    if (answering) reply(res);
    else waiting.push(res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    answer: () => {
      answering = true;
      waiting.splice(0).forEach(reply);
    },
  };
}

describe('the Patroni observer', () => {
  it('opens no new connection to a node while its last request is unanswered, and resumes once it is', async () => {
    const api = await hungApi();
    const history = new History();
    const observer = observePatroni({ patroni1: api.base, patroni2: api.base, patroni3: api.base }, history, 20, 50);
    await sleep(500);
    // One request per node in 500 ms of 20-ms polls (GET /cluster waits for GET /patroni's answer), not two a poll.
    expect(api.connections()).toBe(3);
    const polls = history.records.filter((r) => r.type === 'patroni');
    expect(polls.length).toBeGreaterThan(30);
    expect(polls.every((r) => r.type === 'patroni' && !r.reachable)).toBe(true);
    const warnings: Error[] = [];
    const warned = (w: Error) => warnings.push(w);
    process.on('warning', warned);
    api.answer();
    await sleep(400);
    await observer.stop();
    process.off('warning', warned);
    // Polls that answer leave no listener behind (a shared abort signal collected one per request).
    expect(warnings.map((w) => w.name)).toEqual([]);
    expect(api.requests()).toBeGreaterThan(12);
    expect(history.records.some((r) => r.type === 'patroni' && r.reachable)).toBe(true);
  });
});

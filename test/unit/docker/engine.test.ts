import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHaproxyStats } from '../../../src/cluster/haproxy-stats.js';
import { connectEngine } from '../../../src/cluster/docker/engine.js';
import { imageTag } from '../../../src/cluster/docker/image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'drill-docker-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('connectEngine without a usable engine', () => {
  const withDockerHost = async (value: string, run: () => Promise<void>) => {
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = value;
    try {
      await run();
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  };

  it('says that the socket is missing and how to get an engine', async () => {
    await withDockerHost(`unix://${dir}/missing.sock`, async () => {
      await expect(connectEngine()).rejects.toThrow(/^no Docker engine: .*missing\.sock does not exist; install Docker .*scripts\/docker-prepare\.sh/);
    });
  });

  it('says that nothing answers on a socket path where no engine listens', async () => {
    const file = path.join(dir, 'stale.sock');
    await writeFile(file, '');
    await withDockerHost(`unix://${file}`, async () => {
      await expect(connectEngine()).rejects.toThrow(/refuses connections \(is dockerd running\?\)/);
    });
  });
});

describe('imageTag', () => {
  it('changes with the build context and only with it', async () => {
    const ctx = path.join(dir, 'ctx');
    await mkdir(ctx);
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(path.join(ctx, 'entry'), '#!/bin/sh\n');
    const first = await imageTag(ctx);
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    expect(await imageTag(ctx)).toBe(first);
    await writeFile(path.join(ctx, 'entry'), '#!/bin/sh\nexit 0\n');
    expect(await imageTag(ctx)).not.toBe(first);
  });
});

describe("readHaproxyStats with a user's backend names", () => {
  const csv = [
    '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status',
    'master,FRONTEND,,,0,0,200,0,0,0,0,0,0,,,,,OPEN',
    'master,pg-a,0,0,0,0,100,0,0,0,,0,,0,0,0,0,UP',
    'master,pg-b,0,0,0,0,100,0,0,0,,0,,0,0,0,0,DOWN',
    'replicas,pg-a,0,0,0,0,100,0,0,0,,0,,0,0,0,0,DOWN',
    'replicas,pg-b,0,0,0,0,100,0,0,0,,0,,0,0,0,0,UP',
    'other,x,0,0,0,0,100,0,0,0,,0,,0,0,0,0,UP',
    '',
  ].join('\n');
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_, res) => res.end(csv));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/haproxy`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('names the write and read backends "primary" and "replicas", as the health check and the analysis expect', async () => {
    const rows = await readHaproxyStats({ url, user: 'admin', password: 'x', backends: { write: 'master', read: 'replicas' } });
    expect(rows).toEqual([
      { backend: 'primary', server: 'pg-a', status: 'UP' },
      { backend: 'primary', server: 'pg-b', status: 'DOWN' },
      { backend: 'replicas', server: 'pg-a', status: 'DOWN' },
      { backend: 'replicas', server: 'pg-b', status: 'UP' },
      { backend: 'other', server: 'x', status: 'UP' },
    ]);
  });

  it('leaves the names alone without a mapping', async () => {
    const rows = await readHaproxyStats({ url, user: 'admin', password: 'x' });
    expect(rows.map((r) => r.backend)).toEqual(['master', 'master', 'replicas', 'replicas', 'other']);
  });
});

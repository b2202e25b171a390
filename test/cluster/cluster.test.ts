import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterView } from '../../src/cluster/health.js';
import { LocalDriver } from '../../src/cluster/local/driver.js';
import { profileSpec } from '../../src/cluster/profiles.js';
import type { ClusterAccess, Endpoint } from '../../src/cluster/types.js';
import { waitFor } from '../../src/util/time.js';

async function query<T extends pg.QueryResultRow>(endpoint: Endpoint, access: ClusterAccess, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...endpoint, ...access.app, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('local cluster driver on a real cluster', () => {
  const driver = new LocalDriver();
  let access: ClusterAccess;

  beforeAll(async () => {
    access = await driver.up(profileSpec('course'));
  });
  afterAll(async () => {
    await driver.down();
  });

  it('has one leader and two streaming replicas', async () => {
    const view = await clusterView(access);
    const roles = view!.members.map((m) => `${m.role}/${m.state}`).sort();
    expect(roles).toEqual(['leader/running', 'replica/streaming', 'replica/streaming']);
  });

  it('writes through the write port on the leader and reads a replica through the read port', async () => {
    await query(access.write, access, 'CREATE TABLE IF NOT EXISTS t (id serial primary key, v text)');
    const [w] = await query<{ addr: string; rec: boolean }>(access.write, access, "INSERT INTO t (v) VALUES ('x') RETURNING host(inet_server_addr()) AS addr, pg_is_in_recovery() AS rec");
    const leader = (await clusterView(access))!.members.find((m) => m.role === 'leader')!.name;
    expect(access.nodeByAddress[w!.addr]).toBe(leader);
    expect(w!.rec).toBe(false);
    const row = await waitFor('the row on a replica', async () => {
      const [r] = await query<{ addr: string; rec: boolean; n: string }>(access.read, access, 'SELECT host(inet_server_addr()) AS addr, pg_is_in_recovery() AS rec, count(*) AS n FROM t');
      return r && r.n === '1' ? r : undefined;
    }, { timeoutMs: 10_000 });
    expect(row.rec).toBe(true);
    expect(access.nodeByAddress[row.addr]).not.toBe(leader);
  });

  it('fails over to another node when the leader stops', async () => {
    const before = (await clusterView(access))!.members.find((m) => m.role === 'leader')!.name;
    await driver.inject('stop', before);
    const after = await waitFor('a new leader', async () => {
      const l = (await clusterView(access))?.members.find((m) => m.role === 'leader' && m.name !== before);
      return l?.name;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(after).not.toBe(before);
    const [w] = await waitFor('a write on the new leader', () => query<{ addr: string }>(access.write, access, "INSERT INTO t (v) VALUES ('y') RETURNING host(inet_server_addr()) AS addr"), { timeoutMs: 30_000, intervalMs: 250 });
    expect(access.nodeByAddress[w!.addr]).toBe(after);
    await driver.heal('stop', before);
  });

  it('leaves no process, namespace, route or cgroup after down', async () => {
    const pids = (await import('../../src/cluster/local/cgroup.js')).pids;
    const nodes = access.nodes.map((n) => n.name);
    await driver.down();
    for (const n of nodes) expect(await pids(n)).toEqual([]);
    const { NET } = await import('../../src/cluster/local/netns.js');
    const netns = await execa('ip', ['netns', 'list']);
    expect(netns.stdout.split('\n').filter((l) => l.startsWith(NET.prefix))).toEqual([]);
    const routes = await execa('ip', ['route', 'show']);
    expect(routes.stdout).not.toContain(NET.subnet.replace('.0/24', '.'));
    const links = await execa('ip', ['link', 'show']);
    expect(links.stdout).not.toContain(NET.hostLink);
    const rules = await execa('iptables', ['-S'], { reject: false });
    expect(rules.stdout).not.toContain(NET.subnet.replace('.0/24', '.'));
  });
});

import { execa } from 'execa';
import { readFile, statfs } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterView } from '../../src/cluster/health.js';
import { LocalDriver, LOCAL_BASE } from '../../src/cluster/local/driver.js';
import { LAB } from '../../src/cluster/local/lab.js';
import { nsName } from '../../src/cluster/local/netns.js';
import { CLOSED_PORT, localNs, probe, proxyPortBase } from '../../src/cluster/local/net-faults.js';
import { profileSpec } from '../../src/cluster/profiles.js';
import type { ClusterAccess } from '../../src/cluster/types.js';
import { etcdLeader } from '../../src/faults/targets.js';
import { waitFor } from '../../src/util/time.js';

/** The new fault kinds on a real local cluster: each one's effect is seen, and its heal undoes it. */
describe('local driver: partial faults on a real cluster', () => {
  const driver = new LocalDriver();
  let access: ClusterAccess;
  let leader: string;
  let replica: string;
  const address = (node: string) => access.nodes.find((n) => n.name === node)!.address;

  async function sql<T extends pg.QueryResultRow>(node: string, text: string): Promise<T[]> {
    const client = new pg.Client({ ...access.direct[node]!, ...access.superuser, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }
  const streaming = (node: string) =>
    waitFor(`${node} streaming again`, async () => ((await clusterView(access))?.members.some((m) => m.name === node && m.state === 'streaming') ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });

  beforeAll(async () => {
    access = await driver.up(profileSpec('course'));
    const members = (await clusterView(access))!.members;
    leader = members.find((m) => m.role === 'leader')!.name;
    replica = members.find((m) => m.role !== 'leader')!.name;
  });
  afterAll(async () => {
    await driver.down();
  });

  it('partition cuts the replica from the leader only, in the direction asked', async () => {
    const outcome = await driver.inject('partition', replica, { peers: [leader], direction: 'both' });
    expect(outcome?.detail).toContain(`with ${leader}`);
    const cut = await probe(localNs(replica), address(leader), CLOSED_PORT, 5);
    expect(cut.lost).toBe(5);
    // etcd is on the other side of no rule.
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 5)).lost).toBe(0);
    await driver.heal('partition', replica);
    expect((await probe(localNs(replica), address(leader), CLOSED_PORT, 5)).lost).toBe(0);
    await streaming(replica);
  });

  it('partition in one direction: the leader still hears the replica, the replica hears nothing back', async () => {
    await driver.inject('partition', replica, { peers: [leader], direction: 'out' });
    expect((await probe(localNs(replica), address(leader), CLOSED_PORT, 3)).lost).toBe(3);
    await driver.heal('partition', replica);
    await streaming(replica);
  });

  it('two partitions on one node are two injections: healing one leaves the other cutting', async () => {
    const other = access.nodes.find((n) => n.kind === 'patroni' && n.name !== leader && n.name !== replica)!.name;
    await driver.inject('partition', replica, { peers: [leader], direction: 'both', tag: 'from-leader' });
    await driver.inject('partition', replica, { peers: ['etcd1'], direction: 'both', tag: 'from-etcd1' });
    expect((await probe(localNs(replica), address(leader), CLOSED_PORT, 3)).lost).toBe(3);
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 3)).lost).toBe(3);
    await driver.heal('partition', replica, 'from-leader');
    expect((await probe(localNs(replica), address(leader), CLOSED_PORT, 3)).lost).toBe(0);
    // The other injection still cuts, and nothing else is cut.
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 3)).lost).toBe(3);
    expect((await probe(localNs(replica), address(other), CLOSED_PORT, 3)).lost).toBe(0);
    // A heal with no tag is the default injection's: there is none, and the cut stays.
    await driver.heal('partition', replica);
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 3)).lost).toBe(3);
    await driver.heal('partition', replica, 'from-etcd1');
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 3)).lost).toBe(0);
    await streaming(replica);
  });

  it('loss drops about the share asked, and measures it from the rule\'s counters and a probe', async () => {
    const outcome = await driver.inject('loss', replica, { loss_pct: 10, peers: ['etcd1'], tag: 'lossy' });
    const realized = Number(/dropped ([0-9.]+)% of/.exec(outcome!.detail)![1]);
    const probed = Number(/measured ([0-9.]+)% of 4000/.exec(outcome!.detail)![1]);
    // 4,000 Bernoulli samples at 10%: a standard error of 0.47 points.
    for (const m of [realized, probed]) {
      expect(m).toBeGreaterThan(8);
      expect(m).toBeLessThan(12);
    }
    // A second loss on another link, healed first: the first one keeps dropping.
    await driver.inject('loss', replica, { loss_pct: 50, peers: [leader], tag: 'second' });
    await driver.heal('loss', replica, 'second');
    expect((await probe(localNs(replica), address(leader), CLOSED_PORT, 20)).lost).toBe(0);
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 200, 800, 50)).lost).toBeGreaterThan(5);
    await driver.heal('loss', replica, 'lossy');
    expect((await probe(localNs(replica), address('etcd1'), CLOSED_PORT, 40)).lost).toBe(0);
  });

  it('bandwidth puts an htb cap on the node, one class per injection, and heal removes only its own', async () => {
    const show = (what: 'qdisc' | 'class') => execa('ip', ['netns', 'exec', nsName(replica), 'tc', what, 'show', 'dev', 'eth0']).then((r) => r.stdout);
    await driver.inject('bandwidth', replica, { rate_kbit: 1000, tag: 'a' });
    await driver.inject('bandwidth', replica, { rate_kbit: 2000, peers: [leader], tag: 'b' });
    expect(await show('qdisc')).toContain('htb');
    expect(await show('class')).toMatch(/rate 1Mbit/);
    expect(await show('class')).toMatch(/rate 2Mbit/);
    await driver.heal('bandwidth', replica, 'a');
    expect(await show('class')).not.toMatch(/rate 1Mbit/);
    expect(await show('class')).toMatch(/rate 2Mbit/);
    await driver.heal('bandwidth', replica, 'b');
    expect(await show('qdisc')).not.toContain('htb');
  });

  it('delay steers etcd1\'s own peer connections through a proxy that adds the asked latency, and heal takes it out', async () => {
    const outcome = await driver.inject('delay', 'etcd1', { delay_ms: 150, jitter_ms: 0 });
    const perDirection = Number(/measured ([0-9.]+) ms per direction/.exec(outcome!.detail)![1]);
    expect(perDirection).toBeGreaterThan(135);
    expect(perDirection).toBeLessThan(165);
    const base = proxyPortBase();
    /** etcd1's own connections to its peers' :2380, and whether each goes into the proxy (DNAT keeps the peer as the socket's view). */
    const etcdLinks = async () => {
      const r = await execa('ip', ['netns', 'exec', nsName('etcd1'), 'ss', '-tneH', 'state', 'established'], { reject: false });
      const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length > 3);
      const proxied = new Set(rows.filter((f) => {
        const port = Number(f[2]!.split(':')[1]);
        return port >= base && port < base + 100;
      }).map((f) => f[3]!.split(':')[1]));
      return rows
        .filter((f) => f[3]!.endsWith(':2380') && !f.join(' ').includes('uid:65534'))
        .map((f) => ({ port: f[2]!.split(':')[1]!, viaProxy: proxied.has(f[2]!.split(':')[1]!) }));
    };
    // The connections etcd had before were ended; the ones it opened again go into the proxy.
    await waitFor('etcd1 reconnected through the proxy', async () => {
      const links = await etcdLinks();
      return links.length > 0 && links.every((l) => l.viaProxy) ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    await driver.heal('delay', 'etcd1');
    await waitFor('etcd1 straight to its peers again', async () => {
      const links = await etcdLinks();
      return links.length > 0 && links.every((l) => !l.viaProxy) ? true : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500 });
  });

  it('replay-pause pauses replay on a replica (which Patroni 4 undoes at its next loop), refuses the primary, and heal resumes it', async () => {
    const log = `${LOCAL_BASE}/${replica}/patroni.log`;
    const resumes = async () => ((await readFile(log, 'utf8')).match(/Resuming paused WAL replay/g) ?? []).length;
    const before = await resumes();
    await driver.inject('replay-pause', replica);
    // On PostgreSQL 14+ every HA loop of a replica resumes a paused replay (handle_parameter_change):
    // the pause is real, and lasts at most loop_wait. Patroni saying so is the proof it took.
    await waitFor('Patroni resuming the paused replay', async () => ((await resumes()) > before ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
    await expect(driver.inject('replay-pause', leader)).rejects.toThrow('replay-pause needs a replica');
    await driver.heal('replay-pause', replica);
    expect((await sql<{ p: boolean }>(replica, 'SELECT pg_is_wal_replay_paused() AS p'))[0]!.p).toBe(false);
  });

  it('postgres-crash kills the postmaster only: Patroni stays and starts PostgreSQL again', async () => {
    const pidFile = `${LOCAL_BASE}/${replica}/data/postmaster.pid`;
    const before = (await readFile(pidFile, 'utf8')).split('\n')[0];
    const outcome = await driver.inject('postgres-crash', replica);
    expect(outcome?.detail).toContain(`PID ${before}`);
    const after = await waitFor('a new postmaster', async () => {
      const pid = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0];
      return pid && pid !== before ? pid : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(after).not.toBe(before);
    await waitFor(`${replica} in recovery again`, () => sql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r').then(([row]) => (row?.r ? true : undefined), () => undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await streaming(replica);
  });

  it('cpu-starve puts every process of the node under a CFS quota, and heal lifts it', async () => {
    const group = `/sys/fs/cgroup/cpu/${LAB.cgroup}/${replica}`;
    const outcome = await driver.inject('cpu-starve', replica, { cpu_pct: 10 });
    expect(outcome?.detail).toContain('10000/100000');
    expect(await readFile(`${group}/cpu.cfs_quota_us`, 'utf8')).toBe('10000\n');
    expect((await readFile(`${group}/cgroup.procs`, 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThan(2);
    // A second, harsher quota on the same node wins while open; its heal gives back the first.
    await driver.inject('cpu-starve', replica, { cpu_pct: 5, tag: 'harsher' });
    expect(await readFile(`${group}/cpu.cfs_quota_us`, 'utf8')).toBe('5000\n');
    await driver.heal('cpu-starve', replica, 'harsher');
    expect(await readFile(`${group}/cpu.cfs_quota_us`, 'utf8')).toBe('10000\n');
    await driver.heal('cpu-starve', replica);
    await expect(readFile(`${group}/cgroup.procs`, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('disk-full leaves no byte on the pg_wal filesystem, and heal frees it', async () => {
    const fs = `${LOCAL_BASE}/${replica}/walfs`;
    const outcome = await driver.inject('disk-full', replica);
    expect(outcome?.detail).toContain('PostgreSQL still running');
    expect((await statfs(fs)).bavail).toBe(0);
    await driver.heal('disk-full', replica);
    expect((await statfs(fs)).bavail).toBeGreaterThan(0);
    await streaming(replica);
  });

  it('disk-slow throttles writes to the pg_wal loop device for every process of the node, and heal lifts it', async () => {
    const fs = `${LOCAL_BASE}/${replica}/walfs`;
    const group = `/sys/fs/cgroup/blkio/${LAB.cgroup}/${replica}`;
    // Measured here, not taken from the driver's detail: 4 MiB of O_DSYNC writes from inside the group.
    const ddSeconds = async () => {
      const started = Date.now();
      await execa('sh', ['-c', `echo $$ > ${group}/cgroup.procs && exec dd if=/dev/zero of=${fs}/probe bs=64k count=64 oflag=dsync`]);
      await execa('rm', ['-f', `${fs}/probe`]);
      return (Date.now() - started) / 1000;
    };
    const outcome = await driver.inject('disk-slow', replica, { rate_bps: 1024 * 1024 });
    expect(outcome?.detail).toMatch(/blkio write_bps 1048576 on \/dev\/loop\d+ .* measured \d+ B\/s/);
    // The postmaster (and so every backend it forks) is in the group.
    const procs = (await readFile(`${group}/cgroup.procs`, 'utf8')).split('\n').filter(Boolean);
    expect(procs.length).toBeGreaterThan(2);
    const slow = await ddSeconds();
    expect(4 / slow).toBeGreaterThan(0.8);
    expect(4 / slow).toBeLessThan(1.2);
    await driver.heal('disk-slow', replica);
    await expect(readFile(`${group}/cgroup.procs`, 'utf8')).rejects.toThrow(/ENOENT/);
    // Healed: the same writes (now outside any throttled group) take a fraction of the time.
    const started = Date.now();
    await execa('dd', ['if=/dev/zero', `of=${fs}/probe`, 'bs=64k', 'count=64', 'oflag=dsync']);
    await execa('rm', ['-f', `${fs}/probe`]);
    expect((Date.now() - started) / 1000).toBeLessThan(1);
  });

  it('etcd-leader finds the Raft leader, and a different one after it is killed', async () => {
    const raft = await etcdLeader(access);
    expect(raft).toMatch(/^etcd[123]$/);
    await driver.inject('kill', raft!);
    const next = await waitFor('a new Raft leader', async () => (await etcdLeader(access)) ?? undefined, { timeoutMs: 15_000, intervalMs: 200 });
    expect(next).not.toBe(raft);
    await driver.heal('kill', raft!);
  });

  it('leaves no mount, loop device, cpu or blkio group or namespace after down', async () => {
    await driver.inject('disk-slow', replica, { iops: 200, tag: 'left-open' });
    await driver.down();
    expect(await readFile('/proc/self/mounts', 'utf8')).not.toContain(`${LOCAL_BASE}/`);
    expect((await execa('losetup', ['--list', '--output', 'BACK-FILE'])).stdout).not.toContain(`${LOCAL_BASE}/`);
    await expect(readFile(`/sys/fs/cgroup/cpu/${LAB.cgroup}/cgroup.procs`, 'utf8')).rejects.toThrow(/ENOENT/);
    await expect(readFile(`/sys/fs/cgroup/blkio/${LAB.cgroup}/cgroup.procs`, 'utf8')).rejects.toThrow(/ENOENT/);
    const netns = await execa('ip', ['netns', 'list']);
    expect(netns.stdout).not.toContain(nsName(''));
  });
});

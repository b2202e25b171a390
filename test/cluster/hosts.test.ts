/**
 * The hosts driver against the test bed: eight systemd containers with sshd and Debian's packaged
 * etcd, Patroni, pgbouncer, HAProxy and keepalived (npm run testbed). Discovery, a dry run that
 * touches nothing, leader-stop and haproxy-vip-failover through the runner over SSH, and the dead-man
 * switch: the controller is SIGKILLed with a host isolated and the host heals itself. The bed is
 * removed at the end, also after a failure or a Ctrl-C.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostsDriver } from '../../src/cluster/hosts/driver.js';
import { loadInventory } from '../../src/cluster/hosts/inventory.js';
import { drillSeconds } from '../../src/cluster/hosts/plan.js';
import { HostConnection } from '../../src/cluster/hosts/ssh.js';
import { SUDO_USER, testbedDown, testbedUp, TESTBED_INVENTORY } from '../../src/cluster/hosts/testbed.js';
import { getJson } from '../../src/cluster/patroni-api.js';
import { parse as parseYaml, stringify } from 'yaml';
import { loadExperiment, parseExperimentText, PROJECT_ROOT } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/runner.js';
import type { Results } from '../../src/results/types.js';
import { waitFor } from '../../src/util/time.js';

const figures: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
let outRoot: string;

const onSignal = () => void testbedDown().finally(() => process.exit(130));

/** PDRILL_TESTBED_REUSE=1: run against the bed `npm run testbed -- up` left, and leave it up (for working on one test). */
const reuse = process.env.PDRILL_TESTBED_REUSE === '1';

beforeAll(async () => {
  outRoot = await mkdtemp(path.join(tmpdir(), 'drill-hosts-'));
  if (reuse) return;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t = performance.now();
  await execa('bash', [path.join(PROJECT_ROOT, 'scripts/docker-prepare.sh')], { stdio: 'inherit', timeout: 900_000 });
  figures.push(`engine and base image ready: ${seconds(performance.now() - t)}`);
  const f = await testbedUp((m) => console.error(`testbed: ${m}`));
  figures.push(
    `test bed: image ${f.built ? 'built' : 'cached'} ${f.seconds.image.toFixed(1)} s; 8 hosts booted ${f.seconds.boot.toFixed(1)} s; ` +
      `services healthy ${f.seconds.healthy.toFixed(1)} s later (hosts up and healthy ${(f.seconds.boot + f.seconds.healthy).toFixed(1)} s)`,
  );
}, 2_400_000);

afterAll(async () => {
  if (!reuse) await testbedDown();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (outRoot) await rm(outRoot, { recursive: true, force: true });
  console.log(`Hosts driver figures:\n  ${figures.join('\n  ')}`);
}, 300_000);

/** What the tool may have left on the hosts: pdrill timers and the isolation table, one line per find. */
async function traces(): Promise<string[]> {
  const inv = await loadInventory(TESTBED_INVENTORY);
  const found = await Promise.all(
    inv.hosts.map(async (h) => {
      const c = new HostConnection(h.name, h.ssh);
      try {
        const r = await c.run("systemctl list-units --all --plain --no-legend 'pdrill-*'; nft list tables 2>/dev/null | grep pdrill; iptables -S | grep pdrill");
        return r.stdout.split('\n').filter(Boolean).map((l) => `${h.name}: ${l}`);
      } finally {
        c.close();
      }
    }),
  );
  return found.flat();
}

async function scratchExists(): Promise<boolean> {
  const inv = await loadInventory(TESTBED_INVENTORY);
  const c = new pg.Client({ ...inv.clients.write, ...inv.credentials, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [inv.scratchDatabase])).rowCount === 1;
  } finally {
    await c.end();
  }
}

async function drill(name: string): Promise<{ r: Results; driver: HostsDriver; outDir: string }> {
  const exp = await loadExperiment(name);
  const driver = new HostsDriver({ inventory: TESTBED_INVENTORY, deadmanSeconds: drillSeconds(exp), print: (l) => console.error(l) });
  const outDir = path.join(outRoot, name);
  const t0 = performance.now();
  const r = await runExperiment(exp, { driver, outDir });
  const logs = await driver.collectLogs(outDir, { from: new Date(r.started_at), to: new Date(Date.parse(r.started_at) + r.duration_ms + 30_000) });
  driver.close();
  expect(logs.length).toBe(13);
  const faultWindow = r.analysis.outages.find((o) => o.fault_injected_ms !== null)?.window.duration_ms;
  figures.push(
    `${name} over SSH: verdict ${r.verdict}${r.error ? ` (${r.error})` : ''}; write outage at the fault ${faultWindow === undefined ? 'none' : seconds(faultWindow)}; ` +
      `all windows ${r.analysis.outages.map((o) => seconds(o.window.duration_ms)).join(', ') || 'none'}; fault started ${driver.lastInjectDelayMs?.toFixed(1)} ms after inject(); run ${seconds(performance.now() - t0)}`,
  );
  return { r, driver, outDir };
}

/** A controller process injects a fault and is SIGKILLed right after. */
async function injectAndDie(fault: string, target: string, deadman: number): Promise<void> {
  const child = execa('node', ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/cluster/hosts-deadman-child.ts'), TESTBED_INVENTORY, fault, target, String(deadman)], {
    cwd: PROJECT_ROOT,
    reject: false,
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('injected') && resolve());
    void child.then((r) => reject(new Error(`the controller ended before injecting: ${r.stderr}`)));
  });
  child.kill('SIGKILL');
  await child;
}

describe('hosts driver on the test bed', () => {
  it('discovers the cluster over SSH before touching it', async () => {
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY });
    const access = await driver.attach();
    const d = driver.discovery;
    driver.close();
    expect(d.patroni.map((p) => p.member).sort()).toEqual(['patroni1', 'patroni2', 'patroni3']);
    expect(d.patroni.filter((p) => p.role === 'leader')).toHaveLength(1);
    expect(d.patroni.filter((p) => p.role !== 'leader').every((p) => p.replicating)).toBe(true);
    expect(d.etcd.members.map((m) => m.name).sort()).toEqual(['etcd1', 'etcd2', 'etcd3']);
    expect(d.haproxy.map((h) => [h.write, h.read, h.inter_ms])).toEqual([
      ['primary', 'replicas', 500],
      ['primary', 'replicas', 500],
    ]);
    expect(d.keepalived?.holder).toMatch(/^haproxy[12]$/);
    // What decides how fast the VIP moves, as the hosts' own files have it, is what the predictions use.
    expect(d.keepalived).toMatchObject({ advert_int_ms: 1000, check: { interval_ms: 1000, timeout_ms: 1000, fall: 1, weight: 0 }, priorities: { haproxy1: 102, haproxy2: 101 } });
    expect(access.balancers).toMatchObject({ haproxy: { inter_ms: 500 }, keepalived: { priorities: { haproxy1: 102, haproxy2: 101 } } });
    expect(d.settings).toMatchObject({ ttl: 20, loop_wait: 2, retry_timeout: 9 });
    expect(d.versions.patroni).toBe('4.0.7');
    expect(access.topology).toEqual({ etcd: 3, patroni: 3, haproxy: 2, pgbouncer: true, keepalived: true });
    expect('error' in d.dcsView ? d.dcsView.error : d.dcsView.map((m) => m.role).sort()).toEqual(['leader', 'replica', 'replica']);
  });

  it('--dry-run prints every command and changes nothing', async () => {
    const before = await getJson<{ members: Array<{ name: string; role: string }> }>('http://10.214.0.21:8008/cluster');
    const out = await execa('npx', ['tsx', 'src/cli/experiment.ts', 'leader-stop', '--hosts', TESTBED_INVENTORY, '--dry-run'], { cwd: PROJECT_ROOT, all: true });
    expect(out.all).toMatch(/systemd-run --quiet --collect --unit=pdrill-heal-stop-patroni-\S+ --on-active=\d+s/);
    expect(out.all).toContain("systemctl stop 'patroni.service'");
    expect(out.all).toContain('dry run: nothing was changed on any host');
    expect(await traces()).toEqual([]);
    expect(await scratchExists()).toBe(false);
    const after = await getJson<{ members: Array<{ name: string; role: string }> }>('http://10.214.0.21:8008/cluster');
    expect(after.members.map((m) => m.role)).toEqual(before.members.map((m) => m.role));
  });

  it('leader-stop: the leader changes, nothing is lost, every trace is removed', async () => {
    const { r, outDir } = await drill('leader-stop');
    expect(r.error).toBeUndefined();
    const must = ['lost writes', 'unexpected rows', 'duplicates', 'split brain', 'leader changed', 'timeline changed'];
    expect(r.assertions.filter((a) => must.includes(a.name) && !a.passed)).toEqual([]);
    const fault = r.analysis.outages.find((o) => o.fault_injected_ms !== null);
    expect(fault?.window.duration_ms).toBeLessThan(10_000);
    const stopped = r.events.find((e) => e.action === 'inject' && e.phase === 'end')!.nodes![0]!;
    expect(await readFile(path.join(outDir, 'logs', `${stopped}.patroni.log`), 'utf8')).toMatch(/Stopping patroni\.service/);
    // The journal's lines reach the time axis: the promotion is checked against Patroni's own line.
    const kinds = new Set(r.analysis.log_events.map((e) => e.kind));
    for (const k of ['postgres_shutdown', 'lock_acquired', 'promoted', 'server_up'] as const) expect(kinds).toContain(k);
    expect(Math.abs(r.analysis.promotions[0]!.t_ms - r.analysis.promotions[0]!.log_ms!)).toBeLessThan(250);
    expect(await traces()).toEqual([]);
    expect(await scratchExists()).toBe(false);
  });

  it('haproxy-vip-failover: the VIP moves to the other HAProxy within seconds', async () => {
    const { r } = await drill('haproxy-vip-failover');
    expect(r.error).toBeUndefined();
    expect(r.assertions.filter((a) => ['lost writes', 'split brain', 'leader changed', 'within prediction'].includes(a.name) && !a.passed)).toEqual([]);
    const fault = r.analysis.outages.find((o) => o.fault_injected_ms !== null);
    expect(fault?.window.duration_ms ?? 0).toBeLessThan(3000);
    expect(await traces()).toEqual([]);
  });

  it('dead-man switch: the controller is SIGKILLed with a host isolated, and the host heals itself', async () => {
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY });
    const access = await driver.attach();
    driver.close();
    const replica = driver.discovery.patroni.find((p) => p.role !== 'leader')!.member;
    const deadman = 15;
    const rest = `${access.patroni[replica]}/patroni`;
    await injectAndDie('isolate', replica, deadman);
    const injected = performance.now();
    // Isolated: this machine no longer reaches the replica's REST API (only its sshd).
    await expect(getJson(rest, 1000)).rejects.toThrow();
    expect((await traces()).some((t) => t.includes('pdrill-heal-isolate'))).toBe(true);
    await waitFor('the isolated host to heal itself', () => getJson(rest, 1000).then(() => true), { timeoutMs: (deadman + 15) * 1000, intervalMs: 250 });
    const healed = performance.now() - injected;
    figures.push(`dead-man switch: controller SIGKILLed with ${replica} isolated; healed by itself ${seconds(healed)} after the fault (armed for ${deadman} s)`);
    expect(healed).toBeGreaterThan((deadman - 2) * 1000);
    expect(healed).toBeLessThan((deadman + 10) * 1000);
    expect(await traces()).toEqual([]);
  });

  it('a later run finds what a killed controller left and heals it at once', async () => {
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY });
    const access = await driver.attach();
    driver.close();
    const replica = driver.discovery.patroni.find((p) => p.role !== 'leader')!.member;
    await injectAndDie('pause', replica, 600);
    expect((await traces()).some((t) => t.includes('pdrill-heal-pause-patroni'))).toBe(true);
    // Paused: Patroni's REST API does not answer.
    await expect(getJson(`${access.patroni[replica]}/patroni`, 1000)).rejects.toThrow();
    const found: string[] = [];
    await new HostsDriver({ inventory: TESTBED_INVENTORY, print: (l) => found.push(l) }).down();
    expect(found.some((l) => l.includes('left by an earlier run: fired pdrill-heal-pause-patroni'))).toBe(true);
    expect(await traces()).toEqual([]);
    await getJson(`${access.patroni[replica]}/patroni`, 2000);
  });

  it('a host that stops answering mid-drill ends it with verdict error after healing the rest; the next run removes what it left', async () => {
    // Two faults: a replica's Patroni stopped, then etcd on etcd3 (a minority: the cluster keeps its
    // quorum); then etcd3 freezes whole, as a hung VM would.
    const exp = parseExperimentText(
      [
        'name: host-lost',
        'description: a host freezes while a fault is on it',
        'steps:',
        '  - { at: 3s, inject: stop, target: replica, id: f1 }',
        '  - { at: 4s, inject: stop, target: "etcd:1", id: f2 }',
        '  - { after: 60s, heal: f2 }',
        '  - { heal: f1 }',
        'assertions: []',
      ].join('\n'),
      path.join(outRoot, 'host-lost.yaml'),
    );
    const lost = 'pdrill-tb-etcd3';
    const t0 = performance.now();
    const stamp = (m: string) => console.error(`host-lost [${seconds(performance.now() - t0)}]: ${m}`);
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY, deadmanSeconds: 600, print: stamp });
    const run = runExperiment(exp, { driver, outDir: path.join(outRoot, 'host-lost'), progress: stamp });
    await waitFor(
      'the fault on etcd3',
      async () => ((await execa('docker', ['exec', lost, 'systemctl', 'list-units', '--plain', '--no-legend', 'pdrill-heal-stop-etcd-*'])).stdout.trim() ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    await execa('docker', ['pause', lost]);
    const paused = performance.now();
    let r: Results;
    try {
      r = await run;
    } finally {
      await execa('docker', ['unpause', lost]);
    }
    driver.close();
    const endedAfter = performance.now() - paused;
    figures.push(`host lost mid-drill: the run ended with verdict ${r.verdict} ${seconds(endedAfter)} after etcd3 froze (run ${seconds(performance.now() - t0)}): ${r.error}`);
    expect(r.verdict).toBe('error');
    // Keepalives notice in 10 s; nothing after that may wait on the frozen host (its 60 s heal
    // timeout, a 25 s SSH handshake at teardown: 72 s in all before).
    expect(endedAfter).toBeLessThan(30_000);
    expect(r.error).not.toMatch(/teardown/);
    expect(r.error).toMatch(/host etcd3 stopped answering during the drill .*no answer to SSH keepalives/);
    // The fault on the host that still answered was healed: its Patroni runs again.
    const replica = r.events.find((e) => e.action === 'inject' && e.id === 'f1' && e.phase === 'end')!.nodes![0]!;
    const inv = await loadInventory(TESTBED_INVENTORY);
    const replicaHost = inv.hosts.find((h) => h.name === replica)!;
    await waitFor('the replica healed', () => getJson(`http://${replicaHost.ssh.address}:8008/patroni`, 1000).then(() => true), { timeoutMs: 30_000, intervalMs: 250 });
    // etcd3's fault outlived the run: its etcd is still stopped, its dead-man switch still armed.
    expect((await execa('docker', ['exec', lost, 'systemctl', 'is-active', 'etcd.service'], { reject: false })).stdout.trim()).toBe('inactive');
    const found: string[] = [];
    await new HostsDriver({ inventory: TESTBED_INVENTORY, print: (l) => found.push(l) }).down();
    expect(found.filter((l) => l.startsWith('etcd3: left by an earlier run: fired pdrill-heal-stop-etcd-'))).toHaveLength(1);
    expect(await traces()).toEqual([]);
    expect((await execa('docker', ['exec', lost, 'systemctl', 'is-active', 'etcd.service'], { reject: false })).stdout.trim()).toBe('active');
  });

  it('partition, loss and postgres-crash through the host\'s own tools, each healed, never cutting the control connection', async () => {
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY, deadmanSeconds: 120, print: (l) => console.error(l) });
    const access = await driver.attach();
    try {
      const replica = driver.discovery.patroni.find((p) => p.role !== 'leader')!;
      const onReplica = (cmd: string) => execa('docker', ['exec', `pdrill-tb-${replica.host}`, 'sh', '-c', cmd], { reject: false });
      // A TCP connection from the replica to an etcd host's client port: 0 when it opens, 124 when it times out (dropped).
      const connect = async (address: string) => (await onReplica(`timeout 2 bash -c '</dev/tcp/${address}/2379'`)).exitCode;
      const etcdAnswers = async () => (await connect('10.214.0.11')) === 0;
      const etcdCut = async () => (await connect('10.214.0.11')) === 124;
      expect(await etcdAnswers()).toBe(true);

      // Partition from etcd1 only: etcd1 unreachable from the replica, this machine still reaches its REST API.
      await driver.inject('partition', replica.member, { peers: ['etcd1'], direction: 'both' });
      figures.push(`partition over SSH: took effect ${driver.lastInjectDelayMs?.toFixed(1)} ms after inject()`);
      expect(await etcdCut()).toBe(true);
      expect(await connect('10.214.0.12')).toBe(0);
      await getJson(`${access.patroni[replica.member]}/patroni`, 2000);
      await driver.heal('partition', replica.member);
      expect(await etcdAnswers()).toBe(true);

      // Loss of every packet to etcd1 (100 %, so that the check is certain), in its own table.
      await driver.inject('loss', replica.member, { peers: ['etcd1'], loss_pct: 100 });
      expect((await onReplica('nft list tables')).stdout).toMatch(/pdrill_loss/);
      expect(await etcdCut()).toBe(true);
      await driver.heal('loss', replica.member);
      expect(await etcdAnswers()).toBe(true);

      // postgres-crash: the postmaster dies, Patroni starts a new one.
      const before = await getJson<{ postmaster_start_time?: string }>(`${access.patroni[replica.member]}/patroni`, 2000);
      await driver.inject('postgres-crash', replica.member);
      await waitFor(
        'Patroni to restart the crashed postmaster',
        async () => {
          const v = await getJson<{ postmaster_start_time?: string; state?: string }>(`${access.patroni[replica.member]}/patroni`, 2000);
          return v.state === 'running' && v.postmaster_start_time !== before.postmaster_start_time ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      await driver.heal('postgres-crash', replica.member);
      await expect(driver.inject('disk-full', replica.member)).rejects.toThrow(/real pg_wal volume/);
    } finally {
      driver.close();
    }
    expect(await traces()).toEqual([]);
  });

  it('logs in as a non-root user with sudo through ssh-agent, and isolates a host without nft through iptables', async () => {
    const inv = parseYaml(await readFile(TESTBED_INVENTORY, 'utf8')) as { ssh: Record<string, unknown> };
    const agent = await execa('ssh-agent', ['-s']);
    const sock = /SSH_AUTH_SOCK=([^;]+);/.exec(agent.stdout)![1]!;
    const agentPid = Number(/SSH_AGENT_PID=(\d+);/.exec(agent.stdout)![1]);
    const savedSock = process.env.SSH_AUTH_SOCK;
    const file = path.join(outRoot, 'inventory-agent.yaml');
    let hidden: string | null = null;
    try {
      await execa('ssh-add', [path.join(path.dirname(TESTBED_INVENTORY), 'id_ed25519')], { env: { SSH_AUTH_SOCK: sock } });
      process.env.SSH_AUTH_SOCK = sock;
      await writeFile(file, stringify({ ...inv, ssh: { user: SUDO_USER, agent: true } }));
      const hosts = await loadInventory(file);
      expect(hosts.hosts.every((h) => h.ssh.sudo && h.ssh.agent === sock && !h.ssh.privateKey)).toBe(true);
      const c = new HostConnection('etcd1', hosts.hosts.find((h) => h.name === 'etcd1')!.ssh);
      try {
        expect((await c.check('id -un', { asLoginUser: true })).trim()).toBe(SUDO_USER);
        expect((await c.check('id -un')).trim()).toBe('root');
        expect((await c.quick('id -un')).stdout.trim()).toBe('root');
        // One shell serves every fault command of a drill: none may leave a listener behind on it.
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on('warning', onWarning);
        try {
          for (let i = 0; i < 30; i++) expect((await c.quick(`echo ${i}`)).stdout.trim()).toBe(String(i));
          await new Promise((r) => setImmediate(r));
        } finally {
          process.off('warning', onWarning);
        }
        expect(warnings.map((w) => w.message)).toEqual([]);
      } finally {
        c.close();
      }

      const driver = new HostsDriver({ inventory: file, deadmanSeconds: 120, print: (l) => console.error(l) });
      const access = await driver.attach();
      const replica = driver.discovery.patroni.find((p) => p.role !== 'leader')!;
      hidden = `pdrill-tb-${replica.host}`;
      await execa('docker', ['exec', hidden, 'mv', '/usr/sbin/nft', '/usr/sbin/nft.hidden']);
      try {
        await driver.inject('isolate', replica.member);
        await expect(getJson(`${access.patroni[replica.member]}/patroni`, 1000)).rejects.toThrow();
        const rules = (await execa('docker', ['exec', hidden, 'iptables', '-S', 'pdrill-in'])).stdout;
        expect(rules).toContain('-j DROP');
        await driver.heal('isolate', replica.member);
        await getJson(`${access.patroni[replica.member]}/patroni`, 2000);
      } finally {
        driver.close();
      }
      expect((await execa('docker', ['exec', hidden, 'iptables', '-S'])).stdout).not.toContain('pdrill');
      expect(await traces()).toEqual([]);
    } finally {
      if (hidden) await execa('docker', ['exec', hidden, 'mv', '/usr/sbin/nft.hidden', '/usr/sbin/nft']).catch(() => {});
      if (savedSock === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = savedSock;
      process.kill(agentPid);
    }
  });

  // Last: it replaces the bed's Patroni with Debian 12's own.
  it.skipIf(reuse)("Debian 12's own Patroni 3.0.2 on the same hosts: counted healthy, discovered and drilled", async () => {
    const f = await testbedUp((m) => console.error(`testbed (bookworm): ${m}`), 'bookworm');
    figures.push(`test bed on Patroni 3.0.2: image ${f.built ? 'built' : 'cached'} ${f.seconds.image.toFixed(1)} s; up and healthy ${(f.seconds.boot + f.seconds.healthy).toFixed(1)} s`);
    const { r, driver } = await drill('leader-stop');
    expect(r.error).toBeUndefined();
    expect(r.versions.patroni).toBe('3.0.2');
    expect(r.assertions.filter((a) => !a.passed)).toEqual([]);
    expect(driver.discovery.patroni.map((p) => p.state)).toEqual(['running', 'running', 'running']);
    expect(r.analysis.log_events.some((e) => e.kind === 'lock_acquired')).toBe(true);
    expect(await traces()).toEqual([]);
  }, 900_000);
});

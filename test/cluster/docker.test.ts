/**
 * The Docker driver on a real engine, with no Docker Hub: the test installs Debian's engine if it is
 * missing, starts dockerd, builds the base image from Debian's mirror and the drill's image from
 * docker/Dockerfile (each step skipped when already done), then runs leader-stop through the runner
 * on the drill's own docker-compose.yml and on a student-like compose project, and breaks nodes by
 * hand. Whatever it creates is removed at the end, also after a failure or a Ctrl-C.
 */
import { access as exists, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerDriver, DOCKER_STATE_DIR, OWN_PROJECT } from '../../src/cluster/docker/driver.js';
import { connectEngine, inspect } from '../../src/cluster/docker/engine.js';
import { containerNs } from '../../src/cluster/docker/faults.js';
import { CLOSED_PORT, probe } from '../../src/cluster/local/net-faults.js';
import { ensureImage } from '../../src/cluster/docker/image.js';
import { clusterView } from '../../src/cluster/health.js';
import { getJson, type PatroniNodeView } from '../../src/cluster/patroni-api.js';
import type { ClusterAccess, FaultKind } from '../../src/cluster/types.js';
import { loadExperiment, PROJECT_ROOT } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/runner.js';
import type { Results } from '../../src/results/types.js';
import { waitFor } from '../../src/util/time.js';

const COURSE_COMPOSE = path.join(PROJECT_ROOT, 'test/cluster/course-compose/docker-compose.yml');
const COURSE_PROJECT = 'course-compose';
const figures: string[] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let docker: Docker;
let outRoot: string;
const own = new DockerDriver();
const course = new DockerDriver({ compose: COURSE_COMPOSE });

const cleanup = () => Promise.allSettled([own.down(), course.down()]);
const onSignal = () => void cleanup().finally(() => process.exit(130));

beforeAll(async () => {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let t = performance.now();
  await execa('bash', [path.join(PROJECT_ROOT, 'scripts/docker-prepare.sh')], { stdio: 'inherit', timeout: 900_000 });
  figures.push(`engine and base image ready: ${seconds(performance.now() - t)}`);
  docker = await connectEngine();
  t = performance.now();
  const image = await ensureImage(docker, path.join(PROJECT_ROOT, 'docker'), () => {});
  figures.push(`image patroni-drill:${image.tag} ${image.built ? 'built' : 'reused'}: ${seconds(performance.now() - t)}`);
  // The student-like project runs on the drill's image, for its binaries only.
  process.env.DRILL_FIXTURE_IMAGE = `patroni-drill:${image.tag}`;
  outRoot = await mkdtemp(path.join(tmpdir(), 'drill-docker-'));
}, 1_200_000);

afterAll(async () => {
  await cleanup();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (outRoot) await rm(outRoot, { recursive: true, force: true });
  console.log(`Docker figures:\n  ${figures.join('\n  ')}`);
}, 180_000);

/** Runs an experiment file through the runner, leaving the healed cluster up; times the driver's up(). */
async function run(name: string, driver: DockerDriver, label: string): Promise<Results> {
  const exp = await loadExperiment(name);
  const t0 = performance.now();
  let upDone = 0;
  const results = await runExperiment(exp, {
    driver,
    outDir: path.join(outRoot, `${label}-${name}`),
    keep: true,
    progress: (m) => {
      if (!upDone && m.includes('found:')) upDone = performance.now();
    },
  });
  figures.push(`${label}: healthy cluster ${seconds(upDone - t0)} after up() began; ${name} run ${seconds(performance.now() - t0)}`);
  return results;
}

function expectMeasuredPass(r: Results): void {
  expect(r.error).toBeUndefined();
  expect(r.assertions.filter((a) => !a.passed)).toEqual([]);
  expect(r.verdict).toBe('pass');
  const outage = r.analysis.writes.windows[0];
  expect(outage?.duration_ms).toBeGreaterThan(0);
  expect(r.assertions.find((a) => a.name === 'max write outage')?.passed).toBe(true);
}

async function labelled(project: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  return {
    containers: (await docker.listContainers({ all: true, filters })).length,
    networks: (await docker.listNetworks({ filters })).length,
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).length,
  };
}

async function containerOf(project: string, service: string): Promise<string> {
  const [c] = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`] } });
  if (!c) throw new Error(`no container for ${project}/${service}`);
  return c.Id;
}

async function inRecovery(access: ClusterAccess, node: string): Promise<boolean> {
  const client = new pg.Client({ ...access.direct[node]!, ...access.superuser, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r;
  } finally {
    await client.end();
  }
}

const restAnswers = (access: ClusterAccess, node: string) =>
  getJson<PatroniNodeView>(`${access.patroni[node]}/patroni`, 1000).then(
    () => true,
    () => false,
  );

async function aReplica(access: ClusterAccess): Promise<string> {
  return (await clusterView(access))!.members.find((m) => m.role === 'replica' && m.state === 'streaming')!.name;
}

/** Back: Patroni says it streams again and its PostgreSQL, asked directly, is a replica. */
async function streamingAgain(access: ClusterAccess, node: string): Promise<void> {
  await waitFor(
    `${node} streaming again`,
    async () => {
      const v = await getJson<PatroniNodeView>(`${access.patroni[node]}/patroni`, 1000);
      return v.replication_state === 'streaming' && (await inRecovery(access, node)) ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

describe("the drill's own docker-compose.yml", () => {
  let access: ClusterAccess;

  it('runs leader-stop through the runner: verdict pass, the write outage measured', async () => {
    const r = await run('leader-stop', own, 'own project');
    // Before the verdict: the fault tests below need the cluster, whatever leader-stop measured.
    access = await own.attach();
    expectMeasuredPass(r);
    expect(r.driver).toBe('docker');
    expect(r.versions.patroni).toMatch(/^4\./);
    figures.push(`own project: leader-stop write outage ${seconds(r.analysis.writes.windows[0]!.duration_ms)}`);
  });

  it('publishes HAProxy on 127.0.0.1 only', async () => {
    const info = await inspect(docker, await containerOf(OWN_PROJECT, 'haproxy'));
    const bindings = Object.values(info.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []);
    expect(bindings.length).toBeGreaterThan(0);
    expect(new Set(bindings.map((b) => b.HostIp))).toEqual(new Set(['127.0.0.1']));
  });

  // Each fault twice and each heal twice: the engine answers 304, 409 or 500 to the second, which
  // must count as done.
  const checks: Partial<Record<FaultKind, (node: string, container: string) => Promise<void>>> = {
    stop: async (_, c) => expect((await inspect(docker, c)).State.Running).toBe(false),
    kill: async (_, c) => expect((await inspect(docker, c)).State.Running).toBe(false),
    'kill-patroni': async (node, c) => {
      // As under systemd: Patroni is gone, its PostgreSQL and the container are not.
      expect(await restAnswers(access, node)).toBe(false);
      expect(await inRecovery(access, node)).toBe(true);
      expect((await inspect(docker, c)).State.Running).toBe(true);
    },
    pause: async (_, c) => expect((await inspect(docker, c)).State.Paused).toBe(true),
    isolate: async (node, c) => {
      expect(Object.keys((await inspect(docker, c)).NetworkSettings.Networks ?? {})).toEqual([]);
      expect(await restAnswers(access, node)).toBe(false);
      // The direct check goes through the unix socket on the mount, which no network fault cuts.
      expect(await inRecovery(access, node)).toBe(true);
    },
  };
  for (const fault of Object.keys(checks) as FaultKind[]) {
    it(`injects and heals ${fault} on a replica, each twice`, async () => {
      const node = await aReplica(access);
      const container = await containerOf(OWN_PROJECT, node);
      await own.inject(fault, node);
      await own.inject(fault, node);
      await checks[fault]!(node, container);
      await own.heal(fault, node);
      await own.heal(fault, node);
      await streamingAgain(access, node);
      if (fault === 'isolate') {
        // Reconnected with its compose aliases and address: the others still find it by name.
        const net = (await inspect(docker, container)).NetworkSettings.Networks ?? {};
        const [attachment] = Object.values(net);
        expect(attachment?.Aliases).toContain(node);
        expect(attachment?.IPAddress).toBe(access.nodes.find((n) => n.name === node)!.address);
      }
    });
  }

  /** Connects from inside the container's namespace to a closed port: answered (refused) or not. */
  const reaches = async (node: string, peer: string) => {
    const ns = await containerNs(docker, await containerOf(OWN_PROJECT, node), node, access.nodes.find((n) => n.name === node)!.address);
    return (await probe(ns, access.nodes.find((n) => n.name === peer)!.address, CLOSED_PORT, 3, 800, 3)).lost === 0;
  };

  it('partition in the container\'s namespace: two injections, healing one leaves the other cutting', async () => {
    const node = await aReplica(access);
    const leader = (await clusterView(access))!.members.find((m) => m.role === 'leader')!.name;
    const first = await own.inject('partition', node, { peers: [leader], direction: 'both', tag: 'p1' });
    expect(first?.detail).toContain(`with ${leader}`);
    await own.inject('partition', node, { peers: ['etcd1'], direction: 'both', tag: 'p2' });
    expect(await reaches(node, leader)).toBe(false);
    expect(await reaches(node, 'etcd1')).toBe(false);
    await own.heal('partition', node, 'p1');
    expect(await reaches(node, leader)).toBe(true);
    expect(await reaches(node, 'etcd1')).toBe(false);
    await own.heal('partition', node, 'p2');
    expect(await reaches(node, 'etcd1')).toBe(true);
    await streamingAgain(access, node);
  });

  it('loss drops about the share asked, measured by the rule\'s counters and a probe; bandwidth caps with htb', async () => {
    const node = await aReplica(access);
    const outcome = await own.inject('loss', node, { loss_pct: 10, peers: ['etcd1'], tag: 'l' });
    const realized = Number(/dropped ([0-9.]+)% of/.exec(outcome!.detail)![1]);
    const probed = Number(/measured ([0-9.]+)% of 4000/.exec(outcome!.detail)![1]);
    figures.push(`own project: loss 10% asked, ${realized}% dropped by the rule, ${probed}% of 4000 connects lost`);
    for (const m of [realized, probed]) {
      expect(m).toBeGreaterThan(8);
      expect(m).toBeLessThan(12);
    }
    await own.heal('loss', node, 'l');
    expect(await reaches(node, 'etcd1')).toBe(true);
    const bw = await own.inject('bandwidth', node, { rate_kbit: 1000, tag: 'b' });
    expect(bw?.detail).toContain('htb rate 1000kbit');
    await own.heal('bandwidth', node, 'b');
  });

  it('postgres-crash kills the postmaster inside the container only; Patroni starts it again', async () => {
    const node = await aReplica(access);
    const container = await containerOf(OWN_PROJECT, node);
    const outcome = await own.inject('postgres-crash', node);
    expect(outcome?.detail).toMatch(/SIGKILL to the postmaster \(PID \d+/);
    expect((await inspect(docker, container)).State.Running).toBe(true);
    await own.heal('postgres-crash', node);
    await streamingAgain(access, node);
  });

  it('replay-pause pauses replay on a replica and heal resumes it; cpu-starve sets the engine\'s quota, the smallest open one', async () => {
    const node = await aReplica(access);
    await own.inject('replay-pause', node);
    await own.heal('replay-pause', node);
    const container = await containerOf(OWN_PROJECT, node);
    await own.inject('cpu-starve', node, { cpu_pct: 20, tag: 'c1' });
    await own.inject('cpu-starve', node, { cpu_pct: 10, tag: 'c2' });
    expect((await inspect(docker, container)).HostConfig.CpuQuota).toBe(10_000);
    await own.heal('cpu-starve', node, 'c2');
    expect((await inspect(docker, container)).HostConfig.CpuQuota).toBe(20_000);
    await own.heal('cpu-starve', node, 'c1');
    expect((await inspect(docker, container)).HostConfig.CpuQuota).toBeLessThanOrEqual(0);
    await streamingAgain(access, node);
  });

  it('refuses delay and disk-full, saying why', async () => {
    const node = await aReplica(access);
    await expect(own.inject('delay', node, { delay_ms: 100 })).rejects.toThrow(/^the Docker driver cannot inject delay: its proxy hop/);
    await expect(own.inject('disk-full', node)).rejects.toThrow(/host's disk/);
  });

  it('runs patronictl inside a Patroni container', async () => {
    expect(await own.patronictl(['list'])).toMatch(/Leader\s+\|\s+running/);
  });

  it('leaves no container, network, volume or file after down', async () => {
    const t = performance.now();
    await own.down();
    figures.push(`own project: teardown ${seconds(performance.now() - t)}`);
    expect(await labelled(OWN_PROJECT)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    await expect(exists(path.join(DOCKER_STATE_DIR, OWN_PROJECT))).rejects.toThrow();
  });
});

describe('a compose project of its own (--compose)', () => {
  let access: ClusterAccess;

  it('finds the write port by asking the database, against the labels in the file, and runs leader-stop', async () => {
    const r = await run('leader-stop', course, 'student project');
    expectMeasuredPass(r);
    access = await course.attach();
    // The file calls 15001 "write"; the database behind it says it is a replica.
    expect(access.write).toEqual({ host: '127.0.0.1', port: 15002 });
    expect(access.read).toEqual({ host: '127.0.0.1', port: 15001 });
    expect(access.stats[0]).toMatchObject({ url: 'http://127.0.0.1:17000/haproxy', user: 'admin', backends: { write: 'master', read: 'replicas' } });
    expect(access.nodes.map((n) => `${n.kind}:${n.name}`).sort()).toEqual(
      ['etcd:dcs1', 'etcd:dcs2', 'etcd:dcs3', 'haproxy:lb', 'patroni:pg-a', 'patroni:pg-b', 'patroni:pg-c'].sort(),
    );
    expect(access.superuser.password).toBe('course-superuser-secret');
    // The project's own checks (slower than the experiment file's 500 ms, 2, 1) are what the run was predicted with.
    expect(access.balancers?.haproxy).toEqual({ inter_ms: 1000, fall: 3, rise: 2 });
    expect(r.config.haproxy).toEqual({ inter_ms: 1000, fall: 3, rise: 2 });
    expect(course.report.join('\n')).toMatch(/write port .*127\.0\.0\.1:15002 \(container port 5000\)/);
    expect(course.report.join('\n')).toMatch(/pg-a: Patroni is its container's main process/);
  });

  it("kill-patroni where Patroni is the container's main process ends the container; heal starts it again", async () => {
    const node = await aReplica(access);
    const container = await containerOf(COURSE_PROJECT, node);
    await course.inject('kill-patroni', node);
    await waitFor('the container to end', async () => ((await inspect(docker, container)).State.Running ? undefined : true), { timeoutMs: 10_000 });
    await course.heal('kill-patroni', node);
    await streamingAgain(await course.attach(), node);
  });

  it('leaves none of its containers or networks after down', async () => {
    await course.down();
    const left = await labelled(COURSE_PROJECT);
    expect({ containers: left.containers, networks: left.networks }).toEqual({ containers: 0, networks: 0 });
  });
});

describe("a compose project on Debian 12's Patroni 3.0.2 (role master, replicas only say running)", () => {
  const older = new DockerDriver({ compose: COURSE_COMPOSE });
  let drillImage: string | undefined;

  beforeAll(async () => {
    drillImage = process.env.DRILL_FIXTURE_IMAGE;
    const image = 'patroni-drill-fixture:patroni-3.0.2';
    const t = performance.now();
    await execa('docker', ['build', '-q', '-t', image, '--build-arg', `BASE=${drillImage}`, path.join(PROJECT_ROOT, 'test/cluster/course-compose/patroni-3.0.2')]);
    figures.push(`image ${image}: ${seconds(performance.now() - t)}`);
    process.env.DRILL_FIXTURE_IMAGE = image;
  }, 600_000);

  afterAll(async () => {
    await older.down();
    process.env.DRILL_FIXTURE_IMAGE = drillImage;
  }, 180_000);

  it('is discovered, counted healthy and drilled: leader-stop passes with the outage measured', async () => {
    const r = await run('leader-stop', older, 'student project on 3.0.2');
    expectMeasuredPass(r);
    const access = await older.attach();
    const views = await Promise.all(Object.values(access.patroni).map((base) => getJson<PatroniNodeView>(`${base}/patroni`)));
    expect(views.map((v) => v.patroni?.version)).toEqual(['3.0.2', '3.0.2', '3.0.2']);
    // What the health check and discovery had to read past: GET /patroni's master, and replicas that say running.
    expect(views.map((v) => `${v.role}/${v.state}`).sort()).toEqual(['master/running', 'replica/running', 'replica/running']);
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyse } from '../analysis/index.js';
import { getJson } from '../cluster/patroni-api.js';
import { nodeNames, profileSpec } from '../cluster/profiles.js';
import { memberRows } from '../cluster/status.js';
import type { ClusterAccess, ClusterDriver, ClusterSpec } from '../cluster/types.js';
import { FaultLedger } from '../faults/interpreter.js';
import { FINAL_READ_FILE, HISTORY_FILE, History, META_FILE, readNodeLogs } from '../history/store.js';
import type { ClusterSettingsSnapshot, EventRecord, FinalRead, RunMeta, StepAction } from '../history/types.js';
import { finalRead, loadIntervalMs, prepareTable, serverClock, startLoad, tableVisible, type LoadHandle } from '../load/index.js';
import { startObservers } from '../observe/index.js';
import type { MemberRow, Results } from '../results/types.js';
import { sleep, waitFor } from '../util/time.js';
import { evaluateAssertions, verdictOf } from './assertions.js';
import { CONDITIONS, currentLeader } from './conditions.js';
import type { Experiment } from './load.js';
import type { Step } from './schema.js';

export interface RunOptions {
  driver: ClusterDriver;
  outDir: string;
  signal?: AbortSignal;
  /** Leave the cluster running after the run (for a look by hand); it is healed either way. */
  keep?: boolean;
  progress?: (message: string) => void;
}

const HEAL_TIMEOUT_MS = 120_000;

function clusterSpec(exp: Experiment): ClusterSpec {
  const { haproxy, etcd, keepalived, ...patroni } = exp.cluster;
  return profileSpec(exp.profile, { ...patroni, haproxy, etcd, keepalived });
}

/** The settings as the live cluster reports them (GET /config), not as the file asked for them. */
async function liveSettings(access: ClusterAccess, spec: ClusterSpec): Promise<ClusterSettingsSnapshot> {
  const base = Object.values(access.patroni)[0]!;
  const c = await getJson<Partial<Record<string, unknown>>>(`${base}/config`, 2000);
  const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
  const s = spec.settings;
  return {
    ttl: num(c.ttl, s.ttl),
    loop_wait: num(c.loop_wait, s.loop_wait),
    retry_timeout: num(c.retry_timeout, s.retry_timeout),
    maximum_lag_on_failover: num(c.maximum_lag_on_failover, s.maximum_lag_on_failover),
    failsafe_mode: c.failsafe_mode === true,
    synchronous_mode: c.synchronous_mode === true,
    haproxy: s.haproxy,
    etcd: s.etcd,
    keepalived: s.keepalived,
  };
}

/**
 * One whole drill: a fresh cluster, load and observers writing one history, the timeline of faults,
 * every fault healed whatever happens, a final read, analysis, assertions and results.json.
 */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<Results> {
  const { driver, outDir, signal } = opts;
  const say = opts.progress ?? (() => {});
  await mkdir(outDir, { recursive: true });
  const spec = clusterSpec(exp);
  // Replaced once the cluster is up: t = 0 is when load and observers start, not when `up` began.
  let history = new History();
  history.toFile(outDir);

  let access: ClusterAccess | null = null;
  let ledger: FaultLedger | null = null;
  let load: LoadHandle | null = null;
  let observers: { stop(): Promise<void> } | null = null;
  let error: string | undefined;
  // What is known before the cluster exists; versions and live settings replace the guesses once it is up.
  const meta: RunMeta = {
    experiment: exp.name,
    description: exp.description,
    driver: driver.kind,
    started_at: new Date().toISOString(),
    ended_ms: 0,
    load_interval_ms: loadIntervalMs(exp.load) ?? 0,
    versions: { postgres: 'unknown', patroni: 'unknown', etcd: 'unknown', haproxy: 'unknown' },
    topology: { ...nodeNames(spec.topology), pgbouncer: spec.topology.pgbouncer, keepalived: spec.topology.keepalived },
    config: { ...spec.settings, synchronous_mode: spec.settings.synchronous_mode !== false },
  };
  let membersBefore: MemberRow[] = [];
  let membersAfter: MemberRow[] = [];
  let final: FinalRead | null = null;
  const event = (e: Omit<EventRecord, 'type' | 't_ms'>) => history.add({ type: 'event', t_ms: history.now(), ...e });

  try {
    say('bringing the cluster up');
    access = await driver.up(spec, { signal, progress: (m) => say(`  ${m}`) });
    await history.close();
    history = new History();
    history.toFile(outDir);
    // t = 0 on the wall clock, and the server's clock against it, so server logs and commit times line up.
    meta.t0_wall = history.t0_wall;
    meta.clock = await serverClock(access.write, access.superuser);
    meta.versions = await driver.versions();
    meta.config = await liveSettings(access, spec);
    await prepareTable(access.write, access.app);
    // Readers must not fail on a replica that has not replayed the CREATE TABLE yet.
    const a = access;
    const asOwner = { ...a.superuser, database: a.app.database };
    await waitFor('the load table on every member', async () => ((await Promise.all(Object.values(a.direct).map((d) => tableVisible(d, asOwner)))).every(Boolean) ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
      signal,
    });
    membersBefore = await memberRows(access);
    ledger = new FaultLedger(driver, access);

    observers = startObservers(access, history);
    load = startLoad(exp.load, { write: access.write, read: access.read, credentials: access.app, nodeByAddress: access.nodeByAddress }, history);
    const loadStart = history.now();
    say(`load running (${exp.load.writers.count} writer(s), ${exp.load.readers.count} reader(s)); warm-up ${exp.load.warmup_ms / 1000} s`);
    await sleep(exp.load.warmup_ms, signal);

    let leaderBefore = await currentLeader(access);
    for (const step of exp.steps) {
      const due = step.at_ms !== null ? loadStart + step.at_ms : history.now() + step.after_ms;
      const wait = due - history.now();
      if (wait > 0) await sleep(wait, signal);
      say(describe(step));
      leaderBefore = (await runStep(step, { access, driver, ledger, history, signal, event, leaderBefore })) ?? leaderBefore;
    }
  } catch (err) {
    error = (err as Error).message;
    say(`error: ${error}`);
  }

  // Whatever happened above, every fault is healed and the run is closed properly.
  try {
    if (ledger && ledger.openFaults.length > 0) {
      say('healing every open fault');
      const { healed, errors } = await ledger.healAll();
      for (const f of healed) event({ phase: 'end', action: 'heal', step: -1, fault: f.fault, id: f.id, nodes: f.targets.map((t) => t.node), detail: 'healed at the end of the run' });
      if (errors.length) error ??= errors.join('; ');
    }
    if (access) {
      const a = access;
      if (!error || !signal?.aborted) {
        say('waiting for the cluster to be healthy again');
        await waitFor('a healthy cluster after healing', () => CONDITIONS.healthy({ access: a, history, leaderBefore: null, since_ms: 0 }).then((ok) => (ok ? true : undefined)), {
          timeoutMs: HEAL_TIMEOUT_MS,
          intervalMs: 250,
        }).catch((err: Error) => {
          error ??= err.message;
        });
        if (!signal?.aborted && exp.load.cooldown_ms > 0) await sleep(exp.load.cooldown_ms).catch(() => {});
      }
      await load?.stop();
      await observers?.stop();
      say('reading the table on the final leader');
      final = await waitFor('a final read on the leader', async () => {
        const leader = await currentLeader(a);
        return finalRead(a.write, a.app, leader ?? 'unknown', history);
      }, { timeoutMs: 60_000, intervalMs: 500 }).catch((err: Error) => {
        error ??= err.message;
        return null;
      });
      membersAfter = await memberRows(a).catch(() => []);
    }
  } finally {
    await load?.stop();
    await observers?.stop();
    await history.close();
    // Node logs of the run's span, while the nodes still exist.
    if (access) {
      await driver
        .collectLogs(outDir, { from: new Date(Date.parse(meta.t0_wall ?? meta.started_at) - 1000), to: new Date() })
        .catch((err: Error) => say(`could not collect the node logs: ${err.message}`));
    }
    if (!opts.keep || !access) {
      say('tearing the cluster down');
      await driver.down().catch((err: Error) => {
        error ??= `teardown: ${err.message}`;
      });
    }
  }

  const ended_ms = history.now();
  const runMeta: RunMeta = { ...meta, ended_ms };
  await writeFile(path.join(outDir, META_FILE), JSON.stringify(runMeta, null, 2));
  if (final) await writeFile(path.join(outDir, FINAL_READ_FILE), JSON.stringify(final));

  const run = { meta: runMeta, history: history.records, final, logs: await readNodeLogs(outDir) };
  const analysis = analyse(run);
  const assertions = error ? [] : evaluateAssertions(exp, run, analysis);
  const results: Results = {
    schema_version: 2,
    experiment: exp.name,
    description: exp.description,
    verdict: verdictOf(assertions, error),
    ...(error ? { error } : {}),
    driver: driver.kind,
    started_at: meta.started_at,
    ...(meta.t0_wall ? { t0_wall: meta.t0_wall } : {}),
    duration_ms: ended_ms,
    versions: runMeta.versions,
    topology: runMeta.topology,
    config: runMeta.config,
    events: history.records.filter((r): r is EventRecord => r.type === 'event'),
    members_before: membersBefore,
    members_after: membersAfter,
    analysis,
    assertions,
    files: { history: HISTORY_FILE, final_read: FINAL_READ_FILE, meta: META_FILE },
  };
  await writeFile(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  return results;
}

interface StepContext {
  access: ClusterAccess;
  driver: ClusterDriver;
  ledger: FaultLedger;
  history: History;
  signal: AbortSignal | undefined;
  event: (e: Omit<EventRecord, 'type' | 't_ms'>) => void;
  leaderBefore: string | null;
}

const ACTION: Record<Step['kind'], StepAction> = { inject: 'inject', heal: 'heal', wait: 'wait', switchover: 'switchover', config: 'config', sleep: 'sleep' };

/** Runs one step, recording its begin and end; returns the leader before it when it was a fault. */
async function runStep(step: Step, c: StepContext): Promise<string | null | undefined> {
  const base = { action: ACTION[step.kind], step: step.index };
  switch (step.kind) {
    case 'inject': {
      const leader = await currentLeader(c.access);
      const begin = { ...base, fault: step.fault, target: step.target_text, ...(step.id ? { id: step.id } : {}) };
      c.event({ ...begin, phase: 'begin' });
      try {
        const f = await c.ledger.inject(step.fault, step.target, step.id);
        c.event({ ...begin, phase: 'end', id: f.id, nodes: f.targets.map((t) => t.node), roles: f.targets.map((t) => t.role) });
      } catch (err) {
        c.event({ ...begin, phase: 'error', detail: (err as Error).message });
        throw err;
      }
      return leader;
    }
    case 'heal': {
      const open = c.ledger.openFaults.filter((f) => step.id === null || f.id === step.id);
      for (const f of open) c.event({ ...base, phase: 'begin', fault: f.fault, id: f.id, nodes: f.targets.map((t) => t.node) });
      const healed = await c.ledger.heal(step.id);
      for (const f of healed) c.event({ ...base, phase: 'end', fault: f.fault, id: f.id, nodes: f.targets.map((t) => t.node) });
      return undefined;
    }
    case 'wait': {
      const since_ms = c.history.now();
      c.event({ ...base, phase: 'begin', detail: step.condition });
      const check = CONDITIONS[step.condition];
      await waitFor(`condition "${step.condition}" (step ${step.index + 1})`, () => check({ access: c.access, history: c.history, leaderBefore: c.leaderBefore, since_ms }).then((ok) => (ok ? true : undefined)), {
        timeoutMs: step.timeout_ms,
        intervalMs: 100,
        signal: c.signal,
      });
      c.event({ ...base, phase: 'end', detail: step.condition });
      return undefined;
    }
    case 'sleep':
      c.event({ ...base, phase: 'begin', detail: `${step.duration_ms} ms` });
      await sleep(step.duration_ms, c.signal);
      c.event({ ...base, phase: 'end' });
      return undefined;
    case 'switchover': {
      const leader = await currentLeader(c.access);
      if (!leader) throw new Error('switchover: the cluster has no leader');
      const candidate = step.to ?? Object.keys(c.access.patroni).find((n) => n !== leader);
      c.event({ ...base, phase: 'begin', nodes: [leader, candidate ?? ''], roles: ['leader', 'replica'] });
      await c.driver.patronictl(['switchover', '--leader', leader, '--candidate', candidate!, '--force']);
      c.event({ ...base, phase: 'end', nodes: [leader, candidate ?? ''] });
      return leader;
    }
    case 'config': {
      const args = Object.entries(step.changes).flatMap(([k, v]) => ['-s', `${k}=${String(v)}`]);
      c.event({ ...base, phase: 'begin', detail: args.filter((_, i) => i % 2 === 1).join(', ') });
      await c.driver.patronictl(['edit-config', '--force', ...args]);
      c.event({ ...base, phase: 'end' });
      return undefined;
    }
  }
}

function describe(step: Step): string {
  const n = `step ${step.index + 1}`;
  switch (step.kind) {
    case 'inject':
      return `${n}: inject ${step.fault} on ${step.target_text}`;
    case 'heal':
      return `${n}: heal ${step.id ?? 'all'}`;
    case 'wait':
      return `${n}: wait until ${step.condition} (up to ${step.timeout_ms / 1000} s)`;
    case 'sleep':
      return `${n}: sleep ${step.duration_ms / 1000} s`;
    case 'switchover':
      return `${n}: switchover${step.to ? ` to ${step.to}` : ''}`;
    case 'config':
      return `${n}: change ${Object.keys(step.changes).join(', ')}`;
  }
}

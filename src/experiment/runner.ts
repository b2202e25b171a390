import { mkdir } from 'node:fs/promises';
import { waitHealthy } from '../cluster/health.js';
import { getJson } from '../cluster/patroni-api.js';
import { nodeNames, profileSpec } from '../cluster/profiles.js';
import { memberRows } from '../cluster/status.js';
import { defaultCandidate, switchover } from '../cluster/switchover.js';
import type { ClusterAccess, ClusterDriver, ClusterSpec } from '../cluster/types.js';
import { FaultLedger } from '../faults/interpreter.js';
import { History, readNodeLogs } from '../history/store.js';
import type { ClusterSettingsSnapshot, EventRecord, FinalRead, RunMeta, StepAction } from '../history/types.js';
import { finalRead, loadIntervalMs, prepareTable, serverClock, startLoad, tableVisible, type LoadHandle } from '../load/index.js';
import { startObservers } from '../observe/index.js';
import type { MemberRow, Results } from '../results/types.js';
import { sleep, waitFor } from '../util/time.js';
import { CONDITIONS, currentLeader } from './conditions.js';
import type { Experiment } from './load.js';
import { buildResults, writeRunFiles, writeUnfinished, type RunRecord } from './run-files.js';
import type { Step } from './schema.js';
import { freshCluster, type ClusterSource } from './reuse.js';

export interface RunOptions {
  driver: ClusterDriver;
  outDir: string;
  signal?: AbortSignal;
  /** Leave the cluster running after the run (for a look by hand); it is healed either way. */
  keep?: boolean;
  /** Where the cluster comes from: a fresh `up` and `down` unless a pool shares one between drills. */
  cluster?: ClusterSource;
  progress?: (message: string) => void;
}

const HEAL_TIMEOUT_MS = 120_000;

function clusterSpec(exp: Experiment): ClusterSpec {
  const { haproxy, etcd, keepalived, patroni: build, ...patroni } = exp.cluster;
  return { ...profileSpec(exp.profile, { ...patroni, haproxy, etcd, keepalived }), ...(build ? { patroni: build } : {}) };
}

/** The settings as the live cluster reports them (GET /config, the balancers' own files), not as the file asked for them. */
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
    haproxy: access.balancers?.haproxy ?? s.haproxy,
    etcd: s.etcd,
    keepalived: access.balancers?.keepalived ?? s.keepalived,
  };
}

/**
 * One whole drill: a fresh cluster, load and observers writing one history, the timeline of faults,
 * every fault healed whatever happens, a final read, analysis, assertions and results.json.
 * The run stops early on the caller's signal (Ctrl-C), on the driver's (a host lost) and on a
 * failure of its own recording (a full disk); either way the cleanup below runs every step, and the cluster is torn down even if some fail.
 */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<Results> {
  const { driver, outDir } = opts;
  const say = opts.progress ?? (() => {});
  await mkdir(outDir, { recursive: true });
  const spec = clusterSpec(exp);
  const source = opts.cluster ?? freshCluster(driver);
  const selfStop = new AbortController();
  const signal = AbortSignal.any([opts.signal, selfStop.signal, driver.failure].filter((s): s is AbortSignal => s !== undefined));
  const record = (h: History) => {
    h.toFile(outDir);
    h.onError((err) => {
      say(`error: ${err.message}; stopping the run`);
      selfStop.abort(err);
    });
    return h;
  };
  // Replaced once the cluster is up: t = 0 is when load and observers start, not when `up` began.
  let history = record(new History());

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
    say(opts.cluster ? 'taking the shared cluster' : 'bringing the cluster up');
    access = await source.acquire(spec, { signal, progress: (m) => say(`  ${m}`) });
    await history.close();
    history = record(new History());
    // t = 0 on the wall clock, and the server's clock against it, so server logs and commit times line up.
    meta.t0_wall = history.t0_wall;
    meta.clock = await serverClock(access.write, access.superuser);
    meta.versions = await driver.versions();
    meta.config = await liveSettings(access, spec);
    await writeUnfinished(outDir, exp, { meta, history: history.records, membersBefore });
    say(`cluster up (Patroni ${meta.versions.patroni}, PostgreSQL ${meta.versions.postgres})`);
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
    load = await startLoad(exp.load, { write: access.write, read: access.read, credentials: access.app, nodeByAddress: access.nodeByAddress }, history);
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
    error = messageOf(err);
    say(`error: ${error}`);
  }

  // Whatever happened above, every fault is healed and the run is closed properly. Each step is
  // guarded on its own: a failing one is recorded (the first error wins) and the next still runs,
  // down to the teardown.
  const failed = (what: string) => (err: unknown) => {
    const message = `${what}: ${messageOf(err)}`;
    error ??= message;
    say(`error: ${message}`);
  };
  let ended_ms: number | null = null;
  const stopRecording = async () => {
    const stops = await Promise.allSettled([load?.stop(), observers?.stop()]);
    for (const r of stops) if (r.status === 'rejected') failed('stopping the load and observers')(r.reason);
    // The run ends when recording does: the final read and the teardown are not part of any outage.
    ended_ms ??= history.now();
  };
  if (ledger && ledger.openFaults.length > 0) {
    say('healing every open fault');
    const { healed, errors } = await ledger.healAll();
    for (const f of healed) event({ phase: 'end', action: 'heal', step: -1, fault: f.fault, id: f.id, nodes: f.targets.map((t) => t.node), detail: 'healed at the end of the run' });
    if (errors.length) error ??= errors.join('; ');
  }
  if (access) {
    const a = access;
    if (!signal.aborted) {
      say('waiting for the cluster to be healthy again');
      // A Ctrl-C during this wait ends it: the faults are healed already, the rest still runs.
      await waitHealthy(a, { what: 'a healthy cluster after healing', timeoutMs: HEAL_TIMEOUT_MS, intervalMs: 250, signal }).catch(failed('healing'));
      if (!signal.aborted && exp.load.cooldown_ms > 0) await sleep(exp.load.cooldown_ms, signal).catch(() => {});
    }
    await stopRecording();
    say('reading the table on the final leader');
    final = await waitFor('a final read on the leader', async () => {
      const leader = await currentLeader(a);
      return finalRead(a.write, a.app, leader ?? 'unknown', history);
    }, { timeoutMs: 60_000, intervalMs: 500 }).catch((err: unknown) => {
      failed('final read')(err);
      return null;
    });
    membersAfter = await memberRows(a).catch(() => []);
  }
  await stopRecording();
  await history.close();
  if (history.error) error ??= history.error.message;
  // Node logs of the run's span, while the nodes still exist.
  if (access) {
    await driver
      .collectLogs(outDir, { from: new Date(Date.parse(meta.t0_wall ?? meta.started_at) - 1000), to: new Date() })
      .catch((err: unknown) => say(`could not collect the node logs: ${messageOf(err)}`));
  }
  if (!opts.keep || !access) {
    say(opts.cluster && !error ? 'keeping the cluster for the next drill' : 'tearing the cluster down');
    await source.release(!error).catch(failed('teardown'));
  }
  // Interrupted after the last step (during the final read or the teardown): still not a finished run.
  if (signal.aborted) error ??= messageOf(signal.reason);

  const logs = await readNodeLogs(outDir);
  const rec: RunRecord = { meta: { ...meta, ended_ms: ended_ms ?? history.now() }, history: history.records, final, logs, membersBefore, membersAfter, error };
  const results = buildResults(exp, rec);
  try {
    await writeRunFiles(outDir, rec, results);
  } catch (err) {
    throw new Error(
      `the run ended with verdict ${results.verdict}${results.error ? ` (${results.error})` : ''}, but its results could not be written to ${outDir}: ${messageOf(err)}`,
    );
  }
  return results;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

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
        const f = await c.ledger.inject(step.fault, step.target, step.id, step.params);
        c.event({ ...begin, phase: 'end', id: f.id, nodes: f.targets.map((t) => t.node), roles: f.targets.map((t) => t.role), ...(f.detail ? { detail: f.detail } : {}), ...(f.peers ? { peers: f.peers } : {}) });
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
      const candidate = step.to ?? (await defaultCandidate(c.access, leader));
      if (!candidate) throw new Error('switchover: the cluster has no replica to switch over to');
      c.event({ ...base, phase: 'begin', nodes: [leader, candidate], roles: ['leader', 'replica'] });
      await switchover(c.driver, leader, candidate);
      c.event({ ...base, phase: 'end', nodes: [leader, candidate] });
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

import path from 'node:path';
import { checkHealth, clusterView, type Health } from '../cluster/health.js';
import { getJson } from '../cluster/patroni-api.js';
import { isSyncStandbyRole } from '../cluster/roles.js';
import { switchover, syncRefuses } from '../cluster/switchover.js';
import type { ClusterAccess, ClusterDriver, ClusterSpec, UpOptions } from '../cluster/types.js';
import { waitFor } from '../util/time.js';

/** Where a run's cluster comes from, and where it goes when the run is over. */
export interface ClusterSource {
  acquire(spec: ClusterSpec, opts: UpOptions): Promise<ClusterAccess>;
  /** clean: the run ended without error, so its cluster may serve the next one. */
  release(clean: boolean): Promise<void>;
}

/** A fresh cluster per run: `up` before, `down` after. */
export function freshCluster(driver: ClusterDriver): ClusterSource {
  return { acquire: (spec, opts) => driver.up(spec, opts), release: () => driver.down() };
}

/**
 * A restore takes 8–12 s (a switchover, the demoted leader streaming again). One that had not
 * converged after 30 s did not after 90 either (3 times in two course suites: a demoted leader left
 * running, not streaming, after leader-isolation and switchover), and a fresh cluster costs about 30 s.
 */
const RESTORE_TIMEOUT_MS = 30_000;

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/**
 * Consecutive drills of the same profile and settings share one cluster: between them it is brought
 * back to a checked baseline (healthy, the original leader back by switchover, the file's dynamic
 * settings) instead of paying a fresh `up`. A cluster that cannot be restored, or a run that ended
 * in error, is replaced by a fresh one.
 *
 * The restore starts as soon as a run releases the cluster, not when the next one asks for it: the
 * finished run's analysis and report are rendered meanwhile, and the next run waits only for what
 * is left of it.
 */
export class ClusterPool implements ClusterSource {
  private current: { key: string; spec: ClusterSpec; access: ClusterAccess; leader: string } | null = null;
  private restoring: { done: Promise<void>; stop: AbortController; since: Date } | null = null;

  /**
   * @param logsDir where the logs of a cluster that could not be restored are kept (in a folder
   *   `restore-failed-<time>`), for the reason to be found after the fresh `up` has removed it
   */
  constructor(
    private readonly driver: ClusterDriver,
    private readonly progress: (message: string) => void = () => {},
    private readonly logsDir?: string,
  ) {}

  async acquire(spec: ClusterSpec, opts: UpOptions): Promise<ClusterAccess> {
    const key = JSON.stringify(spec);
    const pending = this.restoring;
    this.restoring = null;
    if (this.current?.key === key) {
      const c = this.current;
      const restore = pending ?? this.startRestore();
      const onAbort = () => restore.stop.abort(opts.signal?.reason);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await restore.done;
        return c.access;
      } catch (err) {
        opts.signal?.throwIfAborted();
        this.progress(`the previous cluster could not be restored (${(err as Error).message}): starting a fresh one`);
        await this.keepLogs(restore.since);
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
      }
    } else if (pending) {
      // Other settings: the restore is wasted work, and `up` replaces the cluster anyway.
      pending.stop.abort(new Error('the next drill needs other settings'));
      await pending.done.catch(() => {});
    }
    this.current = null;
    const access = await this.driver.up(spec, opts);
    const h = await checkHealth(access);
    if (!h.leader) throw new Error('the fresh cluster has no leader');
    this.current = { key, spec, access, leader: h.leader };
    return access;
  }

  async release(clean: boolean): Promise<void> {
    if (!clean || !this.current) return this.close();
    this.restoring = this.startRestore();
  }

  /** Tears the shared cluster down: after the last drill, on error and on Ctrl-C. */
  async close(): Promise<void> {
    const pending = this.restoring;
    this.restoring = null;
    if (pending) {
      pending.stop.abort(new Error('the suite is over'));
      await pending.done.catch(() => {});
    }
    this.current = null;
    await this.driver.down();
  }

  private startRestore(): { done: Promise<void>; stop: AbortController; since: Date } {
    const c = this.current!;
    const stop = new AbortController();
    const since = new Date();
    const done = this.restore(c.access, c.spec, c.leader, stop.signal);
    // Observed by the next acquire (or close); until then a failure must not count as unhandled.
    done.catch(() => {});
    return { done, stop, since };
  }

  /** The nodes' logs from a minute before the restore began, before `up` removes them. */
  private async keepLogs(since: Date): Promise<void> {
    if (!this.logsDir) return;
    const dir = path.join(this.logsDir, `restore-failed-${since.toISOString().replace(/[:.]/g, '-')}`);
    try {
      await this.driver.collectLogs(dir, { from: new Date(since.getTime() - 60_000), to: new Date() });
      this.progress(`  its logs: ${dir}`);
    } catch (err) {
      this.progress(`  its logs could not be kept: ${(err as Error).message}`);
    }
  }

  private async restore(access: ClusterAccess, spec: ClusterSpec, leader: string, signal: AbortSignal): Promise<void> {
    const t0 = performance.now();
    this.progress('restoring the cluster to its baseline');
    const healthy = async (want?: string): Promise<Health> => {
      let last: Health | null = null;
      return waitFor(
        () => `a healthy cluster${want ? ` led by ${want}` : ''} (still: ${last ? [last.waiting, want && last.leader !== want ? `leader ${last.leader ?? 'none'}` : ''].filter(Boolean).join(', ') || 'nothing' : 'no answer'})`,
        async () => {
          last = await checkHealth(access);
          return last.healthy && (!want || last.leader === want) ? last : undefined;
        },
        { timeoutMs: RESTORE_TIMEOUT_MS, intervalMs: 100, signal },
      );
    };
    const now = await healthy();
    const applySettings = async (): Promise<void> => {
      const changes = await settingsDrift(access, spec);
      if (!changes.length) return;
      const t = performance.now();
      await this.driver.patronictl(['edit-config', '--force', ...changes.flatMap(([k, v]) => ['-s', `${k}=${v}`])]);
      this.progress(`  restored ${changes.map(([k]) => k).join(', ')} (${seconds(t)})`);
    };
    const switchBack = async (): Promise<void> => {
      const t = performance.now();
      await switchover(this.driver, now.leader!, leader);
      const switched = seconds(t);
      await healthy(leader);
      this.progress(`  switchover ${now.leader} → ${leader} (${switched}, every member streaming after ${seconds(t)})`);
    };
    if (now.leader === leader) {
      await applySettings();
    } else if (await syncRefuses(access, !!spec.settings.synchronous_mode, leader)) {
      // synchronous_mode takes a switchover only to the synchronous standby, which Patroni picks: it
      // is switched off for the switchover (no load runs between drills) and back on by the settings.
      await this.driver.patronictl(['edit-config', '--force', '-s', 'synchronous_mode=false']);
      // The leader's API judges the switchover from its own copy of the configuration.
      await waitFor(
        () => `${now.leader} to see synchronous_mode off`,
        async () => (await liveConfig(access, now.leader!)).synchronous_mode !== true,
        { timeoutMs: 10_000, intervalMs: 100, signal },
      );
      await switchBack();
      await applySettings();
    } else {
      // The settings and the switchover are independent: each pays a patronictl start-up, so together.
      const outcomes = await Promise.allSettled([applySettings(), switchBack()]);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
    }
    // The baseline is checked, not assumed: still healthy under the original leader, no setting off.
    await healthy(leader);
    if (spec.settings.synchronous_mode) {
      // A drill in synchronous_mode starts with a synchronous standby, as one on a fresh cluster does.
      await waitFor(
        () => 'a synchronous standby',
        async () => (await clusterView(access))?.members.some((m) => isSyncStandbyRole(m.role)),
        { timeoutMs: RESTORE_TIMEOUT_MS, intervalMs: 100, signal },
      );
    }
    const left = await settingsDrift(access, spec);
    if (left.length) throw new Error(`settings still differ from the file's: ${left.map(([k, v]) => `${k} should be ${v}`).join(', ')}`);
    this.progress(`baseline restored in ${seconds(t0)}`);
  }
}

/** Dynamic settings a previous drill changed (a `config` step), as edit-config pairs. */
async function settingsDrift(access: ClusterAccess, spec: ClusterSpec): Promise<Array<[string, string]>> {
  const live = await liveConfig(access);
  const s = spec.settings;
  const wanted: Record<string, string | number | boolean> = {
    ttl: s.ttl,
    loop_wait: s.loop_wait,
    retry_timeout: s.retry_timeout,
    maximum_lag_on_failover: s.maximum_lag_on_failover,
    failsafe_mode: s.failsafe_mode,
    synchronous_mode: s.synchronous_mode,
  };
  const same = (a: unknown, b: unknown) => a === b || ((a === undefined || a === null) && b === false);
  return Object.entries(wanted)
    .filter(([k, v]) => !same(live[k], v))
    .map(([k, v]) => [k, String(v)]);
}

async function liveConfig(access: ClusterAccess, node?: string): Promise<Record<string, unknown>> {
  const base = node ? access.patroni[node]! : Object.values(access.patroni)[0]!;
  return getJson<Record<string, unknown>>(`${base}/config`, 2000);
}

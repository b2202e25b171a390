import { checkHealth, type Health } from '../cluster/health.js';
import { getJson } from '../cluster/patroni-api.js';
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

const RESTORE_TIMEOUT_MS = 90_000;

function missing(h: Health, expectedReplicas: number): string {
  const parts: string[] = [];
  if (!h.leader) parts.push('no single leader');
  if (h.streaming.length < expectedReplicas) parts.push(`${h.streaming.length} of ${expectedReplicas} replicas streaming`);
  if (h.leader && !h.haproxyWriteUp) parts.push(`HAProxy not routing writes to ${h.leader}`);
  return parts.join(', ') || 'nothing';
}

/**
 * Consecutive drills of the same profile and settings share one cluster: between them it is brought
 * back to a checked baseline (healthy, the original leader back by switchover, the file's dynamic
 * settings) instead of paying a fresh `up`. A cluster that cannot be restored, or a run that ended
 * in error, is replaced by a fresh one.
 */
export class ClusterPool implements ClusterSource {
  private current: { key: string; spec: ClusterSpec; access: ClusterAccess; leader: string } | null = null;

  constructor(
    private readonly driver: ClusterDriver,
    private readonly progress: (message: string) => void = () => {},
  ) {}

  async acquire(spec: ClusterSpec, opts: UpOptions): Promise<ClusterAccess> {
    const key = JSON.stringify(spec);
    if (this.current?.key === key) {
      try {
        await this.restore(this.current.access, this.current.spec, this.current.leader, opts.signal);
        return this.current.access;
      } catch (err) {
        opts.signal?.throwIfAborted();
        this.progress(`the previous cluster could not be restored (${(err as Error).message}): starting a fresh one`);
      }
    }
    this.current = null;
    const access = await this.driver.up(spec, opts);
    const h = await checkHealth(access);
    if (!h.leader) throw new Error('the fresh cluster has no leader');
    this.current = { key, spec, access, leader: h.leader };
    return access;
  }

  async release(clean: boolean): Promise<void> {
    if (clean && this.current) return;
    await this.close();
  }

  /** Tears the shared cluster down: after the last drill, on error and on Ctrl-C. */
  async close(): Promise<void> {
    this.current = null;
    await this.driver.down();
  }

  private async restore(access: ClusterAccess, spec: ClusterSpec, leader: string, signal: AbortSignal | undefined): Promise<void> {
    this.progress('restoring the cluster to its baseline');
    const replicas = Object.keys(access.patroni).length - 1;
    const healthy = async (want?: string) => {
      let last: Health | null = null;
      await waitFor(
        () => `a healthy cluster${want ? ` led by ${want}` : ''} (still: ${last ? missing(last, replicas) + (want && last.leader !== want ? `, leader ${last.leader ?? 'none'}` : '') : 'no answer'})`,
        async () => {
          last = await checkHealth(access);
          return last.healthy && (!want || last.leader === want) ? true : undefined;
        },
        { timeoutMs: RESTORE_TIMEOUT_MS, intervalMs: 250, signal },
      );
    };
    await healthy();
    const now = await checkHealth(access);
    if (now.leader !== leader) {
      this.progress(`  switchover ${now.leader} → ${leader}`);
      await this.driver.patronictl(['switchover', '--leader', now.leader!, '--candidate', leader, '--force']);
      await healthy(leader);
    }
    const changes = await settingsDrift(access, spec);
    if (changes.length) {
      this.progress(`  restoring ${changes.map(([k]) => k).join(', ')}`);
      await this.driver.patronictl(['edit-config', '--force', ...changes.flatMap(([k, v]) => ['-s', `${k}=${v}`])]);
    }
  }
}

/** Dynamic settings a previous drill changed (a `config` step), as edit-config pairs. */
async function settingsDrift(access: ClusterAccess, spec: ClusterSpec): Promise<Array<[string, string]>> {
  const base = Object.values(access.patroni)[0]!;
  const live = await getJson<Record<string, unknown>>(`${base}/config`, 2000);
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

import { faultsOf } from '../analysis/faults.js';
import { classify } from '../analysis/prediction.js';
import type { RunMeta } from '../history/types.js';
import type { Results } from '../results/types.js';

/** What kind of trouble a run caused, as far as the course's questions care. */
export type Scenario =
  | 'leader-stop'
  | 'leader-crash'
  | 'patroni-kill'
  | 'leader-pause'
  | 'leader-isolate'
  | 'replica'
  | 'etcd-quorum'
  | 'etcd-minority'
  | 'haproxy'
  | 'haproxy-vip'
  | 'pgbouncer'
  | 'all-patroni'
  | 'switchover'
  | 'none'
  | 'other';

/** One fault (or switchover) from injection to heal (end_ms null: never healed within the run). */
export interface FaultInterval {
  step: number;
  id?: string;
  /** Fault kind ('kill', 'stop', ...) or 'switchover'. */
  fault: string;
  target: string;
  nodes: string[];
  roles: string[];
  start_ms: number;
  end_ms: number | null;
}

export interface FaultInfo {
  scenario: Scenario;
  /** The first fault injected (the one the course's questions are about), if any. */
  primary: FaultInterval | null;
  all: FaultInterval[];
}

/** The run as analysis describes it; only the topology and settings matter to classification. */
function metaOf(r: Results): RunMeta {
  return {
    experiment: r.experiment,
    description: r.description,
    driver: r.driver,
    started_at: r.started_at,
    ended_ms: r.duration_ms,
    load_interval_ms: 0,
    versions: r.versions,
    topology: r.topology,
    config: r.config,
  };
}

const LEADER_SCENARIOS: Record<string, Scenario> = {
  stop: 'leader-stop',
  kill: 'leader-crash',
  'kill-patroni': 'patroni-kill',
  pause: 'leader-pause',
  isolate: 'leader-isolate',
};

/**
 * The run's faults and what the first one was, paired and classified exactly as analysis does for
 * its predicted bounds (by the roles the targets had when injected), so prose and bound agree.
 */
export function classifyFault(results: Results): FaultInfo {
  const faults = faultsOf([...results.events].sort((a, b) => a.t_ms - b.t_ms));
  const all: FaultInterval[] = faults.map((f) => ({
    step: f.event.step,
    ...(f.event.id !== undefined ? { id: f.event.id } : {}),
    fault: f.kind,
    target: f.event.target ?? '',
    nodes: f.event.nodes ?? [],
    roles: f.event.roles ?? [],
    start_ms: f.start_ms,
    end_ms: f.heal_ms,
  }));
  const first = faults[0];
  const primary = all[0] ?? null;
  let scenario: Scenario = 'none';
  if (first && primary) {
    const target = classify(first, metaOf(results));
    if (target === 'leader') scenario = LEADER_SCENARIOS[first.kind] ?? 'other';
    else if (target === 'replica') scenario = 'replica';
    else if (target === 'etcd_majority') scenario = 'etcd-quorum';
    else if (target === 'etcd_minority') scenario = 'etcd-minority';
    else if (target === 'haproxy') scenario = results.topology.keepalived ? 'haproxy-vip' : 'haproxy';
    else if (target === 'all_patroni') scenario = 'all-patroni';
    else if (target === 'switchover') scenario = 'switchover';
    else if (primary.roles.length > 0 && primary.roles.every((r) => r === 'pgbouncer')) scenario = 'pgbouncer';
    else scenario = 'other';
  }
  return { scenario, primary, all };
}

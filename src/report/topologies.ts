import { longestWindow } from '../analysis/summary.js';
import type { Results } from '../results/types.js';

export type TopologyName = 'course' | 'production';

/** The course's stack, or production's (pgbouncer, two HAProxy nodes behind a keepalived VIP). */
export function topologyOf(r: Results): TopologyName {
  return r.topology.keepalived || r.topology.pgbouncer ? 'production' : 'course';
}

/**
 * What a run broke, independent of node names: "stop haproxy", "stop leader", "isolate replica".
 * Runs with the same signature on both topologies are the same fault, and can be compared.
 */
export function faultSignature(r: Results): string | null {
  const faults = r.analysis.faults;
  if (faults.length === 0) return null;
  return faults.map((f) => (f.kind === 'switchover' ? 'switchover' : `${f.kind} ${[...new Set(f.roles)].sort().join('+') || f.target}`)).join(', ');
}

export interface TopologySide {
  experiment: string;
  runs: number;
  /** Median of the runs' longest write outage, ms. */
  write_outage_ms: number;
  /** Failed and indeterminate client operations, median over runs. */
  client_errors: number;
}

export interface TopologyComparison {
  fault: string;
  course: TopologySide;
  production: TopologySide;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function side(runs: Results[]): TopologySide {
  const longest = (r: Results) => longestWindow(r.analysis.writes.windows)?.duration_ms ?? 0;
  const errors = (r: Results) => r.analysis.errors.reduce((n, e) => n + e.count, 0);
  return {
    experiment: [...new Set(runs.map((r) => r.experiment))].join(', '),
    runs: runs.length,
    write_outage_ms: median(runs.map(longest)),
    client_errors: median(runs.map(errors)),
  };
}

/** The same fault measured on both topologies, side by side; faults run on one topology only are left out. */
export function compareTopologies(results: Results[]): TopologyComparison[] {
  const groups = new Map<string, Record<TopologyName, Results[]>>();
  for (const r of results) {
    const fault = faultSignature(r);
    if (!fault || r.verdict === 'error') continue;
    const g = groups.get(fault) ?? { course: [], production: [] };
    g[topologyOf(r)].push(r);
    groups.set(fault, g);
  }
  return [...groups]
    .filter(([, g]) => g.course.length > 0 && g.production.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fault, g]) => ({ fault, course: side(g.course), production: side(g.production) }));
}

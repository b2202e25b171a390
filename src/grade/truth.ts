import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Scenario } from '../analysis/model.js';
import { longestWindow } from '../analysis/summary.js';
import { parseResults, ResultsFileError, RESULTS_FILE } from '../results/schema.js';
import type { Results } from '../results/types.js';
import { loadYaml } from './yaml.js';

/**
 * What Patroni really does for each of the course's faults, as measured by this tool: the figures a
 * student's observations are compared with. Ships as rubrics/measured-truth.yaml; `--truth <reports>`
 * replaces the measured figures with this tool's own recorded runs.
 */

export const TRUTH_KEYS = ['replica', 'leader_stop', 'leader_kill', 'etcd_one', 'etcd_quorum', 'haproxy'] as const;
export type TruthKey = (typeof TRUTH_KEYS)[number];

const FaultTruthSchema = z
  .object({
    /** What writes through HAProxy do: unaffected, a bounded outage, refused until healed, out for the whole fault. */
    writes: z.enum(['none', 'outage', 'until_heal', 'whole_fault']),
    measured_s: z.number().nonnegative().optional(),
    /** Longest outage the course's own settings allow; a longer one is the client's doing. */
    upper_s: z.number().nonnegative().optional(),
    formula: z.string().optional(),
    note: z.string(),
  })
  .strict();

export const TruthSchema = z
  .object({
    source: z.string(),
    course: z
      .object({
        ttl: z.number().positive(),
        loop_wait: z.number().positive(),
        retry_timeout: z.number().positive(),
        /** Ports the course's docker-compose publishes. */
        ports: z.object({ write: z.number().int(), read: z.number().int() }).strict(),
      })
      .strict(),
    faults: z.object(Object.fromEntries(TRUTH_KEYS.map((k) => [k, FaultTruthSchema])) as Record<TruthKey, typeof FaultTruthSchema>).strict(),
  })
  .strict();

export type Truth = z.infer<typeof TruthSchema>;
export type FaultTruth = z.infer<typeof FaultTruthSchema>;

export function loadTruth(file: string): Truth {
  return loadYaml(file, TruthSchema);
}

/** One line for a grade sheet: what the fault does to writes. */
export function describeTruth(t: FaultTruth): string {
  const parts: string[] = [];
  if (t.measured_s !== undefined) parts.push(`measured ${t.measured_s} s`);
  if (t.upper_s !== undefined) parts.push(`at most ≈ ${t.upper_s} s with the course's settings${t.formula ? ` (${t.formula})` : ''}`);
  return parts.length ? `${t.note}; ${parts.join(', ')}` : t.note;
}

// --- recorded runs ------------------------------------------------------------------------------

/** The truth entry each of the fault model's scenarios answers. */
const BY_SCENARIO: Partial<Record<Scenario, TruthKey>> = {
  'leader-stop': 'leader_stop',
  'leader-crash': 'leader_kill',
  'patroni-kill': 'leader_kill',
  'leader-pause': 'leader_kill',
  'leader-isolate': 'leader_kill',
  replica: 'replica',
  'etcd-minority': 'etcd_one',
  'etcd-quorum': 'etcd_quorum',
  haproxy: 'haproxy',
};

/** By the experiment's name, for runs that recorded no fault (e.g. "leader-kill", "etcd-quorum-loss"). */
function classifyName(name: string): TruthKey | null {
  const n = name.toLowerCase();
  if (n.includes('haproxy')) return 'haproxy';
  if (/quorum|majority|etcd.*(?:2|two)/.test(n)) return 'etcd_quorum';
  if (n.includes('etcd')) return 'etcd_one';
  if (n.includes('replica')) return 'replica';
  if (/leader|primary|master/.test(n)) return /kill|crash|pause|freeze|isolat|partition/.test(n) ? 'leader_kill' : 'leader_stop';
  return null;
}

/** The fault a recorded run injected, as the fault model classified it (analysis.faults), when it was one kind. */
export function faultOfRun(results: Pick<Results, 'experiment' | 'analysis'>): TruthKey | null {
  const kinds = new Set(results.analysis.faults.map((f) => BY_SCENARIO[f.scenario] ?? null));
  if (kinds.size === 1 && !kinds.has(null)) return [...kinds][0]!;
  return kinds.size === 0 ? classifyName(results.experiment) : null;
}

function findResults(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findResults(p));
    else if (name === RESULTS_FILE) out.push(p);
  }
  return out;
}

/**
 * Replaces the measured figures with those of this tool's recorded runs (results.json under `dir`):
 * for each fault, the median over runs of the run's longest write outage. A file the results reader
 * refuses (old, foreign) is left out and named in the source line.
 */
export function truthFromRuns(base: Truth, dir: string): Truth {
  const byKey = new Map<TruthKey, Array<{ s: number; name: string }>>();
  const refused: string[] = [];
  for (const file of findResults(dir)) {
    let results: Results;
    try {
      results = parseResults(JSON.parse(readFileSync(file, 'utf8')), file).results;
    } catch (err) {
      refused.push(err instanceof ResultsFileError ? err.message : `${file}: ${(err as Error).message}`);
      continue;
    }
    const key = faultOfRun(results);
    if (!key) continue;
    const longest = longestWindow(results.analysis.writes.windows)?.duration_ms ?? 0;
    const list = byKey.get(key) ?? [];
    list.push({ s: Math.round(longest / 100) / 10, name: results.experiment });
    byKey.set(key, list);
  }
  const skipped = refused.length ? ` (left out: ${refused.join('; ')})` : '';
  if (!byKey.size) return refused.length ? { ...base, source: `${base.source}${skipped}` } : base;
  const faults = { ...base.faults };
  const used: string[] = [];
  for (const key of TRUTH_KEYS) {
    const runs = byKey.get(key);
    if (!runs) continue;
    const sorted = runs.map((r) => r.s).sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    faults[key] = { ...faults[key], measured_s: median };
    used.push(`${key}: ${[...new Set(runs.map((r) => r.name))].sort().join(', ')} (${runs.length} run${runs.length > 1 ? 's' : ''})`);
  }
  return { ...base, source: `recorded runs in ${dir} — ${used.join('; ')}; other faults: ${base.source}${skipped}`, faults };
}

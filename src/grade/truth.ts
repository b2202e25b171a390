import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EventRecord } from '../history/types.js';
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

const RunSchema = z.object({
  experiment: z.string(),
  events: z.array(z.object({ action: z.string(), phase: z.string() }).passthrough()),
  analysis: z.object({ writes: z.object({ windows: z.array(z.object({ duration_ms: z.number() }).passthrough()) }).passthrough() }).passthrough(),
});

function classifyInject(e: EventRecord): TruthKey | null {
  const target = (e.target ?? '').toLowerCase();
  const roles = e.roles ?? [];
  const nodes = e.nodes ?? [];
  if (target.includes('haproxy') || roles.includes('haproxy')) return 'haproxy';
  if (target.includes('etcd') || roles.includes('etcd')) {
    return nodes.length >= 2 || /majority|quorum|all|[2-9]/.test(target) ? 'etcd_quorum' : 'etcd_one';
  }
  if (/leader|primary|master/.test(target) || roles.includes('leader')) return e.fault === 'stop' ? 'leader_stop' : 'leader_kill';
  if (target.includes('replica') || roles.includes('replica')) return 'replica';
  return null;
}

/** By the experiment's name, for runs whose events do not say (e.g. "leader-kill", "etcd-quorum-loss"). */
function classifyName(name: string): TruthKey | null {
  const n = name.toLowerCase();
  if (n.includes('haproxy')) return 'haproxy';
  if (/quorum|majority|etcd.*(?:2|two)/.test(n)) return 'etcd_quorum';
  if (n.includes('etcd')) return 'etcd_one';
  if (n.includes('replica')) return 'replica';
  if (/leader|primary|master/.test(n)) return /kill|crash|pause|freeze|isolat|partition/.test(n) ? 'leader_kill' : 'leader_stop';
  return null;
}

/** The fault a recorded run injected, when it injected exactly one kind of fault. */
export function faultOfRun(events: EventRecord[], experiment = ''): TruthKey | null {
  const kinds = new Set(events.filter((e) => e.action === 'inject' && e.phase === 'begin').map(classifyInject));
  if (kinds.size === 1 && !kinds.has(null)) return [...kinds][0]!;
  return kinds.size === 0 || (kinds.size === 1 && kinds.has(null)) ? classifyName(experiment) : null;
}

function findResults(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findResults(p));
    else if (name === 'results.json') out.push(p);
  }
  return out;
}

/**
 * Replaces the measured figures with those of this tool's recorded runs (results.json under `dir`):
 * for each fault, the median over runs of the run's longest write outage.
 */
export function truthFromRuns(base: Truth, dir: string): Truth {
  const byKey = new Map<TruthKey, Array<{ s: number; name: string }>>();
  for (const file of findResults(dir)) {
    const parsed = RunSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) continue;
    const key = faultOfRun(parsed.data.events as unknown as EventRecord[], parsed.data.experiment);
    if (!key) continue;
    const longest = Math.max(0, ...parsed.data.analysis.writes.windows.map((w) => w.duration_ms));
    const list = byKey.get(key) ?? [];
    list.push({ s: Math.round(longest / 100) / 10, name: parsed.data.experiment });
    byKey.set(key, list);
  }
  if (!byKey.size) return base;
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
  return { ...base, source: `recorded runs in ${dir} — ${used.join('; ')}; other faults: ${base.source}`, faults };
}

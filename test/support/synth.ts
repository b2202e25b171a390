/**
 * Synthetic recorded runs, built from a scenario that says what each port, member and HAProxy
 * did over time. The report's fixtures and its bench are made with it: the history and final read
 * follow from the scenario, and results.json's analysis is the project's own analyse() of them, so
 * the three agree as a real run's would. Not a cluster simulator: each scenario encodes behaviour
 * observed on real clusters (see FIELD-NOTES.md).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyse } from '../../src/analysis/index.js';
import type { Analysis } from '../../src/analysis/types.js';
import { FINAL_READ_FILE, HISTORY_FILE, META_FILE } from '../../src/history/store.js';
import type {
  ClientError,
  ClusterSettingsSnapshot,
  EventRecord,
  FinalRead,
  HaproxyObservation,
  HistoryRecord,
  OperationRecord,
  PatroniObservation,
  Port,
  RecoveryObservation,
  RunMeta,
} from '../../src/history/types.js';
import type { AssertionResult, MemberRow, Results } from '../../src/results/types.js';
import { RESULTS_FILE } from '../../src/report/load.js';
import { seeded as rng } from '../../src/util/random.js';

/** What a port does with an operation started at a given time. */
export type Serve =
  /** Acknowledged by `node` after the usual latency. */
  | { kind: 'ok'; node: string; in_recovery?: boolean }
  /** A definite error, answered quickly. `consumes_on`: the statement ran nextval() there before failing. */
  | { kind: 'fail'; error: ClientError; consumes_on?: string }
  /** No answer until `until`: indeterminate. `commits_on`: the write committed there anyway. */
  | { kind: 'hang'; until: number; error: ClientError; commits_on?: string; consumes_on?: string };

export interface LoadSpec {
  writers: number;
  write_interval_ms: number;
  readers: number;
  read_interval_ms: number;
  /** A client connected straight to one member, bypassing HAProxy (how split brain loses data). */
  direct?: { node: string; interval_ms: number; offset_ms: number };
}

export interface Scenario {
  folder: string;
  experiment: string;
  description: string;
  started_at: string;
  duration_ms: number;
  seed: number;
  nodes: string[];
  etcd: string[];
  haproxy: string[];
  versions: RunMeta['versions'];
  config: ClusterSettingsSnapshot;
  load: LoadSpec;
  observe_interval_ms: number;
  write(t: number): Serve;
  read(t: number, k: number): Serve;
  direct?(t: number): Serve;
  patroni(t: number, node: string): Omit<PatroniObservation, 'type' | 't_ms' | 'node'>;
  recovery(t: number, node: string): Omit<RecoveryObservation, 'type' | 't_ms' | 'node'>;
  haproxyStats(t: number): Array<Omit<HaproxyObservation, 'type' | 't_ms'>>;
  /** A node's sequence after it is promoted: the last committed id plus `jump` (pre-logged values). */
  promotions: Array<{ t: number; node: string; jump: number }>;
  /** Acknowledged by this node at this time, but thrown away later (rewound): lost. */
  discarded?(t: number, node: string): boolean;
  events: EventRecord[];
  /** The experiment's assertions, judged on the analysis as the runner would. */
  assertions(a: Analysis): AssertionResult[];
  members_before: MemberRow[];
  members_after: MemberRow[];
  /** Set for a run that ended in error: results.json then lacks the parts listed in `omit`. */
  error?: { message: string; omit: Array<keyof Results>; truncate_history_at_ms?: number; no_final_read?: boolean };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

export interface SynthRun {
  meta: RunMeta;
  history: HistoryRecord[];
  final: FinalRead | null;
  results: Results;
}

export function synthesise(s: Scenario): SynthRun {
  const rand = rng(s.seed);
  const latency = (base: number) => r1(base + -Math.log(1 - rand()) * base * 0.6 + (rand() < 0.002 ? 20 * rand() : 0));
  const rows: Array<[number, string, number]> = [];
  const t0 = Date.parse(s.started_at);
  const seq = new Map<string, number>();
  const applied = new Set<number>();
  let committedMax = 0;
  const nextId = (node: string, t: number): number => {
    s.promotions.forEach((p, i) => {
      if (p.node === node && t >= p.t && !applied.has(i)) {
        applied.add(i);
        seq.set(node, committedMax + p.jump);
      }
    });
    const v = (seq.get(node) ?? committedMax) + 1;
    seq.set(node, v);
    return v;
  };
  const commit = (id: number, key: string, node: string, t: number) => {
    if (s.discarded?.(t, node)) return;
    committedMax = Math.max(committedMax, id);
    // The server's commit time: the insert's clock_timestamp(), on the same clock as t0_wall.
    rows.push([id, key, t0 + t + 0.5]);
  };

  const ops: OperationRecord[] = [];
  const runWorker = (worker: string, op: 'write' | 'read', port: Port, interval: number, offset: number, serve: (t: number, k: number) => Serve) => {
    let t = offset;
    let k = 0;
    while (t < s.duration_ms) {
      const start = r1(t);
      const sv = serve(start, k);
      const key = op === 'write' ? `${worker}-${String(k).padStart(6, '0')}` : undefined;
      let rec: OperationRecord;
      if (sv.kind === 'ok') {
        const end = r1(start + latency(op === 'write' ? 1.4 : 0.9));
        rec = { type: 'op', worker, op, port, start_ms: start, end_ms: end, outcome: 'ok', node: sv.node, in_recovery: sv.in_recovery ?? op === 'read' };
        if (op === 'write' && key) {
          const id = nextId(sv.node, start);
          rec = { ...rec, key, id };
          commit(id, key, sv.node, start);
        }
      } else if (sv.kind === 'fail') {
        const end = r1(start + latency(sv.error.class === 'connect_timeout' ? 1000 : 1.2));
        rec = { type: 'op', worker, op, port, start_ms: start, end_ms: end, outcome: 'failed', error: sv.error, ...(key ? { key } : {}) };
        if (op === 'write' && sv.consumes_on) nextId(sv.consumes_on, start);
      } else {
        const end = r1(Math.max(sv.until, start + 1));
        rec = { type: 'op', worker, op, port, start_ms: start, end_ms: end, outcome: 'indeterminate', error: sv.error, ...(key ? { key } : {}) };
        if (op === 'write' && key && sv.commits_on) commit(nextId(sv.commits_on, start), key, sv.commits_on, start);
        else if (op === 'write' && sv.consumes_on) nextId(sv.consumes_on, start);
      }
      ops.push(rec);
      k++;
      t = Math.max(t + interval, rec.end_ms + 0.2);
    }
  };
  // Workers start a few ms apart, as real ones do, so their operations interleave.
  for (let w = 0; w < s.load.writers; w++) {
    runWorker(`writer-${w + 1}`, 'write', 'write', s.load.write_interval_ms, 3 + (w * s.load.write_interval_ms) / s.load.writers, (t) => s.write(t));
  }
  for (let w = 0; w < s.load.readers; w++) {
    runWorker(`reader-${w + 1}`, 'read', 'read', s.load.read_interval_ms, 7 + (w * s.load.read_interval_ms) / s.load.readers, (t, k) => s.read(t, k + w));
  }
  const d = s.load.direct;
  if (d && s.direct) runWorker('direct-writer-1', 'write', 'direct', d.interval_ms, d.offset_ms, (t) => s.direct!(t));

  const obs: HistoryRecord[] = [];
  for (let t = 0; t < s.duration_ms; t += s.observe_interval_ms) {
    s.nodes.forEach((node, i) => {
      // Observers poll members one after another, a few ms apart.
      const tn = r1(t + 2 + i * 3 + rand());
      obs.push({ type: 'patroni', t_ms: tn, node, ...s.patroni(tn, node) });
      obs.push({ type: 'recovery', t_ms: r1(tn + 1), node, ...s.recovery(tn, node) });
    });
    const th = r1(t + 15 + rand());
    for (const h of s.haproxyStats(th)) obs.push({ type: 'haproxy', t_ms: th, ...h });
  }
  const timeOf = (r: HistoryRecord) => (r.type === 'op' ? r.start_ms : r.t_ms);
  // concat, not push(...): a busy run has more records than a call's argument limit.
  const history = ([] as HistoryRecord[]).concat(ops, obs, s.events).sort((a, b) => timeOf(a) - timeOf(b));

  rows.sort((a, b) => a[0] - b[0]);
  const finalNode = s.members_after.find((m) => /leader|primary/i.test(m.role))?.name ?? s.nodes[0]!;
  const final: FinalRead = { t_ms: s.duration_ms - 500, node: finalNode, rows };
  const meta: RunMeta = {
    experiment: s.experiment,
    description: s.description,
    driver: 'local',
    started_at: s.started_at,
    t0_wall: s.started_at,
    clock: { offset_ms: 0, rtt_ms: 0.4 },
    ended_ms: s.duration_ms,
    load_interval_ms: Math.min(s.load.write_interval_ms, s.load.read_interval_ms),
    versions: s.versions,
    topology: { etcd: s.etcd, patroni: s.nodes, haproxy: s.haproxy, pgbouncer: false, keepalived: false },
    config: s.config,
  };
  const analysis = analyse({ meta, history, final: s.error?.no_final_read ? null : final });
  const assertions = s.assertions(analysis);
  const results: Results = {
    schema_version: 2,
    experiment: s.experiment,
    description: s.description,
    verdict: s.error ? 'error' : assertions.every((a) => a.passed) ? 'pass' : 'fail',
    ...(s.error ? { error: s.error.message } : {}),
    driver: 'local',
    started_at: s.started_at,
    t0_wall: s.started_at,
    duration_ms: s.duration_ms,
    versions: s.versions,
    topology: meta.topology,
    config: s.config,
    events: s.events,
    members_before: s.members_before,
    members_after: s.members_after,
    analysis,
    assertions,
    files: { history: HISTORY_FILE, final_read: FINAL_READ_FILE, meta: META_FILE },
  };
  return { meta, history, final: s.error?.no_final_read ? null : final, results };
}

/** Writes a run folder exactly as the runner does (results.json, run.json, history.ndjson, final-read.json). */
export async function writeRun(dir: string, run: SynthRun, scenario?: Scenario): Promise<void> {
  await mkdir(dir, { recursive: true });
  const err = scenario?.error;
  let history = run.history;
  if (err?.truncate_history_at_ms !== undefined) {
    const cut = err.truncate_history_at_ms;
    history = history.filter((r) => (r.type === 'op' ? r.end_ms : r.t_ms) <= cut);
  }
  let text = history.map((r) => JSON.stringify(r)).join('\n') + '\n';
  // A run killed mid-write leaves half a line at the end of the history.
  if (err?.truncate_history_at_ms !== undefined) text += '{"type":"op","worker":"writer-1","op":"wr';
  await writeFile(path.join(dir, HISTORY_FILE), text);
  await writeFile(path.join(dir, META_FILE), JSON.stringify(run.meta, null, 2) + '\n');
  if (run.final) await writeFile(path.join(dir, FINAL_READ_FILE), JSON.stringify(run.final) + '\n');
  const results: Partial<Results> = { ...run.results };
  for (const k of err?.omit ?? []) delete results[k];
  await writeFile(path.join(dir, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
}

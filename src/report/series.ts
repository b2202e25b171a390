import type { HistoryRecord, OperationRecord, PatroniObservation, RecoveryObservation } from '../history/types.js';
import { memberState } from '../cluster/roles.js';

/** A member's role as its Patroni REST API reported it, held from start_ms until the next different report. */
export interface RoleSegment {
  node: string;
  /** 'leader' | 'replica' | 'standby_leader' | 'unreachable' | 'stopped' | another state Patroni reported. */
  state: string;
  start_ms: number;
  end_ms: number;
  timeline?: number;
}

export interface NodeInterval {
  node: string;
  start_ms: number;
  end_ms: number;
}

/** The history reduced to what the charts draw: a few thousand points at most, whatever the load rate. */
export interface Series {
  bucket_ms: number;
  end_ms: number;
  /** Bucket midpoints in seconds since the start: the x of every per-bucket array below. */
  t_s: number[];
  /** Completed operations per second, by their end time. Errors = failed + indeterminate. */
  write_ok: number[];
  write_err: number[];
  read_ok: number[];
  read_err: number[];
  /**
   * Latency buckets are coarser (at most LATENCY_POINTS): a maximum per 100 ms is mostly noise,
   * and the outage's edges are read from the rates and the shaded windows, not from latency.
   */
  lat_bucket_ms: number;
  lat_t_s: number[];
  /** Latency of acknowledged operations in the bucket, ms; null where none was acknowledged. */
  write_p50: Array<number | null>;
  write_max: Array<number | null>;
  read_p50: Array<number | null>;
  read_max: Array<number | null>;
  /** Every Patroni member seen, in name order. */
  nodes: string[];
  roles: RoleSegment[];
  /** When PostgreSQL itself answered pg_is_in_recovery() = false, asked directly (not through Patroni). */
  writable: NodeInterval[];
  /** Replication lag per replica, [t_ms, bytes], the largest value per bucket. */
  lag: Array<{ node: string; points: Array<[number, number]> }>;
  ops: { writes: number; reads: number };
}

const NICE_BUCKETS_MS = [100, 200, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000];
const MAX_POINTS = 800;
const LATENCY_POINTS = 300;
/** Fewer operations than this per bucket make a rate chart a comb of 0s and spikes. */
const MIN_OPS_PER_BUCKET = 5;

/**
 * The bucket width: no more than MAX_POINTS buckets, and wide enough that the slower of writes and
 * reads averages MIN_OPS_PER_BUCKET per bucket (capped at 1 s, so an outage edge is never blurred more).
 */
export function chooseBucketMs(durationMs: number, writesPerS: number, readsPerS: number, maxPoints = MAX_POINTS): number {
  const rates = [writesPerS, readsPerS].filter((r) => r > 0);
  const byRate = rates.length > 0 ? Math.min(1000, (MIN_OPS_PER_BUCKET * 1000) / Math.min(...rates)) : 0;
  return nice(Math.max(durationMs / maxPoints, byRate, NICE_BUCKETS_MS[0]!));
}

function nice(ms: number): number {
  return NICE_BUCKETS_MS.find((b) => b >= ms) ?? Math.ceil(ms / 60_000) * 60_000;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;


/**
 * Turns one node's samples into intervals of equal value. A value holds until the next sample that
 * differs; the last one is extended by the node's usual polling gap so a final state is visible.
 */
function segments<S extends { t_ms: number }>(
  samples: S[],
  valueOf: (s: S) => string,
  endMs: number,
): Array<{ value: string; start_ms: number; end_ms: number; first: S }> {
  const out: Array<{ value: string; start_ms: number; end_ms: number; first: S }> = [];
  if (samples.length === 0) return out;
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i++) gaps.push(samples[i]!.t_ms - samples[i - 1]!.t_ms);
  const usualGap = gaps.length ? median(gaps.sort((a, b) => a - b)) : 0;
  let cur: { value: string; start_ms: number; end_ms: number; first: S } | null = null;
  for (const s of samples) {
    const v = valueOf(s);
    if (cur && cur.value === v) continue;
    if (cur) {
      cur.end_ms = s.t_ms;
      out.push(cur);
    }
    cur = { value: v, start_ms: s.t_ms, end_ms: s.t_ms, first: s };
  }
  if (cur) {
    cur.end_ms = Math.min(Math.max(endMs, cur.start_ms), samples[samples.length - 1]!.t_ms + usualGap);
    out.push(cur);
  }
  return out;
}

function groupByNode<T extends { node: string; t_ms: number }>(records: T[]): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const r of records) {
    let list = by.get(r.node);
    if (!list) by.set(r.node, (list = []));
    list.push(r);
  }
  for (const list of by.values()) list.sort((a, b) => a.t_ms - b.t_ms);
  return by;
}

/** Reduces a history to chart series. Pure and linear in the history's size. */
export function bucketHistory(history: readonly HistoryRecord[], durationMs?: number): Series {
  const ops: OperationRecord[] = [];
  const patroni: PatroniObservation[] = [];
  const recovery: RecoveryObservation[] = [];
  let lastT = 0;
  for (const r of history) {
    if (r.type === 'op') {
      ops.push(r);
      lastT = Math.max(lastT, r.end_ms);
    } else {
      if (r.type === 'patroni') patroni.push(r);
      else if (r.type === 'recovery') recovery.push(r);
      lastT = Math.max(lastT, r.t_ms);
    }
  }
  const endMs = durationMs && durationMs > 0 ? Math.max(durationMs, lastT) : lastT;
  const writes = ops.filter((o) => o.op === 'write').length;
  const reads = ops.length - writes;
  const seconds = Math.max(endMs, 1) / 1000;
  const bucketMs = chooseBucketMs(endMs, writes / seconds, reads / seconds);
  // A remainder shorter than half a bucket joins the last bucket: a rate over a sliver is noise.
  const n = Math.max(1, Math.round(endMs / bucketMs));

  const counts = { write_ok: new Array<number>(n).fill(0), write_err: new Array<number>(n).fill(0), read_ok: new Array<number>(n).fill(0), read_err: new Array<number>(n).fill(0) };
  const latBucketMs = Math.max(bucketMs, nice(endMs / LATENCY_POINTS));
  const nLat = Math.max(1, Math.round(endMs / latBucketMs));
  const latW: number[][] = Array.from({ length: nLat }, () => []);
  const latR: number[][] = Array.from({ length: nLat }, () => []);
  for (const o of ops) {
    const b = Math.min(n - 1, Math.max(0, Math.floor(o.end_ms / bucketMs)));
    const isWrite = o.op === 'write';
    if (o.outcome === 'ok') {
      (isWrite ? counts.write_ok : counts.read_ok)[b]!++;
      const lb = Math.min(nLat - 1, Math.max(0, Math.floor(o.end_ms / latBucketMs)));
      (isWrite ? latW : latR)[lb]!.push(o.end_ms - o.start_ms);
    } else {
      (isWrite ? counts.write_err : counts.read_err)[b]!++;
    }
  }
  // The last bucket ends with the run, so it is between half and one and a half buckets wide.
  const width = (i: number) => (i === n - 1 ? Math.max(endMs - i * bucketMs, bucketMs / 2) : bucketMs);
  const rate = (a: number[]) => a.map((c, i) => round1((c * 1000) / width(i)));
  const lat = (buckets: number[][], pick: (sorted: number[]) => number) =>
    buckets.map((l) => (l.length ? round1(pick(l.sort((a, b) => a - b))) : null));

  const roles: RoleSegment[] = [];
  const patroniByNode = groupByNode(patroni);
  for (const [node, samples] of patroniByNode) {
    for (const s of segments(samples, memberState, endMs)) {
      roles.push({ node, state: s.value, start_ms: s.start_ms, end_ms: s.end_ms, ...(s.first.timeline !== undefined ? { timeline: s.first.timeline } : {}) });
    }
  }
  const writable: NodeInterval[] = [];
  const recoveryByNode = groupByNode(recovery);
  for (const [node, samples] of recoveryByNode) {
    for (const s of segments(samples, (r) => (r.reachable && r.in_recovery === false ? 'writable' : 'other'), endMs)) {
      if (s.value === 'writable') writable.push({ node, start_ms: s.start_ms, end_ms: s.end_ms });
    }
  }

  const lag: Series['lag'] = [];
  for (const [node, samples] of patroniByNode) {
    const perBucket = new Map<number, number>();
    for (const s of samples) {
      if (typeof s.lag !== 'number' || memberState(s) === 'leader') continue;
      const b = Math.floor(s.t_ms / bucketMs);
      perBucket.set(b, Math.max(perBucket.get(b) ?? 0, s.lag));
    }
    if (perBucket.size > 0) {
      lag.push({ node, points: [...perBucket].sort((a, b) => a[0] - b[0]).map(([b, v]) => [(b + 0.5) * bucketMs, v]) });
    }
  }

  const nodes = [...new Set([...patroniByNode.keys(), ...recoveryByNode.keys()])].sort();
  return {
    bucket_ms: bucketMs,
    end_ms: endMs,
    t_s: Array.from({ length: n }, (_, i) => round3(((i + 0.5) * bucketMs) / 1000)),
    lat_bucket_ms: latBucketMs,
    lat_t_s: Array.from({ length: nLat }, (_, i) => round3(((i + 0.5) * latBucketMs) / 1000)),
    write_ok: rate(counts.write_ok),
    write_err: rate(counts.write_err),
    read_ok: rate(counts.read_ok),
    read_err: rate(counts.read_err),
    write_p50: lat(latW, median),
    write_max: lat(latW, (l) => l[l.length - 1]!),
    read_p50: lat(latR, median),
    read_max: lat(latR, (l) => l[l.length - 1]!),
    nodes,
    roles,
    writable,
    lag,
    ops: { writes, reads },
  };
}

/** Mean of a per-bucket series over [fromMs, toMs): e.g. how fast reads ran during a write outage. */
export function meanOver(series: Series, values: ReadonlyArray<number | null>, fromMs: number, toMs: number): number | null {
  let sum = 0;
  let k = 0;
  for (let i = 0; i < series.t_s.length; i++) {
    const t = series.t_s[i]! * 1000;
    const v = values[i];
    if (t >= fromMs && t < toMs && typeof v === 'number') {
      sum += v;
      k++;
    }
  }
  return k ? sum / k : null;
}

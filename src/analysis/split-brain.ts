import type { RecoveryObservation } from '../history/types.js';
import { round01 } from './format.js';
import type { SplitBrainInterval } from './types.js';

interface PrimarySpan {
  node: string;
  start_ms: number;
  end_ms: number;
  /** False when the span ended because the node was seen in recovery at end_ms (so not primary then). */
  includes_end: boolean;
}

/**
 * Spans in which each node answered pg_is_in_recovery() = false. A node's answer holds until its next
 * poll; when that poll says in_recovery = true the span ends there. When the node stops answering its
 * state is unknown from then on, so the span ends at the last time it was seen primary: unknown is
 * never counted as primary.
 * @param polls sorted by t_ms
 */
export function primarySpans(polls: readonly RecoveryObservation[]): PrimarySpan[] {
  const open = new Map<string, { start_ms: number; last_ms: number }>();
  const spans: PrimarySpan[] = [];
  for (const p of polls) {
    const span = open.get(p.node);
    if (p.reachable && p.in_recovery === false) {
      if (span) span.last_ms = p.t_ms;
      else open.set(p.node, { start_ms: p.t_ms, last_ms: p.t_ms });
    } else if (span) {
      const demoted = p.reachable && p.in_recovery === true;
      spans.push({ node: p.node, start_ms: span.start_ms, end_ms: demoted ? p.t_ms : span.last_ms, includes_end: !demoted });
      open.delete(p.node);
    }
  }
  for (const [node, span] of open) spans.push({ node, start_ms: span.start_ms, end_ms: span.last_ms, includes_end: true });
  return spans;
}

/**
 * Intervals in which two or more nodes were primary at once. Two nodes seen primary at the same
 * instant are a split brain even if it lasted 0 ms as far as the polls tell.
 */
export function splitBrain(polls: readonly RecoveryObservation[]): SplitBrainInterval[] {
  // At one instant: a node seen in recovery leaves first, then nodes seen primary join, and only then
  // do nodes last seen primary at that instant leave.
  const LEAVE_DEMOTED = 0;
  const JOIN = 1;
  const LEAVE_UNKNOWN = 2;
  const edges: Array<{ t: number; order: number; node: string }> = [];
  for (const s of primarySpans(polls)) {
    if (!s.includes_end && s.end_ms <= s.start_ms) continue;
    edges.push(
      { t: s.start_ms, order: JOIN, node: s.node },
      { t: s.end_ms, order: s.includes_end ? LEAVE_UNKNOWN : LEAVE_DEMOTED, node: s.node },
    );
  }
  edges.sort((a, b) => a.t - b.t || a.order - b.order);

  const out: SplitBrainInterval[] = [];
  const active = new Map<string, number>();
  let current: { start_ms: number; nodes: Set<string> } | null = null;
  for (const e of edges) {
    active.set(e.node, (active.get(e.node) ?? 0) + (e.order === JOIN ? 1 : -1));
    if (active.get(e.node) === 0) active.delete(e.node);
    if (active.size >= 2) {
      if (!current) current = { start_ms: e.t, nodes: new Set() };
      for (const node of active.keys()) current.nodes.add(node);
    } else if (current) {
      out.push({
        start_ms: round01(current.start_ms),
        end_ms: round01(e.t),
        duration_ms: round01(e.t - current.start_ms),
        nodes: [...current.nodes].sort(),
      });
      current = null;
    }
  }
  return out;
}

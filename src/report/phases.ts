import type { Analysis, FaultResult, OutagePhases } from '../analysis/types.js';
import type { PhaseName } from '../analysis/model.js';

export type PhaseKey = 'detect' | 'promote' | 'route' | 'reconnect';

const KEY: Record<PhaseName, PhaseKey> = { detection: 'detect', promotion: 'promote', routing: 'route', first_write: 'reconnect' };

/** One step of an outage, between two moments analysis saw. */
export interface PhaseRow {
  key: PhaseKey;
  from_ms: number;
  to_ms: number;
  /** When the step was seen; to_ms differs only when it was seen after a later step. */
  seen_ms: number;
  took_ms: number;
  /** When the fault model expected the step, ms after the fault took effect; null when it says nothing. */
  expected_lo_ms: number | null;
  expected_ms: number | null;
  /** The terms the expectation comes from. */
  expected_formula: string;
  /** Seen − the fault's effective instant, ms. */
  after_ms: number;
}

/** The fault that explains outage number `index` (analysis charged the window to it), if any. */
export function faultFor(a: Pick<Analysis, 'faults'>, index: number): FaultResult | null {
  return a.faults.find((f) => f.windows.includes(index)) ?? null;
}

/**
 * Splits an outage into detection, promotion, routing and reconnection, each with the interval the
 * fault model predicted for it (analysis.faults[].phases), so an overrun can be pinned on a step.
 */
export function phaseRows(o: OutagePhases, fault: FaultResult | null): PhaseRow[] {
  const marks: Array<[PhaseKey, number | null]> = [
    ['detect', o.leader_key_lost_ms],
    ['promote', o.new_leader_promoted_ms],
    ['route', o.haproxy_routes_ms],
    ['reconnect', o.first_ack_ms],
  ];
  const effective = fault?.effective_ms ?? o.fault_injected_ms ?? o.window.start_ms;
  const rows: PhaseRow[] = [];
  let prev = fault?.effective_ms ?? o.fault_injected_ms ?? o.window.start_ms;
  for (const [key, at] of marks) {
    if (at === null || at === undefined) continue;
    const predicted = fault?.phases.find((p) => KEY[p.name] === key);
    // Pollers see a step up to one interval late, so a later step can seem to come first (HAProxy
    // seen routing after the first write was acknowledged): such a step took no time of its own.
    rows.push({
      key,
      from_ms: prev,
      to_ms: Math.max(prev, at),
      seen_ms: at,
      took_ms: Math.max(0, at - prev),
      expected_lo_ms: predicted?.lo_ms ?? null,
      expected_ms: predicted?.hi_ms ?? null,
      expected_formula: predicted ? predicted.terms.map((t) => t.label).join(' + ') : '',
      after_ms: at - effective,
    });
    prev = Math.max(prev, at);
  }
  return rows;
}

/** The step that overran its predicted interval the most: the plausible reason an outage was longer than predicted. */
export function worstPhase(rows: readonly PhaseRow[]): PhaseRow | null {
  let worst: PhaseRow | null = null;
  let worstOver = 0;
  for (const r of rows) {
    const over = r.expected_ms === null ? 0 : r.after_ms - r.expected_ms;
    if (over > worstOver) {
      worst = r;
      worstOver = over;
    }
  }
  return worst;
}

import type { OutagePhases, Prediction } from '../analysis/types.js';
import type { ClusterSettingsSnapshot } from '../history/types.js';
import type { FaultInfo } from './faults.js';
import { fmtS, type Lang } from './i18n.js';

export type PhaseKey = 'detect' | 'promote' | 'route' | 'reconnect';

/** One step of an outage, between two moments analysis saw. */
export interface PhaseRow {
  key: PhaseKey;
  from_ms: number;
  to_ms: number;
  /** When the step was seen; to_ms differs only when it was seen after a later step. */
  seen_ms: number;
  took_ms: number;
  /** What the configuration lets this step take, ms; null when it sets no expectation. */
  expected_ms: number | null;
  /** The settings the expectation comes from, e.g. "ttl 20 s". */
  expected_formula: string;
}

/**
 * Splits an outage into detection, promotion, routing and reconnection, each with what the
 * configuration leads one to expect, so an overrun can be pinned on a step.
 */
export function phaseRows(o: OutagePhases, config: ClusterSettingsSnapshot, fault: FaultInfo, lang: Lang): PhaseRow[] {
  const s = (ms: number) => fmtS(lang, ms, ms % 1000 === 0 ? 0 : 1);
  const ttl = config.ttl * 1000;
  const loop = config.loop_wait * 1000;
  const { inter_ms, rise } = config.haproxy;
  const marks: Array<[PhaseKey, number | null]> = [
    ['detect', o.leader_key_lost_ms],
    ['promote', o.new_leader_promoted_ms],
    ['route', o.haproxy_routes_ms],
    ['reconnect', o.first_ack_ms],
  ];
  const rows: PhaseRow[] = [];
  let prev = o.fault_injected_ms ?? o.window.start_ms;
  const healed = fault.primary?.end_ms ?? null;
  for (const [key, at] of marks) {
    if (at === null || at === undefined) continue;
    let expected: number | null = null;
    let formula = '';
    if (key === 'detect' && Number.isFinite(ttl)) {
      expected = ttl;
      formula = `ttl ${s(ttl)}`;
      if (fault.scenario === 'leader-stop' || fault.scenario === 'switchover') {
        expected = null;
        formula = '';
      }
    } else if (key === 'promote' && Number.isFinite(loop)) {
      if (fault.scenario === 'etcd-quorum' && healed !== null) {
        // Nobody can take the key while etcd has no quorum: promotion waits for the heal.
        expected = Math.max(0, healed - prev) + loop;
        formula = `${lang === 'ru' ? 'возврат кворума etcd' : 'etcd quorum back'} + loop_wait ${s(loop)}`;
      } else {
        expected = loop;
        formula = `loop_wait ${s(loop)}`;
      }
    } else if (key === 'route' && (fault.scenario === 'haproxy' || fault.scenario === 'haproxy-vip') && healed !== null) {
      // With the entry point itself down, routing resumes when it is back.
      expected = Math.max(0, healed - prev);
      formula = lang === 'ru' ? 'пока HAProxy не вернулся' : 'until HAProxy is back';
    } else if (key === 'route' && Number.isFinite(inter_ms) && Number.isFinite(rise)) {
      expected = rise * inter_ms + inter_ms;
      formula = `(rise ${rise} + 1) × inter ${s(inter_ms)}`;
    }
    // Pollers see a step up to one interval late, so a later step can seem to come first (HAProxy
    // seen routing after the first write was acknowledged): such a step took no time of its own.
    rows.push({ key, from_ms: prev, to_ms: Math.max(prev, at), seen_ms: at, took_ms: Math.max(0, at - prev), expected_ms: expected, expected_formula: formula });
    prev = Math.max(prev, at);
  }
  return rows;
}

/**
 * The step that overran its expectation the most: the plausible reason an outage exceeded its
 * bound. A step the configuration sets no expectation for (reconnection) overruns by all it took.
 */
export function worstPhase(rows: readonly PhaseRow[]): PhaseRow | null {
  let worst: PhaseRow | null = null;
  let worstOver = 0;
  for (const r of rows) {
    const over = r.took_ms - (r.expected_ms ?? 0);
    if (over > worstOver) {
      worst = r;
      worstOver = over;
    }
  }
  return worst;
}

/** The prediction an outage is compared against: the one whose observation is this window. */
export function predictionFor(o: OutagePhases, predictions: readonly Prediction[]): Prediction | null {
  return predictions.find((p) => Math.abs(p.observed_ms - o.window.duration_ms) < 1) ?? predictions[0] ?? null;
}

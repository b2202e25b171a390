import type { HaproxyObservation, PatroniObservation, RunMeta } from '../history/types.js';
import type { Fault } from './faults.js';
import { round01 } from './format.js';
import { leaderAt, type LeaderHistory } from './leaders.js';
import type { Bound } from './prediction.js';
import { isPrimaryRole } from './records.js';
import type { OutagePhases } from './types.js';
import type { MeasuredWindow } from './windows.js';

export interface PhaseInputs {
  windows: readonly MeasuredWindow[];
  faults: readonly Fault[];
  /** Predicted bound per fault (same order as faults), null where the table has none. */
  bounds: ReadonlyArray<Bound | null>;
  patroni: readonly PatroniObservation[];
  haproxy: readonly HaproxyObservation[];
  leaders: LeaderHistory;
  meta: RunMeta;
}

/**
 * How each write outage unfolded: fault → leader key lost → new leader promoted → HAProxy routes to it
 * → first acknowledged write. Each time is the first observation showing it, searched from the fault
 * (or the window's start) until the next outage or the next fault after this one, so an observer that
 * polled just after the first acknowledged write still counts.
 */
export function outagePhases(inp: PhaseInputs): OutagePhases[] {
  const { windows, faults, patroni, haproxy, leaders } = inp;
  return windows.map((m, i) => {
    const w = m.window;
    const fault = causeOf(m, inp);
    const ref = fault?.start_ms ?? w.start_ms;
    const nextFault = faults.find((f) => f.start_ms > w.end_ms);
    const limit = Math.min(windows[i + 1]?.window.start_ms ?? Infinity, nextFault?.start_ms ?? Infinity);
    const inRange = (t: number): boolean => t > ref && t < limit;
    const oldLeader = leaderAt(leaders, ref);

    const keyLost = patroni.find(
      (p) =>
        inRange(p.t_ms) &&
        p.reachable &&
        ((p.leader !== undefined && (p.leader === '' || (oldLeader !== null && p.leader !== oldLeader))) ||
          (p.node === oldLeader && p.role !== undefined && !isPrimaryRole(p.role))),
    );
    const promoted = leaders.changes.find((c) => inRange(c.t_ms) && c.to !== null);
    const target = promoted?.to ?? oldLeader;
    const routes =
      target === null
        ? null
        : target !== oldLeader
          ? firstRouted(haproxy, target, inRange)
          : routedAgain(haproxy, target, inRange);

    return {
      window: w,
      fault_injected_ms: fault ? round01(fault.start_ms) : null,
      leader_key_lost_ms: keyLost ? round01(keyLost.t_ms) : null,
      new_leader_promoted_ms: promoted ? round01(promoted.t_ms) : null,
      haproxy_routes_ms: routes === null ? null : round01(routes),
      first_ack_ms: m.first_ack_ms,
    };
  });
}

/**
 * The fault behind a window: injected before its first failure and, if healed, not so long before
 * that its effects should have passed (its predicted bound, or at least ttl + loop_wait +
 * retry_timeout + HAProxy's fall and rise). Among several, the latest one expected to stop writes
 * wins over a later one that is not (a replica stopped during a quorum loss did not cause the outage).
 */
function causeOf(m: MeasuredWindow, inp: PhaseInputs): Fault | null {
  const cfg = inp.meta.config;
  const margin = (cfg.ttl + cfg.loop_wait + cfg.retry_timeout) * 1000 + (cfg.haproxy.fall + cfg.haproxy.rise) * cfg.haproxy.inter_ms;
  let latest: Fault | null = null;
  let latestDisruptive: Fault | null = null;
  for (const [i, f] of inp.faults.entries()) {
    if (f.start_ms > m.first_fail_ms) break;
    const bound = inp.bounds[i]?.bound_ms;
    if (f.heal_ms !== null && m.first_fail_ms > f.heal_ms + Math.max(bound ?? 0, margin)) continue;
    latest = f;
    if (bound === undefined || bound > 0) latestDisruptive = f;
  }
  return latestDisruptive ?? latest;
}

function isUp(status: string | undefined): boolean {
  return status !== undefined && status.startsWith('UP');
}

/** First time any HAProxy reports `server` UP in the write backend. */
function firstRouted(obs: readonly HaproxyObservation[], server: string, inRange: (t: number) => boolean): number | null {
  const hit = obs.find((o) => inRange(o.t_ms) && o.reachable && o.backend === 'primary' && o.server === server && isUp(o.status));
  return hit?.t_ms ?? null;
}

/**
 * For a leader that stayed (or came back as) leader: the first time HAProxy routes to it again after a
 * moment when no reachable HAProxy did. Null if routing was never lost.
 */
function routedAgain(obs: readonly HaproxyObservation[], server: string, inRange: (t: number) => boolean): number | null {
  // Per HAProxy instance: does it currently route writes to `server`? An unreachable one does not.
  const routing = new Map<string, boolean>();
  let lost = false;
  for (const o of obs) {
    if (!o.reachable) routing.set(o.haproxy, false);
    else if (o.backend === 'primary' && o.server === server) routing.set(o.haproxy, isUp(o.status));
    else continue;
    if (!inRange(o.t_ms)) continue;
    const routed = [...routing.values()].some(Boolean);
    if (!routed) lost = true;
    else if (lost) return o.t_ms;
  }
  return null;
}

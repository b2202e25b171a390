import type { HaproxyObservation, PatroniObservation } from '../history/types.js';
import { round01 } from './format.js';
import { leaderAt, type LeaderHistory } from './leaders.js';
import { isPrimaryRole } from './records.js';
import type { OutagePhases, PromotionSeen } from './types.js';
import type { MeasuredWindow } from './windows.js';

export interface PhaseInputs {
  windows: readonly MeasuredWindow[];
  /** Per window, when the fault that explains it took effect (null: none does). */
  causes: ReadonlyArray<{ injected_ms: number; effective_ms: number } | null>;
  /** When each later fault was injected, to stop a search there. */
  injections: readonly number[];
  patroni: readonly PatroniObservation[];
  haproxy: readonly HaproxyObservation[];
  leaders: LeaderHistory;
  /** Promotions PostgreSQL itself answered; preferred to Patroni's role, which lags. */
  promotions: readonly PromotionSeen[];
}

/**
 * How each write outage unfolded: fault → leader key lost → new leader promoted → HAProxy routes to it
 * → first acknowledged write. Each time is the first observation showing it, searched from the fault
 * (or the window's start) until the next outage or the next fault after this one, so an observer that
 * polled just after the first acknowledged write still counts.
 */
export function outagePhases(inp: PhaseInputs): OutagePhases[] {
  const { windows, patroni, haproxy, leaders } = inp;
  return windows.map((m, i) => {
    const w = m.window;
    const cause = inp.causes[i] ?? null;
    const ref = cause ? Math.min(cause.injected_ms, cause.effective_ms) : w.start_ms;
    const nextFault = inp.injections.find((t) => t > w.end_ms);
    const limit = Math.min(windows[i + 1]?.window.start_ms ?? Infinity, nextFault ?? Infinity);
    const inRange = (t: number): boolean => t > ref && t < limit;
    const oldLeader = leaderAt(leaders, ref);

    const keyLost = patroni.find(
      (p) =>
        inRange(p.t_ms) &&
        p.reachable &&
        ((p.leader !== undefined && (p.leader === '' || (oldLeader !== null && p.leader !== oldLeader))) ||
          (p.node === oldLeader && p.role !== undefined && !isPrimaryRole(p.role))),
    );
    const byPatroni = leaders.changes.find((c) => inRange(c.t_ms) && c.to !== null);
    const direct = inp.promotions.find((p) => inRange(p.t_ms));
    const promotedAt = direct?.t_ms ?? byPatroni?.t_ms ?? null;
    const target = direct?.node ?? byPatroni?.to ?? oldLeader;
    const routes =
      target === null
        ? null
        : target !== oldLeader
          ? firstRouted(haproxy, target, inRange)
          : routedAgain(haproxy, target, inRange);

    return {
      window: w,
      fault_injected_ms: cause ? round01(cause.injected_ms) : null,
      leader_key_lost_ms: keyLost ? round01(keyLost.t_ms) : null,
      new_leader_promoted_ms: promotedAt === null ? null : round01(promotedAt),
      haproxy_routes_ms: routes === null ? null : round01(routes),
      first_ack_ms: m.first_ack_ms,
    };
  });
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

import type { PatroniObservation, RecoveryObservation } from '../history/types.js';
import { round01 } from './format.js';
import { isPrimaryRole } from './records.js';
import type { LeaderChange } from './types.js';

/** A node seen becoming primary: it happened after `since_ms` (its previous poll) and by `t_ms`. */
export interface Promotion {
  node: string;
  since_ms: number;
  t_ms: number;
}

export interface LeaderHistory {
  /** Leader once every member had been polled once; changes are counted from there. */
  initial: string | null;
  initial_ms: number | null;
  changes: LeaderChange[];
  timelines: Array<{ t_ms: number; timeline: number; node: string }>;
  promotions: Promotion[];
}

interface MemberState {
  /** 'unknown' after its primary role went stale (see below); unreachable polls keep the last role. */
  role: 'primary' | 'other' | 'unknown';
  reachable: boolean;
  became_primary_ms: number;
  last_seen_ms: number | null;
  /** Leader-key holder as this member last reported it ('' = nobody). */
  leader_view?: string;
  timeline?: number;
}

/**
 * Who was leader, from the Patroni polls. The leader is the member reporting role primary/master.
 * An unreachable poll changes nothing (a flapping REST API is not a leader change), but once another
 * member is seen becoming primary, an unreachable member's old "primary" is stale and no longer
 * counts. With several primaries at once, the key holder most members report wins, then a reachable
 * one, then the most recently promoted. A leader that demotes and re-promotes counts as two changes.
 */
export function leaderHistory(polls: readonly PatroniObservation[]): LeaderHistory {
  const members = new Set(polls.map((p) => p.node));
  const states = new Map<string, MemberState>();
  const out: LeaderHistory = { initial: null, initial_ms: null, changes: [], timelines: [], promotions: [] };
  let baseline = false;
  let current: string | null = null;
  let clusterTimeline: number | undefined;

  for (const p of polls) {
    let s = states.get(p.node);
    if (!s) {
      s = { role: 'unknown', reachable: false, became_primary_ms: p.t_ms, last_seen_ms: null };
      states.set(p.node, s);
    }
    if (!p.reachable) {
      s.reachable = false;
      continue;
    }
    s.reachable = true;
    const nowPrimary = isPrimaryRole(p.role);
    if (nowPrimary && s.role !== 'primary') {
      s.became_primary_ms = p.t_ms;
      if (baseline) out.promotions.push({ node: p.node, since_ms: s.last_seen_ms ?? p.t_ms, t_ms: p.t_ms });
      for (const [node, other] of states) {
        if (node !== p.node && !other.reachable && other.role === 'primary') other.role = 'unknown';
      }
    }
    s.role = nowPrimary ? 'primary' : p.role === undefined ? 'unknown' : 'other';
    if (p.leader !== undefined) s.leader_view = p.leader;
    if (p.timeline !== undefined) {
      if (s.timeline !== undefined && p.timeline > s.timeline) {
        out.timelines.push({ t_ms: p.t_ms, timeline: p.timeline, node: p.node });
      }
      if (baseline && clusterTimeline !== undefined && p.timeline > clusterTimeline) {
        out.promotions.push({ node: p.node, since_ms: s.last_seen_ms ?? p.t_ms, t_ms: p.t_ms });
      }
      s.timeline = Math.max(s.timeline ?? p.timeline, p.timeline);
      clusterTimeline = Math.max(clusterTimeline ?? p.timeline, p.timeline);
    }
    s.last_seen_ms = p.t_ms;

    const leader = pickLeader(states);
    if (!baseline) {
      current = leader;
      if (states.size === members.size) {
        baseline = true;
        out.initial = leader;
        out.initial_ms = p.t_ms;
      }
    } else if (leader !== current) {
      const change: LeaderChange = { t_ms: p.t_ms, from: current, to: leader };
      const tl = leader === null ? undefined : states.get(leader)?.timeline;
      if (tl !== undefined) change.timeline = tl;
      out.changes.push(change);
      current = leader;
    }
  }
  return out;
}

function pickLeader(states: Map<string, MemberState>): string | null {
  const candidates = [...states].filter(([, s]) => s.role === 'primary');
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0]![0];

  const votes = new Map<string, number>();
  for (const s of states.values()) {
    if (s.reachable && s.leader_view) votes.set(s.leader_view, (votes.get(s.leader_view) ?? 0) + 1);
  }
  let holder: string | undefined;
  let best = 0;
  for (const [node, n] of votes) {
    if (n > best) [holder, best] = [node, n];
    else if (n === best) holder = undefined;
  }
  if (holder !== undefined && candidates.some(([node]) => node === holder)) return holder;

  candidates.sort(
    ([, a], [, b]) => Number(b.reachable) - Number(a.reachable) || b.became_primary_ms - a.became_primary_ms,
  );
  return candidates[0]![0];
}

/** The leader just after time t (a change at exactly t included). */
export function leaderAt(h: LeaderHistory, t: number): string | null {
  let leader = h.initial;
  for (const c of h.changes) {
    if (c.t_ms > t) break;
    leader = c.to;
  }
  return leader;
}

/**
 * Promotions as PostgreSQL itself answers them: a node asked directly went from
 * pg_is_in_recovery() = true to false between two polls. The instant is the midpoint, known to half
 * the gap; a node unreachable in between counts from its last answer in recovery.
 */
export function recoveryPromotions(polls: readonly RecoveryObservation[]): Array<Promotion & { at_ms: number; resolution_ms: number }> {
  const last = new Map<string, RecoveryObservation>();
  const out: Array<Promotion & { at_ms: number; resolution_ms: number }> = [];
  for (const p of polls) {
    if (!p.reachable || p.in_recovery === undefined) continue;
    const prev = last.get(p.node);
    if (prev?.in_recovery === true && p.in_recovery === false) {
      out.push({
        node: p.node,
        since_ms: prev.t_ms,
        t_ms: p.t_ms,
        at_ms: round01((prev.t_ms + p.t_ms) / 2),
        resolution_ms: round01((p.t_ms - prev.t_ms) / 2),
      });
    }
    last.set(p.node, p);
  }
  return out;
}

import type { ClusterSettingsSnapshot, RunMeta } from '../history/types.js';
import type { Fault } from './faults.js';
import { round01, seconds } from './format.js';
import type { Prediction } from './types.js';
import type { MeasuredWindow } from './windows.js';

/** What a fault hit, as far as the write path is concerned. */
export type TargetClass =
  | 'leader'
  | 'replica'
  | 'etcd_minority'
  | 'etcd_majority'
  | 'haproxy'
  | 'all_patroni'
  | 'switchover';

interface Context {
  cfg: ClusterSettingsSnapshot;
  /** Injection to heal (or to the run's end), ms. */
  duration_ms: number;
  keepalived: boolean;
}

interface Term {
  label: string;
  ms: number;
}

interface Rule {
  target: TargetClass;
  /** Fault kinds the rule covers; undefined = any. */
  kinds?: readonly string[];
  when?: (c: Context) => boolean;
  /** Why nothing is expected, for a bound of 0. */
  none?: string;
  terms: (c: Context) => Term[];
}

/** Allowance for a graceful PostgreSQL shutdown before Patroni releases the key. */
const SHUTDOWN_MS = 5000;
/** Allowance for Patroni to re-promote once the DCS answers again. */
const REPROMOTE_MS = 5000;
/** keepalived: VRRP declares the master dead after 3 adverts (advert_int 1 s), plus the check script's interval. */
const VRRP_ADVERTS = 3;
const VRRP_ADVERT_MS = 1000;
const VRRP_SCRIPT_MS = 2000;
/** Switchover: demote, then the candidate promotes; allowance for the checkpoint and promotion themselves. */
const SWITCHOVER_MS = 2000;

const S = 1000;
const LOSE_A_NODE = ['stop', 'kill', 'pause', 'isolate'] as const;

const ttl = (c: Context): Term => ({ label: `ttl ${seconds(c.cfg.ttl * S)}`, ms: c.cfg.ttl * S });
const loopWait = (c: Context, times = 1): Term => ({
  label: times === 1 ? `loop_wait ${seconds(c.cfg.loop_wait * S)}` : `${times} × loop_wait ${seconds(c.cfg.loop_wait * S)}`,
  ms: times * c.cfg.loop_wait * S,
});
const fall = (c: Context): Term => ({
  label: `fall ${c.cfg.haproxy.fall} × inter ${seconds(c.cfg.haproxy.inter_ms)}`,
  ms: c.cfg.haproxy.fall * c.cfg.haproxy.inter_ms,
});
const rise = (c: Context): Term => ({
  label: `rise ${c.cfg.haproxy.rise} × inter ${seconds(c.cfg.haproxy.inter_ms)}`,
  ms: c.cfg.haproxy.rise * c.cfg.haproxy.inter_ms,
});
const duration = (c: Context): Term => ({ label: `fault duration ${seconds(c.duration_ms)}`, ms: c.duration_ms });
const fixed = (label: string, ms: number): Term => ({ label: `${label} ${seconds(ms)}`, ms });

/** The bounds the configuration predicts for the write outage, one row per kind of fault. */
const RULES: readonly Rule[] = [
  { target: 'replica', kinds: [...LOSE_A_NODE, 'kill-patroni'], none: 'writes do not wait for a replica', terms: () => [] },
  { target: 'etcd_minority', none: 'etcd keeps its quorum', terms: () => [] },
  {
    target: 'leader',
    kinds: ['stop'],
    terms: (c) => [fixed('shutdown', SHUTDOWN_MS), loopWait(c), fall(c), rise(c)],
  },
  {
    target: 'leader',
    kinds: ['kill', 'kill-patroni', 'isolate', 'pause'],
    terms: (c) => [ttl(c), loopWait(c), fall(c), rise(c)],
  },
  {
    target: 'etcd_majority',
    when: (c) => !c.cfg.failsafe_mode,
    terms: (c) => [duration(c), loopWait(c), rise(c), fixed('re-promotion', REPROMOTE_MS)],
  },
  {
    target: 'etcd_majority',
    when: (c) => c.cfg.failsafe_mode,
    none: 'failsafe_mode keeps the leader while it reaches every member',
    terms: () => [],
  },
  { target: 'haproxy', kinds: LOSE_A_NODE, when: (c) => !c.keepalived, terms: (c) => [duration(c), rise(c)] },
  {
    target: 'haproxy',
    kinds: LOSE_A_NODE,
    when: (c) => c.keepalived,
    terms: () => [
      { label: `${VRRP_ADVERTS} × advert ${seconds(VRRP_ADVERT_MS)}`, ms: VRRP_ADVERTS * VRRP_ADVERT_MS },
      fixed('check script', VRRP_SCRIPT_MS),
    ],
  },
  { target: 'all_patroni', terms: (c) => [duration(c), ttl(c)] },
  { target: 'switchover', terms: (c) => [loopWait(c, 2), fall(c), rise(c), fixed('promotion', SWITCHOVER_MS)] },
];

/** Roles a Patroni member can have; 'patroni' is a member targeted without regard to its role. */
const STANDBY_ROLES = new Set(['replica', 'sync_standby', 'quorum_standby']);
const MEMBER_ROLES = new Set(['leader', 'patroni', ...STANDBY_ROLES]);

/** Which row of the table a fault falls under, from the roles its targets had when it was injected. */
export function classify(fault: Fault, meta: RunMeta): TargetClass | null {
  if (fault.kind === 'switchover') return 'switchover';
  const roles = fault.event.roles ?? [];
  if (roles.length === 0) return null;
  if (roles.every((r) => r === 'etcd')) {
    return roles.length * 2 > meta.topology.etcd.length ? 'etcd_majority' : 'etcd_minority';
  }
  if (roles.every((r) => r === 'haproxy' || r === 'keepalived')) return 'haproxy';
  if (roles.every((r) => MEMBER_ROLES.has(r))) {
    if (meta.topology.patroni.length > 0 && roles.length >= meta.topology.patroni.length) return 'all_patroni';
    if (roles.includes('leader')) return 'leader';
    if (roles.every((r) => STANDBY_ROLES.has(r))) return 'replica';
  }
  // Mixed targets, or a member whose role was unknown: the table cannot say.
  return null;
}

export interface Bound {
  bound_ms: number;
  formula: string;
}

/** The predicted bound for one fault, or null when the table has no row for it. */
export function predictBound(fault: Fault, meta: RunMeta): Bound | null {
  const target = classify(fault, meta);
  if (!target) return null;
  const ctx: Context = {
    cfg: meta.config,
    duration_ms: Math.max(0, (fault.heal_ms ?? meta.ended_ms) - fault.start_ms),
    keepalived: meta.topology.keepalived,
  };
  const rule = RULES.find(
    (r) => r.target === target && (!r.kinds || r.kinds.includes(fault.kind)) && (!r.when || r.when(ctx)),
  );
  if (!rule) return null;
  const terms = rule.terms(ctx);
  if (terms.length === 0) return { bound_ms: 0, formula: `0: ${rule.none ?? 'no write outage expected'}` };
  const total = round01(terms.reduce((sum, t) => sum + t.ms, 0));
  return { bound_ms: total, formula: `${terms.map((t) => t.label).join(' + ')} = ${seconds(total)}` };
}

function describe(fault: Fault): string {
  const e = fault.event;
  const what = fault.kind === 'switchover' ? 'switchover' : `${fault.kind} ${e.target ?? 'target'}`;
  return e.nodes && e.nodes.length > 0 ? `${what} (${e.nodes.join(', ')})` : what;
}

/**
 * For each fault the table covers: its bound against the longest write window overlapping
 * [injection, heal + bound]. A window whose first failure comes after a later fault was injected,
 * once this one had been healed, belongs to that later fault.
 * @param faults sorted by start_ms
 * @param bounds predictBound() of each fault, same order
 */
export function predictions(
  faults: readonly Fault[],
  bounds: ReadonlyArray<Bound | null>,
  windows: readonly MeasuredWindow[],
  meta: RunMeta,
): Prediction[] {
  const out: Prediction[] = [];
  for (const [i, fault] of faults.entries()) {
    const bound = bounds[i];
    if (!bound) continue;
    const healed = fault.heal_ms ?? meta.ended_ms;
    const next = faults.find((f) => f.start_ms >= healed && f !== fault);
    const until = healed + bound.bound_ms;
    let observed = 0;
    for (const m of windows) {
      const w = m.window;
      if (w.end_ms < fault.start_ms || w.start_ms > until) continue;
      if (next && m.first_fail_ms >= next.start_ms) continue;
      observed = Math.max(observed, w.duration_ms);
    }
    const p: Prediction = {
      fault: describe(fault),
      bound_ms: bound.bound_ms,
      formula: bound.formula,
      observed_ms: observed,
      within: observed <= bound.bound_ms,
      t_ms: fault.start_ms,
    };
    if (fault.event.id !== undefined) p.id = fault.event.id;
    out.push(p);
  }
  return out;
}

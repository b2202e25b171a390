import type { ClusterSettingsSnapshot, EventRecord, PatroniObservation, RunMeta } from '../history/types.js';
import { DEFAULT_OBSERVERS } from '../observe/options.js';
import { round01 } from './format.js';
import { lostPeer, type LogEvent } from './logs.js';
import { combinationFor, cutOf, LEADER_GONE, modelFor, PHASES, type ModelContext, type FaultModel, type FaultTimes, type Interval, type LiveState, type PhaseName, type Prediction, type Scenario } from './model.js';
import { outagePhases, type PhaseInputs } from './phases.js';
import { longestWindow } from './summary.js';
import type { FaultResult, OutagePhases, PhaseResult, Window } from './types.js';
import type { MeasuredWindow } from './windows.js';

/** A disturbance the experiment caused on purpose: an injected fault or a switchover. */
export interface Fault {
  /** The 'begin' event, completed with what only its 'end' knows (resolved nodes, their roles, the id). */
  event: EventRecord;
  /** Fault kind ('kill', 'stop', ...) or 'switchover'. */
  kind: string;
  start_ms: number;
  /** When the injection's command returned; null if never recorded. */
  end_ms: number | null;
  /** When it was undone: the heal's end (else its begin), a switchover's own end; null if never. */
  heal_ms: number | null;
  /** Settings `config` steps had changed before it was injected (run.json keeps those at the start). */
  changes: Partial<ClusterSettingsSnapshot>;
}

/**
 * Faults in the order they were injected. A fault starts at its 'begin' event; the runner learns the
 * targets' roles only while injecting and records them on the 'end' event. An injection that ended in
 * 'error' did not happen.
 * @param events sorted by t_ms
 */
export function faultsOf(events: readonly EventRecord[]): Fault[] {
  const out: Fault[] = [];
  let changes: Partial<ClusterSettingsSnapshot> = {};
  events.forEach((e, i) => {
    if (e.action === 'config' && e.phase === 'end') {
      const begin = events.find((x) => x.action === 'config' && x.step === e.step && x.phase === 'begin');
      changes = { ...changes, ...settingsChanged(begin?.detail) };
    }
    if (e.phase !== 'begin' || (e.action !== 'inject' && e.action !== 'switchover')) return;
    const outcome = events.slice(i + 1).find((x) => x.action === e.action && x.step === e.step && x.phase !== 'begin');
    if (outcome?.phase === 'error') return;
    const event: EventRecord = { ...e };
    for (const field of ['id', 'nodes', 'roles', 'peers'] as const) {
      if (event[field] === undefined && outcome?.[field] !== undefined) Object.assign(event, { [field]: outcome[field] });
    }
    const kind = e.action === 'switchover' ? 'switchover' : (e.fault ?? 'inject');
    const heal = e.action === 'switchover' ? (outcome?.t_ms ?? null) : healTime(events, event);
    out.push({ event, kind, start_ms: e.t_ms, end_ms: outcome?.t_ms ?? null, heal_ms: heal, changes });
  });
  return out;
}

/** A `config` step's changes as its 'begin' event lists them: "failsafe_mode=true, ttl=30". */
function settingsChanged(detail: string | undefined): Partial<ClusterSettingsSnapshot> {
  const out: Record<string, boolean | number | string> = {};
  for (const [k, v] of (detail ?? '').split(', ').map((kv) => kv.split('='))) {
    if (k && v !== undefined) out[k] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
  }
  return out;
}

/** The heal of a fault is the first heal after it with the same id (or, without ids, the same target). */
function healTime(events: readonly EventRecord[], inject: EventRecord): number | null {
  const same = (h: EventRecord): boolean =>
    inject.id !== undefined ? h.id === inject.id : h.id === undefined && h.target !== undefined && h.target === inject.target;
  const heals = events.filter((h) => h.action === 'heal' && h.t_ms >= inject.t_ms && same(h));
  const first = heals[0];
  if (!first) return null;
  // The fault lasts until the heal has taken effect: its 'end' of the same step, when recorded.
  const end = heals.find((h) => h.phase === 'end' && h.step === first.step);
  return (end ?? first).t_ms;
}

/** When the fault took effect, by its model's rule: the injection's end, or a line in a node's log. */
function effectiveOf(f: Fault, model: FaultModel | null, logs: readonly LogEvent[], meta: RunMeta): { t_ms: number; source: FaultResult['effective_source'] } {
  const rule = model?.effective ?? { at: 'inject_end' as const };
  if (rule.at === 'etcd_leaderless') {
    const at = leaderless(f, logs, meta);
    return at === null ? { t_ms: f.start_ms, source: 'inject_begin' } : { t_ms: at, source: 'log' };
  }
  if (rule.at === 'log') {
    const targets = new Set(f.event.nodes ?? []);
    const hit = logs.find((l) => l.kind === rule.kind && targets.has(l.node) && l.t_ms >= f.start_ms - 100 && l.t_ms <= (f.end_ms ?? Infinity));
    if (hit) return { t_ms: hit.t_ms, source: 'log' };
    return { t_ms: f.start_ms, source: 'inject_begin' };
  }
  if (rule.at === 'inject_begin' || f.end_ms === null) return { t_ms: f.start_ms, source: 'inject_begin' };
  return { t_ms: f.end_ms, source: 'inject_end' };
}

/**
 * When etcd, left with too few members, stopped renewing leases: a leader renews them on its own
 * until its check-quorum steps it down ("stepped down to follower since quorum is not active"), so
 * when a member left running logged that, then; else the members left running were followers, whose
 * leader was among the stopped, and it was gone when one of them had lost so many peers (members −
 * ⌊members / 2⌋) that no majority was left: its "peer became inactive" line for the last of them.
 * Null when the logs say neither before the heal.
 */
function leaderless(f: Fault, logs: readonly LogEvent[], meta: RunMeta): number | null {
  const targets = new Set(f.event.nodes ?? []);
  const rest = new Set(meta.topology.etcd.filter((n) => !targets.has(n)));
  const needed = meta.topology.etcd.length - Math.floor(meta.topology.etcd.length / 2);
  const during = (l: LogEvent) => rest.has(l.node) && l.t_ms >= f.start_ms - 100 && l.t_ms <= (f.heal_ms ?? Infinity);
  const stepped = logs.find((l) => l.kind === 'etcd_stepped_down' && during(l));
  if (stepped) return stepped.t_ms;
  const lost = new Map<string, Set<string>>();
  const last = logs.find((l) => {
    const peer = l.kind === 'etcd_peer_lost' && during(l) ? lostPeer(l.line) : null;
    if (!peer) return false;
    const mine = lost.get(l.node) ?? new Set<string>();
    lost.set(l.node, mine.add(peer));
    return mine.size >= needed;
  });
  return last?.t_ms ?? null;
}

/** Whom a fault with another side cut its targets from: the nodes the file named, or every other node. */
function peersOf(e: EventRecord, topology: RunMeta['topology']): string[] {
  if (e.peers) return e.peers;
  const targets = new Set(e.nodes ?? []);
  return [...topology.etcd, ...topology.patroni, ...topology.haproxy].filter((n) => !targets.has(n));
}

/**
 * What the node logs say about the cluster's state when a fault took effect, for the model's
 * forecasts: the HA loops of whoever held the lock then (the last to log a loop as its holder, every
 * loop_wait by its "no action" line), not those of a replica that takes the lock later; and whether
 * etcd's leader was among the targets.
 */
function liveState(logs: readonly LogEvent[], t: FaultTimes, targets: readonly string[], patroni: readonly PatroniObservation[] = []): LiveState {
  const at_ms = t.effective_ms;
  const until = t.healed_ms ?? t.ended_ms;
  const mineAfter = (kind: LogEvent['kind'], from: number) => logs.filter((l) => l.kind === kind && targets.includes(l.node) && l.t_ms >= from && l.t_ms <= until);
  // The end of the shutdown checkpoint begun after the effect (one in progress at the stop ends first).
  const ckStart = mineAfter('checkpoint', at_ms).find((l) => l.line.includes('starting: shutdown'));
  const ckDone = ckStart ? mineAfter('checkpoint', ckStart.t_ms).find((l) => l.line.includes('complete:')) : undefined;
  const checks = mineAfter('failover_check', at_ms).map((l) => l.t_ms);
  const renewed = (l: LogEvent) => l.kind === 'no_action' && l.line.includes('the leader with the lock');
  const holder = logs.filter((l) => (l.kind === 'ha_loop' || renewed(l)) && l.t_ms < at_ms).at(-1)?.node;
  const down = logs.find((l) => l.kind === 'postgres_down' && targets.includes(l.node) && l.t_ms >= at_ms);
  const mine = (keep: (l: LogEvent) => boolean) => logs.filter((l) => l.node === holder && keep(l)).map((l) => l.t_ms);
  // Only etcd's leader logs this line (checkQuorum).
  const stepped = logs.find(
    (l) => l.kind === 'etcd_stepped_down' && targets.includes(l.node) && l.t_ms >= t.injected_ms && l.t_ms <= (t.healed_ms ?? t.ended_ms),
  );
  return {
    leader_loops_ms: mine((l) => l.kind === 'ha_loop'),
    leader_renewals_ms: mine(renewed),
    ...(down ? { postgres_down_ms: down.t_ms } : {}),
    ...(ckDone ? { shutdown_checkpoint_ms: ckDone.t_ms } : {}),
    ...(down && checks.length ? { failover_checks_ms: checks.filter((c) => c < down.t_ms + 10_000) } : {}),
    ...(targets.length === 1 ? { observer_hung_ms: hungPolls(patroni, targets[0]!, at_ms, until) } : {}),
    ...(stepped ? { etcd_leader_stepped_down_ms: stepped.t_ms } : {}),
  };
}

/** A poll whose request went unanswered waited out the observer's timeout before the next began. */
const WAITED_MS = DEFAULT_OBSERVERS.timeoutMs - 50;

/**
 * Starts of our Patroni observer's polls of `node` after `from` that went unanswered and waited out
 * their timeout: each left its request(s) in the node's listen backlog (those begun up to 250 ms
 * before the effect too: the REST API stops accepting before PostgreSQL logs the shutdown request).
 */
function hungPolls(obs: readonly PatroniObservation[], node: string, from: number, until: number): number[] {
  const mine = obs.filter((o) => o.node === node && o.t_ms >= from - 250 && o.t_ms <= until);
  return mine.filter((o, i) => !o.reachable && i + 1 < mine.length && mine[i + 1]!.t_ms - o.t_ms >= WAITED_MS).map((o) => o.t_ms);
}

interface Modelled {
  fault: Fault;
  model: FaultModel | null;
  times: FaultTimes;
  source: FaultResult['effective_source'];
  ctx: ModelContext;
  prediction: Prediction | null;
  combined?: { with: Modelled; story: string };
  /** The earlier fault on the same leader whose outage this one's is. */
  absorbedBy?: Modelled;
}

function describe(f: Fault): string {
  const e = f.event;
  const what = f.kind === 'switchover' ? 'switchover' : `${f.kind} ${e.target ?? 'target'}`;
  return e.nodes && e.nodes.length > 0 ? `${what} (${e.nodes.join(', ')})` : what;
}

export interface FaultInputs extends Omit<PhaseInputs, 'windows' | 'causes' | 'injections'> {
  faults: readonly Fault[];
  measured: readonly MeasuredWindow[];
  /** The windows as results.json carries them (with their server gaps), same order as measured. */
  windows: readonly Window[];
  logs: readonly LogEvent[];
  meta: RunMeta;
}

interface Outcome {
  faults: FaultResult[];
  outages: OutagePhases[];
}

/**
 * Each fault with its model: when it took effect and was healed, the predicted interval of the
 * write outage and of its phases, the windows it explains (a window during several faults goes to
 * the one expected to stop writes, and a combination gets its own prediction), and what was observed.
 */
export function analyseFaults(inp: FaultInputs): Outcome {
  const { meta } = inp;
  const modelled: Modelled[] = inp.faults.map((f) => {
    const cut = cutOf(peersOf(f.event, meta.topology), meta.topology);
    const config = { ...meta.config, ...f.changes };
    const model = modelFor(f.kind, f.event.roles ?? [], { ...meta, config }, cut);
    const eff = effectiveOf(f, model, inp.logs, meta);
    const times: FaultTimes = { injected_ms: f.start_ms, effective_ms: eff.t_ms, healed_ms: f.heal_ms, ended_ms: meta.ended_ms };
    const targets = f.event.nodes ?? [];
    const ctx = { s: config, t: times, keepalived: meta.topology.keepalived, haproxy_nodes: meta.topology.haproxy.length, live: liveState(inp.logs, times, targets, inp.patroni), cut, kind: f.kind, targets };
    return { fault: f, model, times, source: eff.source, ctx, prediction: model ? model.predict(ctx) : null };
  });

  // Combinations: a fault that took effect while another was still in effect.
  // Two that took effect in the same millisecond are in the order they were injected, never each
  // other's background.
  const earlier = (a: Modelled, b: Modelled) =>
    a.times.effective_ms < b.times.effective_ms || (a.times.effective_ms === b.times.effective_ms && modelled.indexOf(a) < modelled.indexOf(b));
  for (const m of modelled) {
    if (!m.model || !m.prediction) continue;
    const inEffect = modelled.filter((bg) => {
      const bgEnd = bg.times.healed_ms ?? bg.times.ended_ms;
      return bg !== m && bg.model !== null && earlier(bg, m) && m.times.effective_ms < bgEnd;
    });
    // A leader hit again while an earlier fault had already taken it out of the race (a hung VM:
    // frozen and cut off at once): the outage is the first fault's, judged by its prediction from
    // its own effect, and the second is explained by it.
    const mine = new Set(m.fault.event.nodes ?? []);
    const gone = (x: Modelled) => LEADER_GONE.includes(x.model!.scenario);
    const first = gone(m) ? inEffect.find((bg) => gone(bg) && (bg.fault.event.nodes ?? []).some((x) => mine.has(x))) : undefined;
    if (first) {
      m.absorbedBy = first;
      continue;
    }
    const out = new Set(inEffect.filter((bg) => bg.model!.scenario === 'replica').flatMap((bg) => bg.fault.event.nodes ?? []));
    const n = { replicas_out: out.size, members: meta.topology.patroni.length };
    for (const bg of inEffect) {
      const combo = combinationFor(bg.model!.scenario, m.model.scenario, n);
      if (!combo) continue;
      const ctx = { ...m.ctx, background: bg.times, own: m.prediction };
      m.prediction = combo.predict(ctx);
      m.combined = { with: bg, story: combo.story };
    }
  }

  const charged = attribute(modelled, inp.windows);
  const causes = inp.windows.map((_, wi) => {
    const k = charged.findIndex((list) => list.includes(wi));
    return k < 0 ? null : modelled[k]!.times;
  });
  const outages = outagePhases({ ...inp, windows: inp.measured, causes, injections: inp.faults.map((f) => f.start_ms) });
  // A fault that expected an outage of its own, whose outage went to a combination it is the
  // background of, is judged there, not as "no outage" (one expecting none is judged on its own).
  const explainedBy = modelled.map((m, i) =>
    m.absorbedBy ??
    (charged[i]!.length > 0 || !m.prediction || m.prediction.outage.hi_ms === 0 ? undefined : modelled.find((o, k) => o.combined?.with === m && charged[k]!.length > 0)),
  );
  return { faults: modelled.map((m, i) => result(m, charged[i]!, inp, outages, explainedBy[i])), outages };
}

/** How long after a fault (its heal, or its predicted outage) a window may still be its doing. */
const SETTLE_MS = 2000;

/**
 * Which fault explains each window: among those in effect around it, one whose prediction expects
 * writes to stop; of several, the one combined with another (it carries the pair's prediction),
 * else the latest to take effect. A window only non-disruptive faults were around is charged to them.
 * @returns per fault, the indices of its windows
 */
function attribute(modelled: readonly Modelled[], windows: readonly Window[]): number[][] {
  const out: number[][] = modelled.map(() => []);
  windows.forEach((w, wi) => {
    const around = modelled
      .map((m, i) => ({ m, i }))
      .filter(({ m }) => {
        const healed = m.times.healed_ms ?? m.times.ended_ms;
        const reach = Math.max(healed, m.times.effective_ms + (m.prediction?.outage.hi_ms ?? 0)) + SETTLE_MS;
        return m.times.injected_ms - w.resolution_ms <= w.end_ms && w.start_ms <= reach;
      });
    if (around.length === 0) return;
    const disruptive = around.filter(({ m }) => m.model?.disrupts !== false && !m.absorbedBy);
    if (disruptive.length === 0) {
      for (const { i } of around) out[i]!.push(wi);
      return;
    }
    const combined = disruptive.find(({ m }) => m.combined && around.some(({ m: o }) => o === m.combined!.with));
    const chosen = combined ?? disruptive.reduce((a, b) => (b.m.times.effective_ms > a.m.times.effective_ms ? b : a));
    out[chosen.i]!.push(wi);
  });
  return out;
}

function within(iv: Interval, observed: number, slack: number): boolean {
  return iv.lo_ms - slack <= observed && observed <= iv.hi_ms + slack;
}

/** The instant each phase was seen in an outage, or null. */
function seenAt(o: OutagePhases | undefined, name: PhaseName): number | null {
  if (!o) return null;
  switch (name) {
    case 'detection':
      return o.leader_key_lost_ms;
    case 'promotion':
      return o.new_leader_promoted_ms;
    case 'routing':
      return o.haproxy_routes_ms;
    case 'first_write':
      return o.first_ack_ms;
  }
}

function result(m: Modelled, windowIdx: number[], inp: FaultInputs, outages: readonly OutagePhases[], explainedBy?: Modelled): FaultResult {
  const f = m.fault;
  const mine = windowIdx.map((i) => inp.windows[i]!);
  const longest = longestWindow(mine);
  const observed = longest?.duration_ms ?? 0;
  const outage = longest ? outages[inp.windows.indexOf(longest)] : undefined;
  const p = m.prediction;
  // The edges are known to the window's resolution: an observation that close to the interval is in it.
  const slack = longest?.resolution_ms ?? 0;
  const eff = m.times.effective_ms;
  const phases: PhaseResult[] = (p?.phases ?? [])
    .slice()
    .sort((a, b) => PHASES.indexOf(a.name) - PHASES.indexOf(b.name))
    .map((ph) => {
      const at = ph.name === 'detection' && m.model?.detection === 'writes_stop' ? (longest?.start_ms ?? null) : seenAt(outage, ph.name);
      const observed_ms = at === null ? null : round01(at - eff);
      return { name: ph.name, observed_ms, lo_ms: ph.lo_ms, hi_ms: ph.hi_ms, terms: ph.terms, within: observed_ms === null ? null : within(ph, observed_ms, slack) };
    });
  const ok = p ? within(p.outage, observed, slack) : null;
  const r: FaultResult = {
    step: f.event.step,
    fault: describe(f),
    kind: f.kind,
    target: f.event.target ?? '',
    nodes: f.event.nodes ?? [],
    roles: f.event.roles ?? [],
    scenario: (m.model?.scenario ?? 'other') as Scenario,
    disrupts: m.model?.disrupts ?? null,
    injected_ms: round01(f.start_ms),
    effective_ms: round01(eff),
    effective_source: m.source,
    healed_ms: f.heal_ms === null ? null : round01(f.heal_ms),
    predicted: p ? { lo_ms: p.outage.lo_ms, hi_ms: p.outage.hi_ms, terms: p.outage.terms } : null,
    observed_ms: observed,
    windows: windowIdx,
    within: ok,
    phases,
  };
  if (f.event.id !== undefined) r.id = f.event.id;
  if (m.combined) {
    const w = m.combined.with;
    r.combined_with = { fault: describe(w.fault), scenario: w.model!.scenario, story: m.combined.story, ...(w.fault.event.id !== undefined ? { id: w.fault.event.id } : {}) };
  }
  if (explainedBy) {
    r.explained_by = { fault: describe(explainedBy.fault), ...(explainedBy.fault.event.id !== undefined ? { id: explainedBy.fault.event.id } : {}) };
    r.within = null;
    for (const ph of r.phases) ph.within = null;
  } else if (!p) r.finding = 'no_model';
  else if (ok === false) r.finding = observed < p.outage.lo_ms ? 'faster' : 'slower';
  return r;
}

/**
 * The fault model: for each kind of fault on each kind of target, ONE entry saying what scenario it
 * is, which recorded instant it takes effect at, and the interval each phase of the write outage
 * (and the outage itself) should fall in, with the terms from the live settings. Analysis, report,
 * assertions, topology comparison and grader all ask this table; nothing else knows the rules.
 */
import type { KeepalivedSettings } from '../cluster/types.js';
import type { ClusterSettingsSnapshot, RunMeta } from '../history/types.js';
import { checkTimeoutMs } from '../cluster/config/haproxy.js';
import { ownCheck } from '../cluster/config/keepalived.js';
import { DEFAULT_OBSERVERS } from '../observe/options.js';
import { round01, seconds } from './format.js';

export type Scenario =
  | 'leader-stop'
  | 'leader-crash'
  | 'patroni-kill'
  | 'leader-pause'
  | 'leader-isolate'
  | 'replica'
  | 'etcd-quorum'
  | 'etcd-minority'
  | 'haproxy'
  | 'haproxy-vip'
  | 'keepalived'
  | 'haproxy-standby'
  | 'pgbouncer'
  | 'all-patroni'
  | 'switchover'
  | 'leader-dcs-cut'
  | 'leader-replicas-cut'
  | 'leader-degraded'
  | 'leader-starved'
  | 'etcd-degraded'
  | 'postgres-crash'
  | 'disk-full'
  | 'other';

/** One contribution to an interval: "ttl 20 s − loop_wait 2 s … ttl 20 s". */
export interface Term {
  label: string;
  lo_ms: number;
  hi_ms: number;
}

export interface Interval {
  lo_ms: number;
  hi_ms: number;
  terms: Term[];
}

/** Phases of a write outage, each an instant counted from the moment the fault took effect. */
export const PHASES = ['detection', 'promotion', 'routing', 'first_write'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface PhasePrediction extends Interval {
  name: PhaseName;
}

/** When the fault was injected, took effect and was healed (ms since t = 0). */
export interface FaultTimes {
  injected_ms: number;
  effective_ms: number;
  /** When the heal took effect; null if never within the run. */
  healed_ms: number | null;
  /** End of the run, for a fault never healed. */
  ended_ms: number;
}

/**
 * The cluster's own state around the fault, read from the node logs independently of the outcome:
 * what a forecast made at that moment would have used.
 */
export interface LiveState {
  /**
   * Starts of the lock holder's HA loops (Patroni's "Lock owner: X; I am X"), ms since t = 0, in order:
   * only of loops that end otherwise than in "no action" (one that fails, demotes or promotes), as
   * Patroni 4 logging at INFO drops the line when "no action" follows (log.py).
   */
  leader_loops_ms: readonly number[];
  /** Ends of the lock holder's HA loops that renewed its key ("no action. I am (X), the leader with the lock"), in order. */
  leader_renewals_ms: readonly number[];
  /** When a stopped PostgreSQL finished its shutdown ("database system is shut down"), if it did. */
  postgres_down_ms?: number;
  /**
   * When its shutdown checkpoint ended ("checkpoint complete:" after "checkpoint starting: shutdown"):
   * CreateCheckPoint writes DB_SHUTDOWNED to pg_control just before it logs that line.
   */
  shutdown_checkpoint_ms?: number;
  /**
   * The stopped leader's own requests to the members' REST APIs ("Got response from", "Request failed
   * to") after the effect: is_failover_possible in ha.py's _on_shutdown, which Patroni runs only when a
   * stop poll found pg_control "shut down" with the postmaster still counted running.
   */
  failover_checks_ms?: readonly number[];
  /** Starts of our observer's polls of the stopped node that waited out their timeout (history). */
  observer_hung_ms?: readonly number[];
  /** When etcd's leader, among the fault's targets, stepped down for want of a quorum, if it did. */
  etcd_leader_stepped_down_ms?: number;
}

export interface ModelContext {
  s: ClusterSettingsSnapshot;
  t: FaultTimes;
  keepalived: boolean;
  /** HAProxy nodes: each checks every member's REST API. */
  haproxy_nodes: number;
  live: LiveState;
  /** Whom a partition cut its target from (nothing for other faults). */
  cut: Cut;
  /** The fault's kind and the nodes it hit ("haproxy1", "haproxy1/keepalived"). */
  kind: string;
  targets: readonly string[];
}

export interface Prediction {
  /** The whole write outage's duration. [0, 0]: writes should not stop. */
  outage: Interval;
  phases: PhasePrediction[];
}

/**
 * Which recorded instant a fault takes effect at: the injection's end (the command returns once the
 * process is gone, the cgroup frozen), the first matching line in the targets' logs while the
 * injection ran (PostgreSQL's "received fast shutdown request"), or when etcd, left without a
 * majority, stopped renewing leases (its members' logs); without the line, the injection's begin.
 */
export type EffectiveRule =
  | { at: 'inject_end' }
  | { at: 'inject_begin' }
  | { at: 'log'; kind: 'postgres_shutdown' | 'postgres_panic' }
  | { at: 'etcd_leaderless' };

/** What a fault hit, as far as the write path is concerned. */
export type TargetClass = 'leader' | 'replica' | 'etcd_minority' | 'etcd_majority' | 'haproxy' | 'haproxy_backup' | 'keepalived' | 'pgbouncer' | 'all_patroni' | 'switchover';

/** What decides between entries of one kind on one target: the settings, and whom a partition cut. */
export interface WhenContext {
  s: ClusterSettingsSnapshot;
  keepalived: boolean;
  cut: Cut;
  /**
   * A node-level kill or pause reaches every process on the node (the local and Docker drivers, a
   * machine lost), not only its main service (the hosts driver's systemctl kill / freeze of one unit).
   */
  whole_node: boolean;
  kind: string;
}

/** The nodes a partition separated its target from, by kind. */
export interface Cut {
  /** The target lost a majority of etcd. */
  etcd_majority: boolean;
  patroni: number;
  haproxy: number;
}

export interface FaultModel {
  scenario: Scenario;
  target: TargetClass;
  /** Fault kinds the entry covers. */
  kinds: readonly string[];
  when?: (c: WhenContext) => boolean;
  effective: EffectiveRule;
  /** Whether writes are expected to stop at all. */
  disrupts: boolean;
  /**
   * What the detection phase is seen by: the observers losing the leader key (default), or the
   * writes stopping, when the phase is the leader's own demotion and its key outlives it.
   */
  detection?: 'key_lost' | 'writes_stop';
  predict: (c: ModelContext) => Prediction;
}

// --- allowances measured on this project's machines (2 cores, shared; Patroni 4.0.7, PostgreSQL 15) ---

/**
 * Leader key lock taken → Patroni's /primary answers 200 (pg_ctl promote, then the key updated
 * "during promote"): 27–274 ms from Patroni's "acquiring session lock" line to the observers in 55
 * promotions on this machine (2026-12-07, Patroni 3.0.2 and 4.0.7, quiet and under the suite).
 */
const PROMOTE: [number, number] = [0, 300];
/** Key released or expired → a replica has taken the lock: woken by its etcd watch, it asks its peers first. */
const TAKEOVER: [number, number] = [0, 800];
/** etcd checks lease expiry in rounds of 500 ms. */
const LEASE_ROUND_MS = 500;
/** SIGTERM → PostgreSQL's shutdown checkpoint → Patroni has checked the replicas and deleted the key. */
const GRACEFUL_RELEASE: [number, number] = [1000, 3000];
/**
 * Patroni's stop (postgresql/__init__.py _do_stop, 3.0.2 and 4.0.7) signals the postmaster, then
 * polls: `while postmaster.is_running(): pg_controldata; if "shut down": on_shutdown(); break;
 * sleep(STOP_POLLING_INTERVAL = 1 s)`. Poll k comes k × (1 s + one pg_controldata) after the signal,
 * which PostgreSQL logs a few ms late under load: poll 1 read pg_control before a checkpoint that ended
 * 0.991 s after the effect in one run, found a postmaster gone 1.041 s after it in another, and the
 * replies that follow poll 1 (+ 1 s) put it at most 1.2 s after the effect in 13 runs; poll 2 at
 * 2.0–2.4 s (4 runs, 2026-12-07). Hence poll k within k × 1 s − 30 ms … k × (1 s + 150 ms) + 50 ms.
 */
const STOP_POLL = { lo_ms: -30, per_poll_ms: [1000, 1150] as [number, number], hi_ms: 50 };
/**
 * A poll that finds the postmaster gone ends the loop; ha.py's shutdown() then reads pg_controldata
 * again (latest_checkpoint_location) and deletes the key.
 */
const AFTER_LAST_POLL: [number, number] = [20, 150];
/**
 * The slow path: the stopped leader's last reply from a replica (is_failover_possible) → the key
 * deleted (one etcd request). The replicas' requests that follow place the deletion 0.1–0.2 s after
 * the reply in the 15 such runs (2026-12-07); the observers saw it 0.08–0.27 s after in 11 of them.
 */
const AFTER_FAILOVER_CHECK: [number, number] = [0, 300];
/**
 * Key released → a replica has the lock, after a stop: woken by its watch, each replica asks every
 * member's REST API first (fetch_node_status, timeout 2 s). The old leader's API stopped accepting at
 * SIGTERM (Patroni._shutdown: api.shutdown() before ha.shutdown()) but listens until the process
 * exits, just after the key is deleted (touch_member): a request queued in its backlog is reset then.
 * Measured key lost (observers) → lock 0.21–0.61 s in 11 of the 46 leader-stop runs recorded on
 * 2026-12-07 (Patroni 3.0.2 and 4.0.7), so from the deletion (observers up to 0.2 s late) 0.2–0.65 s.
 */
const TAKEOVER_RESET: [number, number] = [200, 650];
/**
 * … or the backlog (request_queue_size 5: Linux queues 6) was full and the replica's SYN was dropped:
 * TCP retransmits it after 1 s, refused then. Measured key lost → lock 0.96–1.49 s in the other 34
 * of those runs (in the last, on a stalled host, the observers saw the key go 1.5 s after the lock);
 * from the deletion 1.0–1.5 s.
 */
const TAKEOVER_SYN: [number, number] = [1000, 1500];
/**
 * A replica asks every member it last saw (ha.py fetch_node_status: timeout=2, retries=0) before it
 * takes the lock, the old leader too: one that does not answer costs it the whole timeout.
 */
const FETCH_STATUS_TIMEOUT_MS = 2000;
/** fetch_node_status's timeout and the lock after it. */
const TAKEOVER_SYN_TIMEOUT = FETCH_STATUS_TIMEOUT_MS + 300;
/** Patroni's REST API listen backlog (api.py request_queue_size 5): Linux accepts while at most 5 wait. */
const BACKLOG = 5;
/** Two of our observer's polls that waited out its timeout one after the other. */
const BACK_TO_BACK_MS = DEFAULT_OBSERVERS.timeoutMs + DEFAULT_OBSERVERS.patroniMs;
/** Each HAProxy's two sections (primary, replicas: the layout this tool configures) check every server. */
const HAPROXY_SECTIONS = 2;
/**
 * "Demoting self (offline)" → the last write acknowledged: PostgreSQL's fast shutdown ends the
 * sessions at once (measured 0.03–0.2 s in 3 etcd-quorum-loss runs on lab 1, 2026-12-07).
 */
const DEMOTE_START: [number, number] = [0, 500];
/** An etcd member started → it answers and the quorum has a leader again (besides the election timeout). */
const ETCD_START: [number, number] = [100, 1500];
/**
 * Two etcd members started again → the one left running has its peers back ("established TCP
 * streaming connection", measured 0.23–0.26 s after the heal's end in 3 runs).
 */
const ETCD_BACK: [number, number] = [100, 600];
/**
 * The old leader takes its key back (its lease outlived the outage: etcd extends leases on a new
 * leader) and promotes: "promoted self … session lock" → ready for writes, measured 0.32–0.73 s.
 */
const REPROMOTE: [number, number] = [150, 900];
/** A client's next attempt after the path is open again: load interval, reconnect. */
const CLIENT: [number, number] = [0, 250];
/**
 * The VIP claimed by a backup while the old holder's HAProxy still serves it: the connections made
 * through the old holder are reset once clients follow the gratuitous ARP, and the next attempt
 * reconnects (measured 54–152 ms in 5 keepalived-kill runs, 2026-12-07, lab 5).
 */
const VIP_CLAIMED: [number, number] = [0, 400];

/**
 * A degraded path (lost packets, added latency) stalls some client operations without
 * stopping writes: a few in a row may time out (op_timeout 1 s) or wait for TCP to retransmit a lost
 * SYN (after 1 s, then 2 s). Not a measured allowance: the bound of those timers.
 */
const STALL: [number, number] = [0, 3000];
/**
 * A CPU quota on the leader's node (cpu-starve 5 %) → the first of HAProxy's checks of it that times
 * out begins. The check (OPTIONS /primary) runs a query in PostgreSQL, under the quota with the writes
 * and Patroni's HA loop: it still answers within `timeout check` until their backlog outgrows the
 * quota. Not derived: measured 0.5, 1.2 and 2.5 s in a first suite's 3 cpu-starved-leader runs and
 * 0.1…1.1, 0.7…1.7 and 5.2…6.2 s in a second's (2026-12-07, lab 5), so the bound is the largest seen.
 */
const STARVED_CHECKS_FAIL: [number, number] = [0, 6500];
/** The longest a client operation runs before it counts as failed (the load's op_timeout, 1 s). */
const OP_TIMEOUT_MS = 1000;
/**
 * PostgreSQL started again by Patroni on the same node after its pg_wal was freed, with crash
 * recovery (wal-disk-full: 8.1 s after the heal in one run). Wide: not yet measured as a term of its own.
 */
const RESTART: [number, number] = [1000, 12_000];
/**
 * The leader's HA loop that found its postmaster gone → PostgreSQL accepts connections again:
 * Patroni starts it ("starting primary after failure", 0.6–1.3 s to the postmaster's first line),
 * PostgreSQL syncs the whole data directory before crash recovery (recovery_init_sync_method fsync:
 * 0.1–3.4 s, with the machine's I/O), replays and checkpoints (0.1–1.8 s). Measured 0.89–6.47 s in
 * the 12 postgres-crash-leader runs recorded since the local driver reaps orphans at once (b6d190c;
 * 10.4–11.3 s in 3 before it, the killed postmaster left a zombie), 2026-12-07, labs 1 and 5.
 */
const CRASH_RESTART: [number, number] = [800, 8000];
/**
 * PANIC → PostgreSQL's own restart (restart_after_crash) has failed and the postmaster stopped: crash
 * recovery needs a new WAL segment to end on, and a full pg_wal has no room for it (measured
 * 0.81–0.99 s in 3 wal-disk-full runs).
 */
const OWN_RESTART_FAILS: [number, number] = [500, 1500];
/**
 * A replica whose WAL receiver lost the primary retries every wal_retrieve_retry_interval (PostgreSQL's
 * default 5 s, left as is) and may sit out the rest of one before it acts on a promote request
 * ("received promote request" → "redo done" 5.0 s later in one wal-disk-full run, at once in another).
 */
const RETRY_INTERVAL_WAIT: [number, number] = [0, 5000];
/** A killed node started again: Patroni, then PostgreSQL with crash recovery, then its key taken back. */
const NODE_START: [number, number] = [3000, 20_000];

// --- terms -----------------------------------------------------------------------------------------

const S = 1000;
const fixed = (label: string, [lo, hi]: [number, number]): Term => ({ label: `${label} ${seconds(lo)}…${seconds(hi)}`, lo_ms: lo, hi_ms: hi });
const exact = (label: string, ms: number): Term => ({ label: `${label} ${seconds(ms)}`, lo_ms: ms, hi_ms: ms });
const keyExpiry = (s: ClusterSettingsSnapshot): Term => ({
  label: `key expiry: ttl ${seconds(s.ttl * S)} − loop_wait ${seconds(s.loop_wait * S)} … ttl + lease round ${seconds(LEASE_ROUND_MS)}`,
  lo_ms: (s.ttl - s.loop_wait) * S,
  hi_ms: s.ttl * S + LEASE_ROUND_MS,
});
const pollAt = (k: number): [number, number] => [k * STOP_POLL.per_poll_ms[0] + STOP_POLL.lo_ms, k * STOP_POLL.per_poll_ms[1] + STOP_POLL.hi_ms];
/**
 * When the stopped leader deleted its key, from its own log. With its is_failover_possible lines (the
 * slow path: pg_control said "shut down" while the postmaster still counted as running, a zombie
 * until reaped; Patroni 4 sleeps 1 s first) just after the last of them. Without them, at the first
 * poll that found the postmaster gone: not before PostgreSQL logged "database system is shut down",
 * and no later than the first poll after its shutdown checkpoint ended (that poll, finding the
 * postmaster still there, would have taken the slow path). Without those lines: the measured allowance.
 */
const keyReleasedAfterStop = (t: FaultTimes, live: LiveState): Term => {
  const rel = (ms: number) => ms - t.effective_ms;
  const checks = live.failover_checks_ms ?? [];
  if (checks.length > 0) {
    const last = round01(rel(checks.at(-1)!));
    return {
      label: `key deleted after the old leader asked the replicas (is_failover_possible, its log ${seconds(last)}): + ${seconds(AFTER_FAILOVER_CHECK[0])} … ${seconds(AFTER_FAILOVER_CHECK[1])}`,
      lo_ms: round01(last + AFTER_FAILOVER_CHECK[0]),
      hi_ms: round01(last + AFTER_FAILOVER_CHECK[1]),
    };
  }
  if (live.postgres_down_ms === undefined) return fixed('shutdown and key release', GRACEFUL_RELEASE);
  const down = rel(live.postgres_down_ms);
  const checkpointed = live.shutdown_checkpoint_ms === undefined ? down : Math.min(down, rel(live.shutdown_checkpoint_ms));
  let first = 0;
  while (pollAt(first)[1] < down) first++;
  let last = first;
  while (pollAt(last)[0] <= down && pollAt(last)[0] <= checkpointed) last++;
  return {
    label: `key deleted at Patroni's stop poll ${first === last ? first : `${first} or ${last}`} (1-s polls; PostgreSQL shut down ${seconds(down)}, checkpoint ended ${seconds(checkpointed)}, its log) + pg_controldata and the delete: ${seconds(pollAt(first)[0] + AFTER_LAST_POLL[0])} … ${seconds(pollAt(last)[1] + AFTER_LAST_POLL[1])}`,
    lo_ms: round01(pollAt(first)[0] + AFTER_LAST_POLL[0]),
    hi_ms: round01(pollAt(last)[1] + AFTER_LAST_POLL[1]),
  };
};
/**
 * Whether the stopped leader's listen backlog is full when the replicas ask it, from what queued
 * there since its REST API stopped: HAProxy's checks (each section's next within `inter`, then one
 * per timeout check + inter while unanswered) and our observer's unanswered polls (history). Before
 * 2026-12-07 13:50 the observer sent GET /patroni and GET /cluster together at every poll, waited or
 * not; since then one request, and none while it is out, so polls that waited back to back are two
 * requests each. Room left for one more: reset at the exit. Full: a SYN retransmission, or refused
 * at once if a replica asks only after the exit, so either.
 */
const takeoverAfterStop = ({ s, t, live, haproxy_nodes: haproxyNodes }: ModelContext, released: Term): Term => {
  const reset = fixed("takeover: the request queued at the old leader's REST API is reset when it exits", TAKEOVER_RESET);
  // After the slow path Patroni waits for its postmaster to be reaped before it exits: the retransmitted
  // SYN may find the backlog still full, and fetch_node_status gives up at its 2-s timeout (both
  // replicas "Read timed out" 2.0 s after asking in one such run, lock 2.29 s after the reply).
  const slow = (live.failover_checks_ms ?? []).length > 0;
  const syn = slow
    ? fixed("takeover: the old leader's backlog full, the replica's SYN retransmitted after 1 s or its request timed out after 2 s", [TAKEOVER_SYN[0], TAKEOVER_SYN_TIMEOUT])
    : fixed("takeover: the old leader's backlog full, the replica's SYN retransmitted after 1 s", TAKEOVER_SYN);
  if (live.observer_hung_ms === undefined) return either([reset], [syn]);
  const hung = live.observer_hung_ms.map((h) => h - t.effective_ms);
  const backToBack = hung.length >= 2 && hung[1]! - hung[0]! < BACK_TO_BACK_MS;
  const every = unansweredChecks(s);
  // The latest the replicas ask: every check and poll begun by then is queued.
  const at = released.hi_ms;
  const haproxy = haproxyNodes * HAPROXY_SECTIONS * (Math.floor(at / every) + 1);
  const observers = hung.filter((h) => h <= at).length * (backToBack ? 2 : 1);
  if (haproxy + observers <= BACKLOG) {
    return { ...reset, label: `${reset.label} (queued by then: HAProxy ≤ ${haproxy}, our observer ${observers}; room for ${BACKLOG + 1})` };
  }
  return either([reset], [syn]);
};
/** Two ways a fault can play out, decided by a race after it took effect: the interval covers both. */
const either = (a: Term[], b: Term[]): Term => {
  const [x, y] = [sumTerms(a), sumTerms(b)];
  const say = (terms: Term[]) => terms.map((t) => t.label).join(' + ');
  return { label: `either (${say(a)}) or (${say(b)})`, lo_ms: Math.min(x.lo_ms, y.lo_ms), hi_ms: Math.max(x.hi_ms, y.hi_ms) };
};
const nextLoop = (s: ClusterSettingsSnapshot): Term => ({ label: `next HA loop: 0 … loop_wait ${seconds(s.loop_wait * S)}`, lo_ms: 0, hi_ms: s.loop_wait * S });
/**
 * When Patroni's Retry around the lease renewal gives up (utils.Retry with etcd.py's timeouts), for
 * a quorum lost by stopping members: the member left running answers nothing, the stopped ones refuse
 * at once. The first try waits retry_timeout / 3 on it; after each failure Retry sleeps its delay
 * (0.1 s, doubling, at most 1 s) plus a jitter of 0…0.8 s, and the next try shares what is left of the
 * deadline among the members that get at least 1 s each (the one left running may or may not be
 * among them); when none fits it gives up. Bounds over every jitter, in ms after the loop began.
 */
export function renewalGivesUp(retryTimeoutS: number): [number, number] {
  const R = retryTimeoutS;
  const JITTER = [0, 0.2, 0.4, 0.6, 0.8];
  let lo = Infinity;
  let hi = 0;
  const walk = (elapsed: number, delay: number, depth: number): void => {
    for (const j of JITTER) {
      const sleep = delay + j;
      const left = R - sleep - elapsed;
      let n = 3;
      while (n > 0 && left / n < 1) n--;
      if (n === 0 || depth > 8) {
        lo = Math.min(lo, elapsed);
        hi = Math.max(hi, elapsed);
        continue;
      }
      const next = Math.min(2 * delay, 1);
      walk(elapsed + sleep + left / n, next, depth + 1);
      // With fewer than three members tried, the one that hangs can be left out: the try fails at once.
      if (n < 3) walk(elapsed + sleep, next, depth + 1);
    }
  };
  walk(R / 3, 0.1, 0);
  return [Math.round(lo * 1000), Math.round(hi * 1000)];
}

/**
 * The lease renewal retried until Retry gives up (renewalGivesUp: retry_timeout 9 s gives up 6.5…9 s
 * after the loop began; measured 7.0, 7.5, 9.0 and 9.1 s on lab 1), plus 0.2 s of requests refused and
 * logged along the way.
 */
const retryFails = (s: ClusterSettingsSnapshot): Term => {
  const [lo, hi] = renewalGivesUp(s.retry_timeout);
  return { label: `key renewal retried until Patroni's Retry gives up: ${seconds(lo)} … ${seconds(hi)} + 0.2 s (retry_timeout ${seconds(s.retry_timeout * S)}, jitter)`, lo_ms: lo, hi_ms: hi + 200 };
};
/**
 * When the renewal gives up for a leader cut from every etcd member (its packets dropped, nothing
 * refused), without a Retry sleep, so without jitter: the keepalive waits retry_timeout / 3 on the
 * member its connection is open to, then a connect timeout, max(1 s, retry_timeout / 6), on each of
 * the two others; with all three failed, etcd.py's api_execute asks the three for the member list, a
 * connect timeout each, and only then finds the deadline passed. 10.5 s with retry_timeout 9 s:
 * measured 10.516–10.523 s from the "Lock owner" line to "Error communicating with DCS" in all 6 cuts of 3
 * leader-dcs-partition runs (the quorum-loss bound, retryFails, ends at 9.2 s). Plus 0.2 s for the host.
 */
const cutRenewalGivesUp = (s: ClusterSettingsSnapshot): Term => {
  const read = (s.retry_timeout * S) / 3;
  const connect = Math.max(S, read / 2);
  const at = round01(read + 5 * connect);
  return { label: `key renewal across the cut gives up: retry_timeout / 3 ${seconds(read)} + 5 × connect timeout ${seconds(connect)} … + 0.2 s`, lo_ms: at, hi_ms: at + 200 };
};
/**
 * The first of the leader's HA loops whose renewal can fail starts after etcd's member lost its leader
 * (a leader without quorum still renews leases locally until it steps down). Its log says when.
 * Without the log: the loop in progress may still spend one try on its /status write (retry_timeout / 3)
 * and, more than loop_wait after its renewal, retry the lease in touch_member for a whole retry_timeout
 * (this is why the demotion came at 9–12 s in some runs and 18.7–28.6 s in others).
 */
const firstFailingLoop = (s: ClusterSettingsSnapshot, t: FaultTimes, live: LiveState, after = 'etcd lost its leader', since = t.effective_ms): Term => {
  // Patroni 4 logs a loop's start only when it does not end in "no action", so a loop that hangs on
  // etcd until it demotes may leave none: the next logged start can be the promotion after the heal.
  const loops = live.leader_loops_ms.filter((l) => l < (t.healed_ms ?? Infinity));
  const at = loops.find((l) => l >= t.effective_ms);
  // A fault that takes effect during its injection (rules going in one by one, the effect counted
  // at the end) can already fail a loop that began while it was injected (seen in a split: a loop
  // logged 84 ms before the injection returned demoted 10.5 s later).
  const prev = loops.filter((l) => l >= since && l < t.effective_ms).at(-1);
  if (prev !== undefined) {
    const lo = round01(prev - t.effective_ms);
    const hi = at === undefined ? lo : round01(at - t.effective_ms);
    return { label: `leader's HA loop begun while ${after} went in (${seconds(lo)}) … the next one (Patroni log)`, lo_ms: lo, hi_ms: hi };
  }
  if (at !== undefined) return exact(`leader's first HA loop after ${after} (Patroni log)`, round01(at - t.effective_ms));
  const hi = s.loop_wait * S + (s.retry_timeout * S) / 3 + s.retry_timeout * S;
  return { label: `leader's next HA loop, not in the logs: 0 … loop_wait + retry_timeout / 3 + retry_timeout ${seconds(hi)}`, lo_ms: 0, hi_ms: hi };
};
/**
 * The leader's key expires ttl after its last renewal, in the last of its loops that logged "no
 * action" as the leader before the fault took effect: after that loop began, at most loop_wait before
 * the next one (logged, as it failed), and before its line; etcd checks expiry in rounds of 500 ms.
 * Not the loop begun while the fault went in: its renewal never got through (in 3 leader-dcs-partition
 * runs the key expired ttl after the loop before it, 1.9 s earlier). Else within loop_wait before it.
 */
const keyExpiryAfterLastRenewal = (s: ClusterSettingsSnapshot, t: FaultTimes, live: LiveState): Term => {
  const renewed = live.leader_renewals_ms.filter((l) => l < t.effective_ms).at(-1);
  if (renewed === undefined || t.effective_ms - renewed > s.loop_wait * S * 3) return keyExpiry(s);
  const next = live.leader_loops_ms.find((l) => l > renewed);
  const began = Math.min(renewed, (next ?? renewed) - s.loop_wait * S);
  return {
    label: `key expiry: leader's last renewal, in the loop begun after ${seconds(began - t.effective_ms)} that logged it at ${seconds(renewed - t.effective_ms)} (Patroni log), + ttl ${seconds(s.ttl * S)} … + lease round ${seconds(LEASE_ROUND_MS)}`,
    lo_ms: round01(began - t.effective_ms + s.ttl * S),
    hi_ms: round01(renewed - t.effective_ms + s.ttl * S + LEASE_ROUND_MS),
  };
};
/**
 * When etcd's leader was cut off with the Patroni leader (a split), the majority elects another once
 * its randomized election timeout (election … 2 × election after the last heartbeat) runs out, and
 * that one's lessor, promoted, restarts every lease in full: ttl plus an election timeout from then
 * (etcd's Promote; remaining TTLs are not checkpointed), so the last renewal no longer counts. The cut
 * went in during the injection, election … 2 × election before the old etcd leader stepped down (its
 * checkQuorum runs every election timeout; etcd log).
 */
const leaseRestarted = (s: ClusterSettingsSnapshot, t: FaultTimes, steppedDown: number): Term => {
  const e = s.etcd?.election_ms ?? 1000;
  const hb = s.etcd?.heartbeat_ms ?? 100;
  const cutLo = Math.max(t.injected_ms, steppedDown - 2 * e);
  const cutHi = Math.min(t.effective_ms, steppedDown - e);
  return {
    label: `key expiry: etcd's leader cut off (stepped down ${seconds(steppedDown - t.effective_ms)}, etcd log), cut ${seconds(cutLo - t.effective_ms)} … ${seconds(cutHi - t.effective_ms)} + new etcd leader: election − heartbeat ${seconds(e - hb)} … 2 × election ${seconds(2 * e)} + lease restarted: election ${seconds(e)} + ttl ${seconds(s.ttl * S)} … + lease round ${seconds(LEASE_ROUND_MS)}`,
    lo_ms: round01(cutLo - t.effective_ms + e - hb + e + s.ttl * S),
    hi_ms: round01(cutHi - t.effective_ms + 2 * e + e + s.ttl * S + LEASE_ROUND_MS),
  };
};

/**
 * When the quorum is back the old leader's HA loop may still be inside its Retry: a request sent
 * before runs out (retry_timeout / 3 per member), a member just restarted may not answer the next
 * one either, and the token of etcd's auth is refreshed, all within the deadline of the loop in
 * progress (retry_timeout after it began, Patroni log). Seen: promoted 4.5 s after the quorum was
 * back, 3.7 s after a loop began 3.7 s before it (retry_timeout 9 s).
 */
const inFlight = (s: ClusterSettingsSnapshot, t: FaultTimes, live: LiveState): Term => {
  const back = t.healed_ms ?? t.ended_ms;
  const loop = live.leader_loops_ms.filter((l) => l <= back).at(-1);
  const third = round01((s.retry_timeout * S) / 3);
  if (loop === undefined || back - loop > s.retry_timeout * S) {
    return { label: `the leader's request in flight runs out: 0 … retry_timeout / 3 ${seconds(third)}`, lo_ms: 0, hi_ms: third };
  }
  const left = round01(loop + s.retry_timeout * S - back);
  return {
    label: `the leader's loop in progress (began ${seconds(back - loop)} before, Patroni log) retries until it succeeds: 0 … its deadline, retry_timeout ${seconds(s.retry_timeout * S)} after it began (${seconds(Math.max(left, third))})`,
    lo_ms: 0,
    hi_ms: Math.max(left, third),
  };
};
/**
 * A check that times out is followed `inter` later: checks of a server that does not answer come
 * timeout check + inter apart (1.0 s between "UP 1/2" and DOWN in 3 cpu-starved-leader runs).
 */
const unansweredChecks = (s: ClusterSettingsSnapshot): number => checkTimeoutMs(s.haproxy) + s.haproxy.inter_ms;
/** A DOWN server needs `rise` good checks, the first within one `inter`. */
const riseTerm = (s: ClusterSettingsSnapshot): Term => ({
  label: `HAProxy rise: (rise ${s.haproxy.rise} − 1) … rise × inter ${seconds(s.haproxy.inter_ms)}`,
  lo_ms: (s.haproxy.rise - 1) * s.haproxy.inter_ms,
  hi_ms: s.haproxy.rise * s.haproxy.inter_ms,
});
/**
 * A restarted HAProxy checks at once; the write port opens when exactly one server is up, which can
 * take up to `fall` checks to take the replicas out (measured: 0.1–0.5 s with inter 0.5 s, fall 2).
 */
const fallTerm = (s: ClusterSettingsSnapshot): Term => ({
  label: `HAProxy restart: 0 … fall ${s.haproxy.fall} × inter ${seconds(s.haproxy.inter_ms)}`,
  lo_ms: 0,
  hi_ms: s.haproxy.fall * s.haproxy.inter_ms,
});
const electionTerm = (s: ClusterSettingsSnapshot): Term => {
  const e = s.etcd?.election_ms ?? 1000;
  return { label: `etcd start ${seconds(ETCD_START[0])}…${seconds(ETCD_START[1])} + election 0 … ${seconds(e)}`, lo_ms: ETCD_START[0], hi_ms: ETCD_START[1] + e };
};
/** keepalived as the run recorded it; runs recorded before its check was kept had this tool's own. */
const vrrpOf = (s: ClusterSettingsSnapshot) => {
  const k = s.keepalived ?? { advert_int_ms: 1000, nopreempt: true };
  return { advert: k.advert_int_ms, nopreempt: k.nopreempt, check: k.check === undefined ? ownCheck(k.advert_int_ms) : k.check, priorities: k.priorities };
};
/** The HAProxy nodes that may take the VIP over: those with a VRRP priority the fault did not hit. */
const backupsOf = (s: ClusterSettingsSnapshot, targets: readonly string[]): Array<[string, number]> => {
  const hit = new Set(targets.map((t) => t.split('/')[0]));
  return Object.entries(vrrpOf(s).priorities ?? {}).filter(([node]) => !hit.has(node));
};
/**
 * A backup told to take over (a priority-0 advertisement) does so after its Skew_Time,
 * (256 − priority) / 256 × advert_int (RFC 5798 6.4.2); the highest priority goes first. Without the
 * priorities, anything from 0 to advert_int.
 */
const skewTerm = (s: ClusterSettingsSnapshot, targets: readonly string[]): Term => {
  const { advert } = vrrpOf(s);
  const backups = backupsOf(s, targets);
  if (backups.length === 0) return { label: `the backup's skew: 0 … advert_int ${seconds(advert)} (priorities not known)`, lo_ms: 0, hi_ms: advert };
  const [node, priority] = backups.reduce((a, b) => (b[1] > a[1] ? b : a));
  const skew = round01(((256 - priority) / 256) * advert);
  return exact(`the backup (${node}, priority ${priority}) takes over after its skew, (256 − ${priority}) / 256 × advert_int`, skew);
};
/**
 * keepalived's check of its HAProxy fails `fall` runs in a row: the next run comes within one
 * interval, and a run against a frozen HAProxy fails only when its timeout runs out.
 */
const checkFailsTerm = (check: NonNullable<KeepalivedSettings['check']>, hangs: boolean): Term => {
  const wait = hangs ? check.timeout_ms : 0;
  return {
    label: `keepalived's check of HAProxy fails: next run 0 … interval ${seconds(check.interval_ms)}${check.fall > 1 ? ` + ${check.fall - 1} more` : ''}${hangs ? ` + its timeout ${seconds(wait)} (HAProxy frozen)` : ''}`,
    lo_ms: (check.fall - 1) * check.interval_ms + wait,
    hi_ms: check.fall * check.interval_ms + wait,
  };
};
/**
 * When keepalived on the VIP holder sees its HAProxy gone, how the VIP moves. Weight 0: the
 * instance enters FAULT, advertises priority 0 and the backup takes over after its skew (measured:
 * outages of 0.94–1.57 s in 10 runs, check every 1 s, skew 0.6 s). A weight only changes priorities:
 * a backup that now outranks the holder takes over at the holder's next advertisement, unless
 * nopreempt keeps it from preempting; without a check nothing moves. Null: the VIP stays.
 */
const vipMovesAfterCheck = (s: ClusterSettingsSnapshot, targets: readonly string[], hangs: boolean): Term[] | null => {
  const { advert, nopreempt, check, priorities } = vrrpOf(s);
  if (check === null) return null;
  const fails = checkFailsTerm(check, hangs);
  if (check.weight === 0) return [fails, skewTerm(s, targets)];
  if (nopreempt) return null;
  const holder = priorities?.[targets[0]?.split('/')[0] ?? ''];
  const backups = backupsOf(s, targets);
  const next: Term = { label: `taken over at the holder's next advertisement, 0 … advert_int ${seconds(advert)}`, lo_ms: 0, hi_ms: advert };
  if (holder === undefined || backups.length === 0) return [fails, { ...next, label: `${next.label} (if a backup now outranks it: priorities not known)` }];
  // A positive weight is a bonus for a passing check, a negative one a penalty for a failing one.
  const after = check.weight > 0 ? holder : holder + check.weight;
  const best = Math.max(...backups.map(([, p]) => p + Math.max(0, check.weight)));
  if (best <= after) return null;
  return [fails, { ...next, label: `the holder's priority ${after} is now below a backup's ${best}: ${next.label}` }];
};
/**
 * A silent holder (cut off, its node frozen, its keepalived killed): the backup takes over once
 * Master_Down_Interval, 3 × advert_int + skew, has passed since the last advertisement it heard,
 * which came within one advert_int before the fault.
 */
const masterDownTerm = (s: ClusterSettingsSnapshot, targets: readonly string[]): Term => {
  const { advert } = vrrpOf(s);
  const skew = skewTerm(s, targets);
  return {
    label: `the backup hears no advertisement for 3 × advert_int ${seconds(advert)} + skew (${skew.label}), counted from the last one, 0 … advert_int before`,
    lo_ms: 2 * advert + skew.lo_ms,
    hi_ms: 3 * advert + skew.hi_ms,
  };
};

export function sumTerms(terms: readonly Term[]): Interval {
  return {
    lo_ms: round01(terms.reduce((n, t) => n + t.lo_ms, 0)),
    hi_ms: round01(terms.reduce((n, t) => n + t.hi_ms, 0)),
    terms: [...terms],
  };
}

/** Phases as running sums: each phase's instant is the previous one's plus its own terms. */
function chain(steps: ReadonlyArray<[PhaseName, Term[]]>, base: Term[] = []): PhasePrediction[] {
  const acc: Term[] = [...base];
  return steps.map(([name, terms]) => {
    acc.push(...terms);
    return { name, ...sumTerms(acc) };
  });
}

const noOutage = (why: string): Prediction => ({ outage: { lo_ms: 0, hi_ms: 0, terms: [exact(`none: ${why}`, 0)] }, phases: [] });

/** The outage is the last phase's instant, counted from when writes stopped (`start`, relative to the effect). */
function outageOf(phases: PhasePrediction[], start: Term[] = []): Interval {
  const last = phases.at(-1)!;
  const negate = start.map((t) => ({ label: `− (${t.label})`, lo_ms: -t.hi_ms, hi_ms: -t.lo_ms }));
  const sum = sumTerms([...last.terms, ...negate]);
  // Writes that stop only after they came back elsewhere (a leader demoting after its successor
  // promoted) make no outage, but two primaries for a while: a duration is never below 0.
  return { ...sum, lo_ms: Math.max(0, sum.lo_ms), hi_ms: Math.max(0, sum.hi_ms) };
}

/** From the lock taken to the first acknowledged write. */
const afterLock = (s: ClusterSettingsSnapshot): Array<[PhaseName, Term[]]> => [
  ['promotion', [fixed('promotion', PROMOTE)]],
  ['routing', [riseTerm(s)]],
  ['first_write', [fixed('client retry', CLIENT)]],
];

/**
 * The leader gone without a word: its key expires, a replica takes it. A killed node's ports refuse
 * at once; a paused or cut-off one answers nothing, and the replica's request to it waits out its
 * timeout (key lost → lock 1.98–2.20 s in all 31 leader-pause, leader-freeze and leader-isolation runs
 * recorded on 2026-12-07, 0.00–0.46 s in the 21 leader-crash and patroni-kill9 runs).
 */
const crashLike =
  (answers: 'refused' | 'silent') =>
  ({ s }: ModelContext): Prediction => {
    const silent = answers === 'silent' ? [exact("the old leader's REST API does not answer: the replica's request times out", FETCH_STATUS_TIMEOUT_MS)] : [];
    const phases = chain([['detection', [keyExpiry(s)]], ...afterLock(s).map(([n, t]): [PhaseName, Term[]] => (n === 'promotion' ? [n, [fixed('takeover', TAKEOVER), ...silent, ...t]] : [n, t]))]);
    return { outage: outageOf(phases), phases };
  };

const heldFor = (t: FaultTimes): number => Math.max(0, (t.healed_ms ?? t.ended_ms) - t.effective_ms);

/** Writes are out until the VIP has moved to a serving HAProxy and a client tries again. */
const vipMoved = (moves: Term[]): Prediction => {
  const phases = chain([
    ['routing', moves],
    ['first_write', [fixed('client retry', CLIENT)]],
  ]);
  return { outage: outageOf(phases), phases };
};
/** The only way in is down until it is back and its checks have taken the replicas out. */
const haproxyBack = (s: ClusterSettingsSnapshot, t: FaultTimes, down: string): PhasePrediction[] =>
  chain([
    ['routing', [exact(down, heldFor(t)), fallTerm(s)]],
    ['first_write', [fixed('client retry', CLIENT)]],
  ]);
/** keepalived leaves the VIP with a dead HAProxy: clients are cut off until it is back, as with one HAProxy. */
const vipStays = (s: ClusterSettingsSnapshot, t: FaultTimes): Prediction => {
  const phases = haproxyBack(s, t, "the VIP stays with the dead HAProxy (keepalived's check does not give it up): HAProxy down for");
  return { outage: outageOf(phases), phases };
};

const LOSE_A_NODE = ['stop', 'kill', 'pause', 'isolate'] as const;
const DEGRADE = ['loss', 'delay', 'bandwidth', 'cpu-starve'] as const;

/** The table. The first entry that matches (target class, kind, when) is the fault's model. */
export const MODEL: readonly FaultModel[] = [
  {
    scenario: 'replica',
    target: 'replica',
    kinds: [...LOSE_A_NODE, 'kill-patroni', ...DEGRADE, 'partition', 'postgres-crash', 'replay-pause', 'disk-full', 'disk-slow'],
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('writes do not wait for an asynchronous replica'),
  },
  {
    scenario: 'etcd-minority',
    target: 'etcd_minority',
    kinds: LOSE_A_NODE,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('etcd keeps its majority'),
  },
  {
    scenario: 'leader-stop',
    target: 'leader',
    kinds: ['stop'],
    effective: { at: 'log', kind: 'postgres_shutdown' },
    disrupts: true,
    predict: (c) => {
      const { s, t, live } = c;
      const released = keyReleasedAfterStop(t, live);
      const phases = chain([
        ['detection', [released]],
        ['promotion', [takeoverAfterStop(c, released), fixed('promotion', PROMOTE)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
  { scenario: 'leader-crash', target: 'leader', kinds: ['kill'], effective: { at: 'inject_end' }, disrupts: true, predict: crashLike('refused') },
  { scenario: 'patroni-kill', target: 'leader', kinds: ['kill-patroni'], effective: { at: 'inject_end' }, disrupts: true, predict: crashLike('refused') },
  {
    scenario: 'leader-pause',
    target: 'leader',
    kinds: ['pause'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: (c) => {
      const p = crashLike('silent')(c);
      // Resumed before its key expired, the leader simply carries on.
      const held = heldFor(c.t);
      if (held >= p.phases[0]!.lo_ms) return p;
      const phases = chain([['first_write', [exact('paused for', held), fixed('client retry', CLIENT)]]]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'leader-isolate',
    target: 'leader',
    kinds: ['isolate'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: crashLike('silent'),
  },
  {
    scenario: 'etcd-quorum',
    target: 'etcd_majority',
    kinds: LOSE_A_NODE,
    when: ({ s }) => !s.failsafe_mode,
    // The stopped members keep voting while they shut down: a stopped etcd leader first tries to hand
    // its leadership over, and left raft 7.0 s after the stop began in the 2 of 20 recorded runs where
    // it was the one the member left running lost last. A leader left alone renews leases until its
    // check-quorum steps it down, 1.0–1.9 s after its second peer was lost in the other 18.
    effective: { at: 'etcd_leaderless' },
    disrupts: true,
    detection: 'writes_stop',
    predict: ({ s, t, live }) => {
      // Writes stop when the leader demotes (the first HA loop that cannot renew its key gives up after
      // retry_timeout) and come back once the quorum is, the leader's request in flight has run out,
      // it has taken its key back and promoted, and HAProxy has seen it.
      const stop = [firstFailingLoop(s, t, live), retryFails(s), fixed('demotion starts', DEMOTE_START)];
      const phases = chain([
        ['promotion', [exact('quorum lost for', heldFor(t)), fixed('etcd members back', ETCD_BACK), inFlight(s, t, live), fixed('key taken back and promotion', REPROMOTE)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases, stop), phases: [{ name: 'detection', ...sumTerms(stop) }, ...phases] };
    },
  },
  {
    scenario: 'etcd-quorum',
    target: 'etcd_majority',
    kinds: LOSE_A_NODE,
    when: ({ s }) => s.failsafe_mode,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('failsafe_mode keeps the leader while it reaches every member'),
  },
  {
    scenario: 'etcd-degraded',
    target: 'etcd_majority',
    kinds: DEGRADE,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage("PostgreSQL's writes do not go through etcd, and a slower etcd still renews the key well within ttl"),
  },
  {
    scenario: 'etcd-degraded',
    target: 'etcd_minority',
    kinds: DEGRADE,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage("PostgreSQL's writes do not go through etcd, and the majority answers at full speed"),
  },
  {
    scenario: 'leader-dcs-cut',
    target: 'leader',
    kinds: ['partition'],
    when: ({ s, cut }) => cut.etcd_majority && !s.failsafe_mode,
    effective: { at: 'inject_end' },
    disrupts: true,
    detection: 'writes_stop',
    predict: ({ s, t, live, cut }) => {
      // The leader alone loses etcd: it demotes when its first HA loop that cannot renew gives up
      // (later than in a quorum loss: every request waits out a timeout), while a replica, which
      // still reaches etcd, takes the key once it expires, ttl after the leader's last renewal. With
      // synchronous replication and the standbys on the other side (a split), its commits wait from
      // the cut between them on, a rule that goes in at some point of the injection.
      const stop =
        s.synchronous_mode && cut.patroni > 0
          ? [{ label: 'commits wait for the synchronous standby from the cut, during the injection', lo_ms: round01(t.injected_ms - t.effective_ms), hi_ms: 0 }]
          : [firstFailingLoop(s, t, live, 'the cut', t.injected_ms), cutRenewalGivesUp(s), fixed('demotion starts', DEMOTE_START)];
      // Across the cut, whose rules DROP, the old leader's REST API never answers the replica.
      const unanswered = cut.patroni > 0 ? [exact("the old leader's REST API across the cut: its timeout", FETCH_STATUS_TIMEOUT_MS)] : [];
      const expiry = live.etcd_leader_stepped_down_ms === undefined ? keyExpiryAfterLastRenewal(s, t, live) : leaseRestarted(s, t, live.etcd_leader_stepped_down_ms);
      const phases = chain([
        ['promotion', [expiry, fixed('takeover', TAKEOVER), ...unanswered, fixed('promotion', PROMOTE)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases, stop), phases: [{ name: 'detection', ...sumTerms(stop) }, ...phases] };
    },
  },
  {
    scenario: 'leader-dcs-cut',
    target: 'leader',
    kinds: ['partition'],
    when: ({ s, cut }) => cut.etcd_majority && s.failsafe_mode && cut.patroni === 0,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('failsafe_mode: the leader still reaches every member over the REST API and keeps its role'),
  },
  {
    scenario: 'leader-replicas-cut',
    target: 'leader',
    kinds: ['partition'],
    when: ({ cut }) => !cut.etcd_majority && cut.haproxy === 0,
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('the leader still renews its key, and writes do not wait for asynchronous replicas'),
  },
  {
    scenario: 'leader-starved',
    target: 'leader',
    kinds: ['cpu-starve'],
    effective: { at: 'inject_end' },
    disrupts: true,
    detection: 'writes_stop',
    predict: ({ s, t }) => {
      // The leader keeps its key (its HA loop overruns loop_wait but renews within ttl), but HAProxy
      // takes it out: its check stops answering within `timeout check`, `fall` of them in a row mark it
      // DOWN, the sessions are cut (on-marked-down shutdown-sessions) and the write port refuses new
      // ones. A check that still makes it under the quota puts it back for a moment, but no connection
      // opens there within the client's 1 s (a backend's start is starved too): writes come back only
      // once the quota is lifted, at HAProxy's next check. No routing phase for that reason.
      const timeout = checkTimeoutMs(s.haproxy);
      const fall = s.haproxy.fall;
      const stop = [
        fixed("the first of HAProxy's checks to time out begins", STARVED_CHECKS_FAIL),
        exact(`HAProxy marks it DOWN: timeout check ${seconds(timeout)} + (fall ${fall} − 1) × (timeout check + inter ${seconds(s.haproxy.inter_ms)})`, timeout + (fall - 1) * unansweredChecks(s)),
        { label: `the writes cut there had begun up to op_timeout ${seconds(OP_TIMEOUT_MS)} before: −${seconds(OP_TIMEOUT_MS)} … 0`, lo_ms: -OP_TIMEOUT_MS, hi_ms: 0 },
      ];
      const phases = chain([
        [
          'first_write',
          [
            exact('CPU quota held for', heldFor(t)),
            fixed(
              `HAProxy's next check begins within timeout check + inter and answers within timeout check, then (rise ${s.haproxy.rise} − 1) × inter`,
              [0, unansweredChecks(s) + timeout + (s.haproxy.rise - 1) * s.haproxy.inter_ms],
            ),
            fixed('a write on a new connection to the node working off its backlog: 0 … op_timeout', [0, OP_TIMEOUT_MS]),
          ],
        ],
      ]);
      return { outage: outageOf(phases, stop), phases: [{ name: 'detection', ...sumTerms(stop) }, ...phases] };
    },
  },
  {
    scenario: 'leader-degraded',
    target: 'leader',
    // A slow WAL disk is a degraded path too: each commit waits on its throttled flush, the key is still renewed.
    kinds: ['loss', 'delay', 'bandwidth', 'disk-slow'],
    effective: { at: 'inject_end' },
    disrupts: false,
    // Bounded, not zero: a degraded path stalls operations without a failover (the key is renewed within ttl).
    predict: () => {
      const phases = chain([['first_write', [fixed('operations stalled by timeouts and retransmissions', STALL)]]]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'postgres-crash',
    target: 'leader',
    kinds: ['postgres-crash'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, t, live }) => {
      // Patroni still holds the key: its next HA loop finds PostgreSQL gone and starts it as the primary.
      const loop = live.leader_loops_ms.find((l) => l >= t.effective_ms && l <= t.effective_ms + s.loop_wait * S + 1000);
      const found = loop === undefined ? nextLoop(s) : exact("leader's next HA loop, which finds PostgreSQL gone (Patroni log)", round01(loop - t.effective_ms));
      const phases = chain([
        ['promotion', [found, fixed('PostgreSQL started again: data directory synced, crash recovery, checkpoint', CRASH_RESTART)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'disk-full',
    target: 'leader',
    kinds: ['disk-full'],
    // PostgreSQL PANICs at the segment switch the injection forces, before the injection returns.
    effective: { at: 'log', kind: 'postgres_panic' },
    disrupts: true,
    predict: ({ s, t }) => {
      // PostgreSQL restarts itself and fails; what Patroni does next turns on a race of a few hundred ms.
      // Its loop finds PostgreSQL stopped: it starts it as the primary ("starting primary after
      // failure"), which fails too, and the next loop deletes the key ("removed leader key after trying
      // and failing to start postgres"): a replica promotes, pg_wal still full (2 of 3 runs).
      const released = [
        fixed("PostgreSQL's own restart fails", OWN_RESTART_FAILS),
        nextLoop(s),
        fixed('the start as primary fails, the next loop deletes the key', [s.loop_wait * S, s.loop_wait * S + 500]),
        fixed('takeover', TAKEOVER),
        fixed("the replica's WAL retry wait", RETRY_INTERVAL_WAIT),
        fixed('promotion', PROMOTE),
      ];
      // Its loop caught PostgreSQL still recovering (pg_isready: rejecting connections) and took it for
      // starting: it then recovers it and starts it read-only, which needs no new segment, so it keeps
      // the key and every promotion fails for want of room until the space is freed (1 of 3).
      const held = [exact('pg_wal full for', heldFor(t)), nextLoop(s), fixed('start with crash recovery', RESTART)];
      const phases = chain([
        ['promotion', [either(released, held)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'haproxy',
    target: 'haproxy',
    kinds: LOSE_A_NODE,
    when: ({ keepalived }) => !keepalived,
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, t }) => {
      const stopping = exact('stopping took', Math.max(0, t.effective_ms - t.injected_ms));
      const phases = haproxyBack(s, t, 'HAProxy down for');
      return { outage: sumTerms([...phases.at(-1)!.terms, { ...stopping, lo_ms: 0 }]), phases };
    },
  },
  {
    scenario: 'haproxy-vip',
    target: 'haproxy',
    kinds: ['kill', 'pause', 'isolate'],
    // The holder falls silent: cut off, or keepalived gone down with its node.
    when: ({ keepalived, whole_node, kind }) => keepalived && (whole_node || kind === 'isolate'),
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, targets }) => vipMoved([masterDownTerm(s, targets)]),
  },
  {
    scenario: 'haproxy-vip',
    target: 'haproxy',
    kinds: ['stop', 'kill', 'pause'],
    when: ({ keepalived }) => keepalived,
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, t, targets, kind }) => {
      const moves = vipMovesAfterCheck(s, targets, kind === 'pause');
      return moves === null ? vipStays(s, t) : vipMoved(moves);
    },
  },
  {
    scenario: 'keepalived',
    target: 'keepalived',
    kinds: ['kill', 'pause'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, targets }) => {
      // Its HAProxy keeps serving on the VIP until the backup claims the address too.
      const flip = fixed('the VIP claimed by the backup: connections through the old holder reset, clients reconnect', VIP_CLAIMED);
      const phases = chain([['first_write', [masterDownTerm(s, targets), flip]]]);
      return { outage: sumTerms([flip]), phases };
    },
  },
  {
    scenario: 'keepalived',
    target: 'keepalived',
    kinds: ['stop'],
    effective: { at: 'inject_end' },
    disrupts: true,
    // A stopping keepalived gives the VIP up with a priority-0 advertisement.
    predict: ({ s, targets }) => vipMoved([skewTerm(s, targets)]),
  },
  {
    scenario: 'haproxy-standby',
    target: 'haproxy_backup',
    kinds: ['stop', 'kill', 'pause'],
    effective: { at: 'inject_end' },
    disrupts: false,
    predict: () => noOutage('the HAProxy that does not hold the VIP serves no client'),
  },
  {
    scenario: 'pgbouncer',
    target: 'pgbouncer',
    kinds: LOSE_A_NODE,
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ t }) => {
      // HAProxy's check goes to Patroni, not pgbouncer: writes are out until the heal.
      const phases = chain([['first_write', [exact('pgbouncer down for', heldFor(t)), fixed('client retry', CLIENT)]]]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'all-patroni',
    target: 'all_patroni',
    kinds: [...LOSE_A_NODE, 'kill-patroni'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s, t }) => {
      const phases = chain([
        ['promotion', [exact('down for', heldFor(t)), fixed('start and promotion', [1000, 10_000])]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    scenario: 'switchover',
    target: 'switchover',
    kinds: ['switchover'],
    effective: { at: 'inject_end' },
    disrupts: true,
    predict: ({ s }) => {
      const phases = chain([
        ['promotion', [fixed('demote, then the candidate promotes', [500, 2 * s.loop_wait * S + PROMOTE[1]])]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: sumTerms(phases.at(-1)!.terms), phases };
    },
  },
];

/** Roles a Patroni member can have; 'patroni' is a member targeted without regard to its role. */
const STANDBY_ROLES = new Set(['replica', 'sync_standby', 'quorum_standby']);
const MEMBER_ROLES = new Set(['leader', 'patroni', ...STANDBY_ROLES]);
/** An etcd member, also when it was targeted as the Raft leader (etcd-leader). */
const isEtcd = (role: string): boolean => role === 'etcd' || role === 'etcd_leader';

/** Which row of the table a fault falls under, from the roles its targets had when it was injected. */
export function targetClass(kind: string, cutRoles: readonly string[], topology: RunMeta['topology']): TargetClass | null {
  if (kind === 'switchover') return 'switchover';
  // A partition's cutting side may take etcd members along (a split): its Patroni members decide.
  const roles = kind === 'partition' && cutRoles.some((r) => !isEtcd(r)) ? cutRoles.filter((r) => !isEtcd(r)) : cutRoles;
  if (roles.length === 0) return null;
  if (roles.every(isEtcd)) return roles.length * 2 > topology.etcd.length ? 'etcd_majority' : 'etcd_minority';
  for (const r of ['haproxy', 'haproxy_backup', 'keepalived'] as const) if (roles.every((x) => x === r)) return r;
  if (roles.every((r) => r === 'pgbouncer')) return 'pgbouncer';
  if (roles.every((r) => MEMBER_ROLES.has(r))) {
    if (topology.patroni.length > 0 && roles.length >= topology.patroni.length) return 'all_patroni';
    if (roles.includes('leader')) return 'leader';
    if (roles.every((r) => STANDBY_ROLES.has(r))) return 'replica';
  }
  // Mixed targets, or a member whose role was unknown: the table cannot say.
  return null;
}

/** The entry for a fault kind on a target, or null when the table has none. */
export function modelFor(kind: string, roles: readonly string[], meta: Pick<RunMeta, 'topology' | 'config' | 'driver'>, cut: Cut = NOTHING_CUT): FaultModel | null {
  const target = targetClass(kind, roles, meta.topology);
  if (!target) return null;
  const c: WhenContext = { s: meta.config, keepalived: meta.topology.keepalived, cut, whole_node: meta.driver !== 'hosts', kind };
  return MODEL.find((m) => m.target === target && m.kinds.includes(kind) && (!m.when || m.when(c))) ?? null;
}

const NOTHING_CUT: Cut = { etcd_majority: false, patroni: 0, haproxy: 0 };

/** What a partition's other side holds: a majority of etcd, how many Patroni and HAProxy nodes. */
export function cutOf(peers: readonly string[], topology: RunMeta['topology']): Cut {
  const cut = new Set(peers);
  const n = (names: readonly string[]) => names.filter((x) => cut.has(x)).length;
  return { etcd_majority: n(topology.etcd) * 2 > topology.etcd.length, patroni: n(topology.patroni), haproxy: n(topology.haproxy) };
}

// --- combinations ------------------------------------------------------------------------------------

/**
 * Two faults at once: `background` already in effect when `foreground` took effect. A combination
 * gets its own prediction for the outage the foreground fault causes; a background fault that does not
 * change the foreground's story (one etcd member or a replica down) is listed as such.
 */
export interface Combination {
  background: Scenario;
  foreground: readonly Scenario[];
  /** What the pair does, in a few words, for the report. */
  story: string;
  /** When the pair applies, from how many replicas the faults in effect had taken out of the race. */
  when?: (n: { replicas_out: number; members: number }) => boolean;
  /** `own`: the foreground fault's prediction on its own. */
  predict: (c: ModelContext & { background: FaultTimes; own: Prediction }) => Prediction;
}

/** Faults that take the leader out of the race; a second one on a leader already out adds nothing. */
export const LEADER_GONE: readonly Scenario[] = ['leader-stop', 'leader-crash', 'patroni-kill', 'leader-pause', 'leader-isolate'];

export const COMBINATIONS: readonly Combination[] = [
  {
    background: 'replica',
    foreground: LEADER_GONE,
    // Every replica stopped, cut from the leader (lagging beyond maximum_lag_on_failover) or paused:
    // none may promote ("not healthy enough for leader race"), so writes wait for the old leader.
    when: ({ replicas_out, members }) => replicas_out >= members - 1,
    story: 'no replica is fit to take over: writes wait until the old leader is back',
    predict: ({ s, t }) => {
      const phases = chain([
        ['promotion', [exact('old leader down for', heldFor(t)), fixed('node start, crash recovery, key taken back', NODE_START)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
  {
    background: 'etcd-minority',
    foreground: ['leader-stop', 'leader-crash', 'patroni-kill', 'leader-pause', 'leader-isolate', 'haproxy', 'haproxy-vip', 'keepalived', 'switchover'],
    story: 'etcd still has a majority: the fault plays out as on its own',
    predict: ({ own }) => own,
  },
  {
    background: 'replica',
    foreground: ['leader-stop', 'leader-crash', 'patroni-kill', 'leader-pause', 'leader-isolate', 'haproxy', 'haproxy-vip', 'keepalived', 'switchover'],
    story: 'a replica is left to take over: the fault plays out as on its own',
    predict: ({ own }) => own,
  },
  {
    background: 'etcd-quorum',
    foreground: ['leader-stop', 'leader-crash', 'patroni-kill', 'leader-pause', 'leader-isolate'],
    story: 'etcd has no quorum: nobody can take the leader key until it is back',
    predict: ({ s, t, background }) => {
      const quorumBack = Math.max(0, (background.healed_ms ?? background.ended_ms) - t.effective_ms);
      const phases = chain([
        ['promotion', [exact('until the quorum is back', quorumBack), electionTerm(s), nextLoop(s), fixed('promotion', PROMOTE)]],
        ['routing', [riseTerm(s)]],
        ['first_write', [fixed('client retry', CLIENT)]],
      ]);
      return { outage: outageOf(phases), phases };
    },
  },
];

export function combinationFor(background: Scenario, foreground: Scenario, n: { replicas_out: number; members: number }): Combination | null {
  return COMBINATIONS.find((c) => c.background === background && c.foreground.includes(foreground) && (!c.when || c.when(n))) ?? null;
}

import * as L from './lexicon.js';
import { polarMatches } from './extract/narrative.js';
import { formatClock } from './extract/logs.js';
import type { Reading } from './observe.js';
import type { RuleId } from './rubric.js';
import type { Truth } from './truth.js';
import type { Experiment, Flag, FaultKind, ObservationKind, Severity } from './types.js';

/**
 * Claims checked against what Patroni really does (EXPECTED-BEHAVIOUR.md and this tool's runs).
 * Each rule looks at the student's own words and, where it can, at their own logs: a claim that the
 * logs in the same report contradict is wrong twice.
 */

const OTHER_CLIENT = L.rx(L.stems('hatester', 'pgbench', 'sysbench', 'jmeter'));

interface Setup {
  /** synchronous_mode: true in a Patroni config the report shows. */
  synchronous: boolean;
  failsafe: boolean;
  /** keepalived / VRRP configured in the report: a second HAProxy takes over. */
  keepalived: boolean;
  /** The course's traffic generator is what the student ran. */
  courseGenerator: boolean;
}

export function setupOf(r: Reading): Setup {
  const code = r.doc.blocks.flatMap((b) => b.lines.map((l) => l.text)).join('\n');
  return {
    synchronous: /synchronous_mode:\s*(?:true|on|quorum)/i.test(code),
    failsafe: /failsafe_mode:\s*(?:true|on)/i.test(code),
    keepalived: /vrrp_instance|virtual_ipaddress/i.test(code),
    // The course's generator unless the report shows another client instead.
    courseGenerator:
      r.observed.segments.some((s) => s.kind === 'generator') ||
      r.narrative.sentences.some((s) => L.COURSE_GENERATOR.test(s.text)) ||
      !(r.observed.segments.some((s) => s.kind === 'hatester') || r.narrative.sentences.some((s) => OTHER_CLIENT.test(s.text))),
  };
}

/** A truth note as a sentence of its own. */
function cap(note: string): string {
  return `${note.charAt(0).toUpperCase()}${note.slice(1)}${/[.!?]$/.test(note) ? '' : '.'}`;
}

function short(text: string): string {
  return text.length > 220 ? `${text.slice(0, 217)}…` : text;
}

function has(e: Experiment, kind: ObservationKind, positive = true): boolean {
  return e.observations.some((o) => o.kind === kind && o.positive === positive);
}
function first(e: Experiment, kinds: ObservationKind[], positive = true) {
  return e.observations.find((o) => kinds.includes(o.kind) && o.positive === positive);
}
function experiments(r: Reading, fault: FaultKind): Experiment[] {
  return r.observed.experiments.filter((e) => e.fault === fault);
}

export function checkClaims(r: Reading, truth: Truth, disabled: readonly RuleId[] = []): Flag[] {
  const flags: Flag[] = [];
  const setup = setupOf(r);
  const flag = (rule: RuleId, severity: Severity, line: number, quote: string, message: string) => {
    if (disabled.includes(rule)) return;
    if (flags.some((f) => f.rule === rule && f.line === line)) return;
    flags.push({ rule, severity, line, quote: short(quote), message });
  };
  const sentences = r.narrative.sentences;
  const gaps = r.observed.id_gaps;

  // --- data: gaps, loss, guarantees -----------------------------------------------------------
  for (const s of sentences) {
    if (s.text.trim().endsWith('?')) continue;
    if (L.ID_GAP_LOSS.test(s.text)) {
      const lossAt = L.ID_GAP_LOSS.lossAt(s.text);
      const negated = L.NO_LOSS.test(s.text.slice(Math.max(0, lossAt - 25), lossAt));
      if (!negated) {
        flag(
          'id_gap_as_loss',
          L.HEDGE.test(s.text) ? 'warning' : 'error',
          s.line,
          s.text,
          'An ID gap is not data loss: nextval() is never rolled back, failed inserts use ids, and a new primary starts after the 32 values PostgreSQL WAL-logs ahead. Only an acknowledged row missing afterwards is lost.',
        );
        continue;
      }
    }
    const loss = L.DATA_LOSS.exec(s.text);
    if (loss && !L.NO_LOSS_PHRASE.test(s.text) && !L.HEDGE.test(s.text) && !L.NO_LOSS.test(s.text.slice(Math.max(0, loss.index - 25), loss.index + loss[0].length))) {
      if (!r.observed.vanished_ids.length && !L.ID_GAP_MENTION.test(s.text)) {
        flag(
          'data_loss_claim',
          gaps.length ? 'error' : 'warning',
          s.line,
          s.text,
          gaps.length
            ? `The logs show an ID gap (line ${gaps[0]!.line}), not a loss: every id a READ check showed is still there. ${gaps[0]!.explanation}.`
            : "Nothing in the report shows a lost row: the course's generator can only show a loss as an id a READ check showed that a later one no longer shows.",
        );
      }
    }
    const guarantee = L.ZERO_LOSS.find(s.text);
    const guaranteeDenied = guarantee >= 0 && L.NEGATOR.test(s.text.slice(0, guarantee).split(/\s+/).filter(Boolean).slice(-2).join(' '));
    if (guarantee >= 0 && !guaranteeDenied && !L.SYNC.test(s.text) && !setup.synchronous) {
      flag(
        'zero_loss_guarantee',
        'error',
        s.line,
        s.text,
        "With asynchronous replication (the course's default) a crash of the leader can lose the last acknowledged writes that had not reached a replica (bounded by maximum_lag_on_failover); only synchronous_mode guarantees none.",
      );
    }
  }

  // --- where the reads go ----------------------------------------------------------------------
  if (setup.courseGenerator) {
    for (const s of sentences) {
      if (L.HEDGE.test(s.text) || s.text.trim().endsWith('?')) continue;
      if (!polarMatches(s.text, L.READS_TO_REPLICA).some((m) => m.positive)) continue;
      const aboutReadPort = portsInText(s.text).includes(truth.course.ports.read) || /read\s+port|порт\p{L}*\s+(?:для\s+)?чтени/iu.test(s.text);
      if (aboutReadPort) continue;
      const aboutLoad = L.LOAD.test(s.text);
      flag(
        'reads_to_replicas',
        aboutLoad ? 'error' : 'info',
        s.line,
        s.text,
        aboutLoad
          ? "The course's traffic generator runs its READ check on the same read-write connection as its inserts (the write port): its reads never reach a replica — HAProxy's stats show 0 bytes on the replica backends."
          : "True of HAProxy's read port only; the course's traffic generator reads on its read-write connection, so the replicas get none of its reads.",
      );
    }
  }

  // --- ports ------------------------------------------------------------------------------------
  // Ports the student's own generator wrote through: their setup, whatever the course's says.
  const ownWritePorts = new Set(
    r.observed.segments.filter((s) => s.kind === 'generator' && s.port !== null && s.events.some((e) => e.kind === 'ok_write')).map((s) => s.port!),
  );
  const { write, read } = truth.course.ports;
  const ownSetup = [...ownWritePorts].some((p) => p !== write && p !== read);
  for (const c of ownSetup ? [] : r.observed.port_claims) {
    const wrong = (c.role === 'write' && c.port === read) || (c.role === 'read' && c.port === write);
    if (!wrong || (c.role === 'write' && ownWritePorts.has(c.port))) continue;
    flag(
      'port_mismatch',
      'warning',
      c.line,
      c.text,
      `In the course's docker-compose ${write} is the write port (the leader) and ${read} the read port (replicas); the assignment text has them the other way round.`,
    );
  }

  // --- experiments ------------------------------------------------------------------------------
  const quorum = experiments(r, 'etcd_quorum');
  for (const e of quorum) {
    const wrongQuiet = first(e, ['no_effect', 'keeps_serving']);
    if (wrongQuiet && !has(e, 'read_only') && !windowIn(r, e)) {
      flag(
        'quorum_no_effect',
        setup.failsafe ? 'info' : 'error',
        wrongQuiet.line,
        wrongQuiet.text,
        setup.failsafe
          ? 'failsafe_mode is on in this report: the leader keeps running only while it reaches every member over the REST API.'
          : cap(truth.faults.etcd_quorum.note),
      );
    }
    const newLeader = first(e, ['failover']);
    if (newLeader && polarMatches(newLeader.text, L.LEADER_CHANGED).some((p) => p.positive)) {
      flag('quorum_new_leader', 'error', newLeader.line, newLeader.text, 'No leader can be elected without the etcd quorum: the leader key cannot be written.');
    }
  }
  for (const e of experiments(r, 'etcd_one')) {
    const count = L.COUNT_ONE.test(e.text) || L.COUNT_TWO.test(e.text) || /etcd[-_]?\d/i.test(e.text);
    const quiet = first(e, ['no_effect']);
    if (quiet && !count && !quorum.length) {
      flag(
        'etcd_count_unclear',
        'warning',
        e.line,
        e.text,
        'Which etcd members were stopped? One of three: nothing changes (right). Two of three: the quorum is lost and the primary turns read-only — "nothing happens" would then be wrong.',
      );
    }
    const loud = first(e, ['outage', 'read_only', 'full_outage']);
    if (loud && !has(e, 'no_effect')) {
      flag('etcd_one_outage', 'warning', loud.line, loud.text, `${cap(truth.faults.etcd_one.note)} An outage here means something else was stopped.`);
    }
  }
  for (const e of experiments(r, 'replica')) {
    for (const o of e.observations) {
      if (polarMatches(o.text, L.LEADER_CHANGED).some((p) => p.positive)) {
        flag('replica_leader_change', 'warning', o.line, o.text, 'Stopping a replica does not move the leader; writes are unaffected.');
      }
    }
  }
  for (const e of experiments(r, 'leader')) {
    const quiet = first(e, ['no_effect']);
    if (quiet && !has(e, 'outage') && !has(e, 'failover') && !has(e, 'full_outage') && !windowIn(r, e)) {
      flag('leader_no_effect', 'warning', quiet.line, quiet.text, `Stopping the leader always cuts the write connections until a replica is promoted and HAProxy follows. ${cap(truth.faults.leader_stop.note)}`);
    }
  }
  for (const e of experiments(r, 'haproxy')) {
    const quiet = first(e, ['no_effect']);
    if (quiet && !has(e, 'outage') && !has(e, 'full_outage') && !windowIn(r, e)) {
      flag(
        'haproxy_no_effect',
        setup.keepalived ? 'info' : 'error',
        quiet.line,
        quiet.text,
        setup.keepalived ? 'With keepalived the VIP moves to the other HAProxy: expect a blip of a few seconds.' : cap(truth.faults.haproxy.note),
      );
    }
  }

  // --- outages from the logs ---------------------------------------------------------------------
  for (const c of r.observed.comparisons) {
    const w = c.window;
    const when = `${formatClock(w.first_fail ?? w.last_ok)} → ${w.first_ok_after === null ? '?' : formatClock(w.first_ok_after)}`;
    if (c.verdict === 'unexpected_outage') {
      flag('outage_unexpected', 'warning', w.line, lineText(r, w.line), `The log shows writes out ${when} (${w.duration_s ?? `≥ ${w.at_least_s ?? 0}`} s) during "${c.fault}": ${c.expected}.`);
    } else if (c.verdict === 'longer') {
      flag('outage_longer', 'info', w.line, lineText(r, w.line), `Writes out ${when}, ${w.duration_s} s: ${c.note}. Expected: ${c.expected}.`);
    }
  }
  return flags.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

function windowIn(r: Reading, e: Experiment): boolean {
  return r.observed.windows.some((w) => w.stream === 'write' && w.line >= e.line && w.line <= e.end_line);
}

function lineText(r: Reading, n: number): string {
  return r.doc.lines[n - 1]?.text.trim() ?? '';
}

function portsInText(text: string): number[] {
  return [...text.matchAll(/(?<![\d.])(\d{4,5})(?![\d])/g)].map((m) => Number(m[1]));
}

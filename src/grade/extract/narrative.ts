import { plainText, sentences as splitSentences } from '../document.js';
import * as L from '../lexicon.js';
import type { Experiment, FaultKind, LeaderMode, Line, Observation, ObservationKind, PatronictlTable } from '../types.js';

/**
 * What the student says happened: which faults they injected, in order, and what they saw after each.
 * A fault named in a sentence opens a context; the sentences that follow (and the logs, tables and
 * screenshots between them) belong to it until another fault is named or a heading of the same or a
 * higher level starts a new section.
 */

export interface Sentence {
  line: number;
  text: string;
  /** Index into experiments of the context this sentence is in, or null. */
  experiment: number | null;
}

export interface Narrative {
  experiments: Experiment[];
  sentences: Sentence[];
  /** Experiment index whose context covers a line, or null. */
  contextAt(line: number): number | null;
}

const STOP_RX = L.rxg(L.STOP);
const HEAL_RX = L.rxg(L.HEAL);
const REPLICA_RX = L.rx(L.REPLICA);
const LEADER_RX = L.rx(L.LEADER);
const ETCD_RX = L.rx(L.ETCD);
const HAPROXY_RX = L.rx(L.HAPROXY);
const ALL_RX = L.rx('(?<![\\p{L}])(?:все|всех|all|both|оба|обе)(?![\\p{L}])');
const ETCD_NAME = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}]+[-_])?etcd[-_]?\d+/giu;
const GENERIC_NODE = '(?:patroni|postgresql|postgres|pg-?node|pgnode|pg|node|db)[-_]?\\d+';
/** Words after a verb that make it intransitive ("writes stopped until ...", "запись остановилась до ..."). */
const INTRANSITIVE_NEXT = /^(?:until|for|after|when|because|at|during|while|и|до|пока|после|на|в|когда|потому|из-за)$/iu;
const CLAUSE_END = /[,;:.!?]|\s[-–—]\s|→/u;
const LINKED_BEFORE = /(?:^|\s)(?:при|во\s+время|в\s+момент|when|during|upon|on|after)\s*$/iu;
/** A negation right after the words: "ошибок не было", "failover невозможен", "errors were not seen". */
const NEGATION_AFTER =
  /^\s*,?\s*(?:невозможн\p{L}*|не\s+(?:был|будет|происход|произош|случ|возник|наблюда|замеч|появ)\p{L}*|нет(?![\p{L}])|(?:was|were|is|are)\s+not|did\s+not|didn't|never)/iu;

interface Action {
  at: number;
  end: number;
  kind: 'stop' | 'heal';
  target: Target | null;
  phrase: string;
}

type Target =
  | { kind: 'replica' | 'leader' | 'haproxy' | 'all_patroni' }
  | { kind: 'etcd'; count: { abs?: number; rel?: number; more?: true } }
  | { kind: 'more' };

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function nodeRegex(tables: PatronictlTable[]): RegExp {
  const names = [...new Set(tables.flatMap((t) => t.members.map((m) => m.name.toLowerCase())))]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const alts = [...names, GENERIC_NODE].join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:[\\p{L}\\p{N}]+[-_])?(${alts})(?![\\p{N}])`, 'giu');
}

/** abs: that many are down now; rel: that many more; more: "ещё один", "the second" (so at least two). */
function etcdCount(phrase: string): { abs?: number; rel?: number; more?: true } {
  if (L.COUNT_MORE.test(phrase)) return { more: true };
  if (L.COUNT_ALL.test(phrase)) return { abs: 3 };
  if (L.COUNT_TWO.test(phrase)) return { abs: 2 };
  if (L.COUNT_ONE.test(phrase)) return { abs: 1 };
  const names = new Set([...phrase.matchAll(ETCD_NAME)].map((m) => m[0].toLowerCase()));
  return { rel: Math.max(1, names.size) };
}

/** What a phrase of stopping or starting refers to; the more specific component wins ("лидер ноду etcd1" is etcd). */
function resolveTarget(phrase: string, nodes: RegExp, roles: Map<string, string>): Target | null {
  if (ETCD_RX.test(phrase)) return { kind: 'etcd', count: etcdCount(phrase) };
  if (HAPROXY_RX.test(phrase)) return { kind: 'haproxy' };
  const leader = LEADER_RX.exec(phrase);
  const replica = REPLICA_RX.exec(phrase);
  if (leader && replica) {
    if (ALL_RX.test(phrase)) return { kind: 'all_patroni' };
    return { kind: leader.index < replica.index ? 'leader' : 'replica' };
  }
  if (leader) return { kind: 'leader' };
  if (replica) return { kind: 'replica' };
  nodes.lastIndex = 0;
  for (const m of phrase.matchAll(nodes)) {
    const role = roles.get(m[1]!.toLowerCase());
    if (role === 'leader' || role === 'replica') return { kind: role };
  }
  if (L.COUNT_MORE.test(phrase)) return { kind: 'more' };
  return null;
}

/** The words a verb acts on: its object after it, or for an intransitive use its subject before it. */
function phraseOf(text: string, at: number, end: number, nextAt: number): string {
  const verbEnd = end + (/^[\p{L}]*/u.exec(text.slice(end))?.[0].length ?? 0);
  const verb = text.slice(at, verbEnd);
  const afterText = text.slice(verbEnd, nextAt);
  const cut = CLAUSE_END.exec(afterText);
  const after = words((cut ? afterText.slice(0, cut.index) : afterText)).slice(0, 6);
  const reflexive = /(?:ся|сь)$/iu.test(verb);
  if (!reflexive && after.length && !INTRANSITIVE_NEXT.test(after[0]!)) {
    const obj = after.join(' ');
    if (obj.trim()) return obj;
  }
  const beforeText = text.slice(0, at);
  const parts = beforeText.split(CLAUSE_END);
  return words(parts[parts.length - 1] ?? '').slice(-4).join(' ');
}

function actionsOf(text: string, nodes: RegExp, roles: Map<string, string>): Action[] {
  const found: Array<{ at: number; end: number; kind: 'stop' | 'heal' }> = [];
  for (const m of text.matchAll(STOP_RX)) found.push({ at: m.index, end: m.index + m[0].length, kind: 'stop' });
  for (const m of text.matchAll(HEAL_RX)) {
    // "перезапустим" contains "запуст" after "пере": the stem's own boundary already rules that out.
    found.push({ at: m.index, end: m.index + m[0].length, kind: 'heal' });
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f, i) => {
    const phrase = phraseOf(text, f.at, f.end, found[i + 1]?.at ?? text.length);
    return { ...f, phrase, target: resolveTarget(phrase, nodes, roles) };
  });
}

function precededByNegation(text: string, at: number): boolean {
  const before = words(text.slice(0, at)).slice(-2).join(' ');
  return L.NEGATOR.test(before);
}

const NEGATABLE_INSIDE: ReadonlySet<ObservationKind> = new Set(['failover', 'rejoin_replica', 'quorum_lost', 'keeps_serving']);

/**
 * Matches of a pattern with their polarity: "лидер не изменился", "ошибок не было", "не могут стать
 * лидерами" and "failover невозможен" are negative. A negation inside the match counts only for
 * patterns that do not carry one themselves ("не может подключиться" is an outage, not its opposite).
 */
export function polarMatches(text: string, re: RegExp, negatableInside = true): Array<{ index: number; text: string; positive: boolean }> {
  const global = re.global ? re : new RegExp(re.source, re.flags + 'g');
  return [...text.matchAll(global)].map((m) => {
    const negated =
      precededByNegation(text, m.index) || NEGATION_AFTER.test(text.slice(m.index + m[0].length)) || (negatableInside && L.NEGATOR.test(m[0]));
    return { index: m.index, text: m[0], positive: !negated };
  });
}

/** Observations in a piece of text: what the student says happened. `sentence` is what gets quoted. */
export function observe(text: string, line: number, sentence = text): Observation[] {
  const out: Observation[] = [];
  let rest = text;
  const add = (kind: ObservationKind, positive: boolean) => {
    if (!out.some((o) => o.kind === kind && o.positive === positive)) out.push({ kind, positive, line, text: sentence });
  };
  for (const m of text.matchAll(L.NO_EFFECT)) {
    add('no_effect', true);
    // Blank it out so "без ошибок" is not read again as an error.
    rest = rest.slice(0, m.index) + ' '.repeat(m[0].length) + rest.slice(m.index + m[0].length);
  }
  const scan = (re: RegExp, kind: ObservationKind, onNegative?: ObservationKind) => {
    for (const m of polarMatches(rest, re, NEGATABLE_INSIDE.has(kind))) {
      if (m.positive) add(kind, true);
      else if (onNegative) add(onNegative, true);
      else add(kind, false);
    }
  };
  scan(L.FULL_OUTAGE, 'full_outage');
  scan(L.OUTAGE, 'outage', 'no_effect');
  scan(L.FAILOVER, 'failover');
  scan(L.REJOIN, 'rejoin_replica');
  scan(L.READ_ONLY, 'read_only');
  scan(L.KEEPS_SERVING, 'keeps_serving');
  scan(L.QUORUM_LOST, 'quorum_lost');
  return out;
}

function modeOf(text: string): LeaderMode {
  if (L.rx(L.NETWORK_MODE).test(text)) return 'network';
  if (L.rx(L.KILL_MODE).test(text)) return 'kill';
  if (L.rx(L.STOP).test(text)) return 'stop';
  return 'unknown';
}

/** Each member's role as the text goes: tables set it, sentences like "patroni3 — новый мастер" update it. */
class RoleMap {
  private roles = new Map<string, string>();
  private nextTable = 0;
  constructor(
    private readonly tables: PatronictlTable[],
    private readonly nodes: RegExp,
  ) {}
  at(line: number): Map<string, string> {
    while (this.nextTable < this.tables.length && this.tables[this.nextTable]!.line <= line) {
      const t = this.tables[this.nextTable++]!;
      this.roles = new Map(t.members.map((m) => [m.name.toLowerCase(), t.leader === m.name ? 'leader' : 'replica']));
    }
    return this.roles;
  }
  learn(sentence: string): void {
    if (L.rx(L.STOP).test(sentence) || L.rx(L.HEAL).test(sentence)) return;
    for (const clause of sentence.split(/[,;]|\s(?:а|но|while|whereas)\s/u)) {
      const names = [...clause.matchAll(this.nodes)].map((m) => m[1]!.toLowerCase());
      if (!names.length) continue;
      const leader = LEADER_RX.test(clause);
      const replica = REPLICA_RX.test(clause);
      if (leader === replica) continue;
      if (leader) for (const [k, v] of this.roles) if (v === 'leader') this.roles.set(k, 'unknown');
      for (const n of names) this.roles.set(n, leader ? 'leader' : 'replica');
    }
  }
}

export function readNarrative(lines: Line[], tables: PatronictlTable[]): Narrative {
  const nodes = nodeRegex(tables);
  const roleMap = new RoleMap(tables, nodes);
  const experiments: Experiment[] = [];
  const sentences: Sentence[] = [];
  let current: number | null = null;
  let healed = false;
  let etcdDown = 0;
  let section = 7; // heading level the current context started under (7: none)
  let lastHeading = 7;

  const open = (fault: FaultKind, line: number, text: string) => {
    const cur = current === null ? null : experiments[current]!;
    const mode = fault === 'leader' ? modeOf(text) : 'unknown';
    if (cur && cur.fault === fault && !healed && (cur.mode === mode || mode === 'unknown')) return;
    experiments.push({ fault, line, text, mode, end_line: line, observations: [] });
    current = experiments.length - 1;
    healed = false;
    section = lastHeading;
  };
  const note = (obs: Observation[]) => {
    if (current === null) return;
    // Saying the quorum is gone while one etcd member is down is the quorum experiment.
    const lost = obs.find((o) => o.kind === 'quorum_lost' && o.positive);
    if (lost && experiments[current]!.fault === 'etcd_one') {
      etcdDown = Math.max(etcdDown, 2);
      open('etcd_quorum', lost.line, lost.text);
    }
    experiments[current!]!.observations.push(...obs);
  };

  for (const l of lines) {
    if (l.code) continue;
    const raw = l.text.trim();
    if (!raw) continue;
    const quoted = raw.startsWith('>');
    if (l.heading !== null) {
      if (current !== null && l.heading <= section) current = null;
      lastHeading = l.heading;
    }
    const text = plainText(raw.replace(/^>\s*/, ''));
    if (!text) continue;
    for (const s of splitSentences(text)) {
      // Text quoted from the assignment ("> Остановите реплику ...") is not something the student did.
      if (quoted) {
        sentences.push({ line: l.n, text: s, experiment: current });
        continue;
      }
      const roles = roleMap.at(l.n);
      const actions = actionsOf(s, nodes, roles).filter((a) => a.target !== null);
      let from = 0;
      for (const a of actions) {
        // "недоступность была при отключении haproxy": what comes first describes the fault named after it.
        const pre = observe(s.slice(from, a.at), l.n, s);
        const describesNext = LINKED_BEFORE.test(s.slice(0, a.at));
        if (!describesNext) note(pre);
        const t = a.target!;
        if (a.kind === 'stop') {
          const inEtcd = current !== null && experiments[current]!.fault.startsWith('etcd');
          if (t.kind === 'etcd' || (t.kind === 'more' && inEtcd)) {
            const count = t.kind === 'etcd' ? t.count : { more: true as const };
            etcdDown = count.more ? Math.max(etcdDown + 1, 2) : (count.abs ?? etcdDown + (count.rel ?? 1));
            open(etcdDown >= 2 ? 'etcd_quorum' : 'etcd_one', l.n, s);
          } else if (t.kind === 'more') {
            if (current !== null) {
              const fault = experiments[current]!.fault;
              healed = true;
              open(fault, l.n, s);
            }
          } else {
            open(t.kind, l.n, s);
          }
        } else if (t.kind === 'etcd') {
          const c = t.count;
          etcdDown = c.abs === 3 ? 0 : Math.max(0, etcdDown - (c.abs ?? c.rel ?? 1));
          if (current !== null && experiments[current]!.fault.startsWith('etcd')) healed = true;
        } else if (current !== null && (t.kind === experiments[current]!.fault || t.kind === 'more')) {
          healed = true;
        }
        if (describesNext) note(pre);
        from = a.at;
      }
      const tail = s.slice(from);
      if (current !== null && experiments[current]!.fault === 'etcd_one' && L.ETCD_TWO.test(tail)) {
        etcdDown = 2;
        open('etcd_quorum', l.n, s);
      }
      note(observe(tail, l.n, s));
      roleMap.learn(s);
      sentences.push({ line: l.n, text: s, experiment: current });
    }
  }

  // A context lasts until the next one starts or a heading closes it.
  const starts = experiments.map((e) => e.line);
  const lastLine = lines.length ? lines[lines.length - 1]!.n : 0;
  experiments.forEach((e, i) => {
    const next = starts[i + 1];
    e.end_line = next !== undefined ? Math.max(e.line, next - 1) : lastLine;
    const closedBy = sentences.find((s) => s.line > e.line && s.experiment !== i && (next === undefined || s.line < next));
    if (closedBy) e.end_line = Math.min(e.end_line, closedBy.line - 1);
  });
  return {
    experiments,
    sentences,
    contextAt(line: number): number | null {
      for (let i = experiments.length - 1; i >= 0; i--) {
        const e = experiments[i]!;
        if (line >= e.line && line <= e.end_line) return i;
      }
      return null;
    },
  };
}

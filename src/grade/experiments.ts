import { affirmed, clauses, concept, CONDITIONAL, HEDGE, moods, negatedAt, sentences, words, type Mood, type Word } from './language.js';
import { sectionPath } from './markdown.js';
import { DEFAULT_PARAMS, type Params } from './params.js';
import type { ImageRef, LogSegment, PatronictlTable, Quote, SubmissionDoc } from './types.js';

/**
 * Which of the course's five experiments each passage is about, and how well the report backs each
 * one. Structure decides first: the heading a passage sits under, the `docker stop …` command it
 * shows, the container it names, the patronictl table that follows. Words decide second, one clause
 * at a time, so that "still works" or "the second one" elsewhere in a sentence does not open an
 * experiment of its own.
 */

export const FAULTS = ['replica', 'leader', 'etcd_one', 'etcd_quorum', 'haproxy'] as const;
export type Fault = (typeof FAULTS)[number];
export const STATES = ['evidenced', 'claimed', 'hypothetical', 'absent'] as const;
export type EvidenceState = (typeof STATES)[number];

export interface Mention {
  fault: Fault;
  line: number;
  text: string;
  mood: Mood;
  /** What decided the fault: a heading, a command, a sentence, a table row. */
  via: 'heading' | 'command' | 'sentence' | 'section' | 'matrix';
}

export type EvidenceKind = 'image' | 'log' | 'patronictl' | 'output';

export interface EvidenceItem {
  line: number;
  kind: EvidenceKind;
  /** Why it counts (or why it does not, for false evidence). */
  note: string;
}

export interface ExperimentFinding {
  fault: Fault;
  state: EvidenceState;
  mentions: Mention[];
  evidence: EvidenceItem[];
  /** The student says this experiment did not work. */
  failed: Quote | null;
  /** Evidence shown only as screenshots: a person has to look. */
  images_only: boolean;
}

/** A clause as read, with the experiment in force when it was read. */
export interface Statement {
  line: number;
  sentence: string;
  clause: string;
  fault: Fault | null;
  mood: Mood;
  /** Title of the innermost heading above it. */
  section: string;
}

export interface Attribution {
  statements: Statement[];
  experiments: Record<Fault, ExperimentFinding>;
  /** Images or logs that cannot be seen or do not match the course's setup. */
  false_evidence: EvidenceItem[];
  /** Fault each line was attributed to (only lines inside an experiment). */
  faultAt(line: number): Fault | null;
}

// --- vocabulary ----------------------------------------------------------------------------------

const STOP = concept(
  'stop',
  'выключить', 'выключение', 'отключить', 'отключение', 'остановить', 'остановка', 'остановлена', 'останавливать', 'тушить', 'потушить', 'погасить', 'гасить', 'погасил',
  'убить', 'убиваем', 'убьем', 'уронить', 'ронять', 'положить', 'падение', 'упасть', 'упал', 'отказ', 'сложится', 'лишить', 'вырубить',
  'стопаем', 'стопнуть', 'stop', 'stopped', 'kill', 'killed', 'shutdown', 'shut down', 'crash', 'failure', 'pause',
);
/** "точка отказа" (and "point of failure") is the SPOF, not a fault injected. */
const NOT_STOP = new Set(['отказа', 'отказов', 'отказоустойчивость', 'отказоустойчивости', 'отказоустойчивый', 'отказоустойчивого']);
const REPLICA = concept('replica', 'реплика', 'replica', 'slave', 'standby', 'слейв', 'secondary');
const LEADER = concept('leader', 'лидер', 'мастер', 'master', 'leader', 'primary', 'праймари');
const ETCD = concept('etcd', 'etcd', 'dcs');
const HAPROXY = concept('haproxy', 'haproxy', 'хапрокси', 'балансировщик');
const QUORUM_LOST = concept('quorum lost', 'потеря кворума', 'кворум потерян', 'без кворума', 'нет кворума', 'quorum lost', 'lost quorum', 'loss of quorum', 'lose quorum', 'no quorum');
const RELATIVE = concept('another', 'ещё', 'еще', 'вторую', 'второй', 'вторая', 'another', 'second');
const FAILOVER = concept('failover', 'новым лидером', 'новый лидер', 'новым мастером', 'новый мастер', 'стал лидером', 'становится лидером', 'new leader', 'new primary', 'promoted', 'смена мастера', 'смена лидера');
/** "была недоступность при отключении": observed, not general. */
const PAST = /(?<![\p{L}])(?:был[аои]?|was|were|стал[аои]?|произош\p{L}*)(?![\p{L}])/iu;
const PRONOUN = concept('pronoun', 'он', 'она', 'его', 'её', 'ее', 'it', 'them');
const FAILED = concept('it failed', 'не вышло', 'не получилось', 'не открылся', 'не открылась', 'не открылось', "didn't work", 'did not work', 'не удалось воспроизвести', 'не удалось остановить', 'не удалось выключить');

const NODE_NAME = /(?<![\p{L}\p{N}])(?:demo[-_])?(patroni|pgnode|pg|node|postgres(?:ql)?|db)[-_]?(\d+)(?![\p{N}])/giu;
const ETCD_NAME = /(?<![\p{L}\p{N}])(?:demo[-_])?etcd[-_]?(\d+)(?![\p{N}])/giu;
const COMMAND = /(?:^|[$#>]\s*|&&\s*|;\s*)(?:sudo\s+)?(?:docker(?:-compose|\s+compose)?|podman(?:-compose)?|systemctl|kubectl)\s+(?:container\s+)?(stop|kill|pause|rm\s+-f|delete\s+pod)\s+([^\n#|&;]+)/i;

function nodeNames(text: string): string[] {
  return [...text.matchAll(NODE_NAME)].map((m) => `${m[1]!.toLowerCase()}${m[2]}`);
}
function etcdNames(text: string): string[] {
  return [...new Set([...text.matchAll(ETCD_NAME)].map((m) => m[1]!))];
}

/** How many etcd members a clause says were stopped; fractions and "из 3" describe what is left. */
function etcdCount(text: string): number | null {
  const t = text.toLowerCase().replace(/\d+\s*\/\s*\d+/g, ' ').replace(/(?:из|of|out of)\s+(?:\d+|тр[её]х|three)/g, ' ');
  if (/(?<![\p{L}\p{N}])(?:2\+?|дв[ауе]\p{L}*|two|both|оба|обе|3|тр[иеё]\p{L}*|three|все|всех|all)(?![\p{L}\p{N}])/u.test(t)) return 2;
  if (/(?<![\p{L}\p{N}])(?:1|одн\p{L}*|один|one|single)(?![\p{L}\p{N}])/u.test(t)) return 1;
  return null;
}

// --- the passage being read ----------------------------------------------------------------------

interface Context {
  fault: Fault | null;
  /** How the passage was opened: by something done, or by an "if". */
  mood: Mood;
  /** Set by a heading: names in its section do not override it. */
  fromHeading: boolean;
  /** etcd members named as stopped since the context opened. */
  etcdStopped: Set<string>;
}

/**
 * The experiment a heading opens: "Отказ лидера", "Возврат etcd-ноды", "Потеря кворума etcd", or a
 * bare component ("Experiment 4: HAProxy") when the heading or one above it speaks of experiments.
 */
function headingFault(heading: string, ancestors: string[]): Fault | null {
  // "Experiment 3: etcd", "8.3. Остановка": numbering counts nothing.
  const title = heading.replace(/(?:эксперимент|experiment|этап|step|шаг|тест|test)\s*№?\s*\d+[.:)]?/giu, ' ').replace(/^\s*\d+(?:\.\d+)*[.)]?\s+/u, '');
  const ws = words(title);
  if (ETCD.in(ws) && QUORUM_LOST.in(ws)) return 'etcd_quorum';
  const stops = stopPositions(ws);
  const heals = /(?<![\p{L}])(?:возврат|восстановлен|вернул|return|restor|recover)/iu.test(title);
  const experimentHeading = [heading, ...ancestors].some((t) => EXPERIMENT.in(words(t)));
  if (!stops.length && !heals && !experimentHeading) return null;
  return targetOf(title, ws, null);
}

/** Full participles ("отключенную реплику") describe a state, they do not report an action. */
const PARTICIPLE = /(?:енн|ённ|нн)(?:ый|ая|ое|ые|ую|ой|ом|ых|ым|ыми|ого|ому|ої)$/u;

function stopPositions(ws: Word[]): number[] {
  return affirmed(STOP, ws).filter((i) => !NOT_STOP.has(ws[i]!.lower) && !PARTICIPLE.test(ws[i]!.lower) && !(ws[i]!.lower === 'failure' && ws[i - 1]?.lower === 'of'));
}

/**
 * The fault a clause of stopping is about, from its words: etcd and HAProxy by name, a node by the
 * role word nearest to the verb ("вернём реплику и выключим мастер" stops the master), a bare node
 * name through the roles the report has shown.
 */
function targetOf(text: string, ws: Word[], roleOf: ((name: string) => Fault | null) | null, at = 0): Fault | null {
  if (ETCD.in(ws) || etcdNames(text).length) {
    if (QUORUM_LOST.in(ws)) return 'etcd_quorum';
    const named = etcdNames(text).length;
    return named >= 2 || etcdCount(text) === 2 ? 'etcd_quorum' : 'etcd_one';
  }
  if (affirmed(HAPROXY, ws).length) return 'haproxy';
  const roles = [
    ...affirmed(LEADER, ws).map((i) => ({ i, f: 'leader' as const })),
    ...affirmed(REPLICA, ws).map((i) => ({ i, f: 'replica' as const })),
  ].sort((a, b) => Math.abs(a.i - at) - Math.abs(b.i - at) || b.i - a.i);
  if (roles.length) return roles[0]!.f;
  for (const n of nodeNames(text)) {
    const f = roleOf?.(n);
    if (f) return f;
  }
  return null;
}

export interface AttributionInput {
  doc: SubmissionDoc;
  tables: PatronictlTable[];
  segments: LogSegment[];
  images: ImageRef[];
}

/** The course's container image prints Receive/Replay LSN (Patroni 4.1); a "Lag in MB" table there was not copied from it. */
function courseDocker(doc: SubmissionDoc): boolean {
  return doc.lines.some((l) => /docker[- ]compose|docker\s+(?:stop|exec|ps)|demo-patroni|podman/i.test(l.text));
}

const OUTPUT_LINE =
  /^\s*(?:\[?\d{1,2}:\d{2}:\d{2}\]?\s+\S|READ check|ERROR:|FATAL:|WARNING:|psql: error|Error:|.*(?:EtcdConnectionFailed|Etcd3Error|is healthy|is unhealthy|unhealthy cluster|Connection refused|connection to server at|read-only transaction|StatusCode\s*:|Exited \(\d+\)|Up \d+ (?:seconds|minutes|hours))|\s*\|\s*[\w-]+\s*\|\s*(?:Leader|Replica|Sync Standby|Standby Leader)\s*\||\s*\(\d+ rows?\)|\s*[-+]{5,}\s*$|\s*\d+\s*$)/;
const TIMELINE_LINE = /^\s*\d+(?:\.\d+)?\s*s\s+\S/;

export function attribute(input: AttributionInput, params: Params = DEFAULT_PARAMS): Attribution {
  const { doc, tables, segments, images } = input;
  const mentions: Mention[] = [];
  const evidence: Array<EvidenceItem & { fault: Fault; viaHeading: boolean }> = [];
  const falseEvidence: EvidenceItem[] = [];
  const failed = new Map<Fault, Quote>();
  const statements: Statement[] = [];
  const faultByLine = new Map<number, Fault>();
  const docker = courseDocker(doc);

  const roleAt = (line: number) => (name: string): Fault | null => {
    const t = [...tables].reverse().find((x) => x.end_line < line);
    const m = t?.members.find((x) => x.name.toLowerCase() === name);
    if (!m) return null;
    return m.role === 'leader' || m.role === 'master' || m.role === 'primary' ? 'leader' : m.role === 'replica' || m.role === 'sync_standby' ? 'replica' : null;
  };

  // Everything in reading order: prose lines and code blocks, each at its first line.
  type Item = { line: number; kind: 'prose'; index: number } | { line: number; kind: 'code'; index: number } | { line: number; kind: 'image'; index: number };
  const items: Item[] = [
    ...doc.prose.map((p, index) => ({ line: p.line, kind: 'prose' as const, index })),
    ...doc.blocks.map((b, index) => ({ line: b.start, kind: 'code' as const, index })),
    ...images.map((img, index) => ({ line: img.line, kind: 'image' as const, index })),
  ].sort((a, b) => a.line - b.line || (a.kind === 'prose' ? -1 : b.kind === 'prose' ? 1 : 0));

  const matrixRows = scenarioMatrixRows(doc);
  let ctx: Context = { fault: null, mood: 'done', fromHeading: false, etcdStopped: new Set() };
  let section: number | null = null;
  let pendingStop = false;
  let lastTarget: Fault | null = null;
  let sectionTitle = '';

  const open = (fault: Fault, fromHeading: boolean, mood: Mood) => {
    if (ctx.fault !== fault) ctx = { fault, mood, fromHeading, etcdStopped: new Set() };
    else {
      ctx.fromHeading ||= fromHeading;
      if (mood === 'done') ctx.mood = 'done';
    }
  };
  const mention = (fault: Fault, line: number, text: string, mood: Mood, via: Mention['via']) => {
    mentions.push({ fault, line, text, mood, via });
  };

  for (const item of items) {
    if (item.kind === 'prose') {
      const p = doc.prose[item.index]!;
      sectionTitle = p.section === null ? '' : doc.sections[p.section]!.title;
      if (p.section !== section && p.kind === 'heading') {
        section = p.section;
        const above = sectionPath(doc.sections, p.section).slice(1).map((s) => s.title);
        const own = headingFault(p.text, above);
        // A heading without a fault ends the experiment unless it sits inside that experiment's section.
        const inherited = above.map((t, i) => headingFault(t, above.slice(i + 1))).find((f) => f !== null);
        if (own) open(own, true, 'done');
        else ctx = { fault: inherited ?? null, mood: 'done', fromHeading: inherited !== undefined, etcdStopped: new Set() };
        pendingStop = false;
        continue;
      }
      const matrixFault = matrixRows.get(p.line);
      if (matrixFault) {
        for (const f of matrixFault) mention(f, p.line, p.text, 'hypothetical', 'matrix');
        for (const clause of clauses(p.text)) statements.push({ line: p.line, sentence: p.text, clause, fault: matrixFault[0]!, mood: 'hypothetical', section: sectionTitle });
        continue;
      }
      readProse(p.line, p.text, p.kind === 'text');
      continue;
    }
    if (item.kind === 'code') {
      readCode(doc.blocks[item.index]!);
      continue;
    }
    const img = images[item.index]!;
    if (img.problem) {
      falseEvidence.push({ line: img.line, kind: 'image', note: `image ${img.target}: ${img.detail ?? img.problem}` });
    } else if (ctx.fault) {
      evidence.push({ line: img.line, kind: 'image', note: `screenshot ${img.target}`, fault: ctx.fault, viaHeading: ctx.fromHeading });
      faultByLine.set(img.line, ctx.fault);
    }
  }

  function readProse(line: number, text: string, narrative: boolean) {
    for (const sentence of sentences(text)) {
      const parts = clauses(sentence);
      const mood = moods(parts);
      const sentenceWords = words(sentence);
      let said = false;
      const before = statements.length;
      // "Попробуем выключить его. patroni3 становится новым лидером": the verb waits one sentence for its object.
      let pendingSet = false;
      parts.forEach((clause, k) => {
        statements.push({ line, sentence, clause, fault: ctx.fault, mood: mood[k]!, section: sectionTitle });
        const ws = words(clause);
        if (FAILED.in(ws) && ctx.fault) failed.set(ctx.fault, { line, text: sentence });
        const stops = stopPositions(ws);
        const postfixDown = /(?:etcd|haproxy|replica|leader|реплик\p{L}*|лидер\p{L}*)\s+down\b/iu.test(clause);
        const etcdCtx = ctx.fault === 'etcd_one' || ctx.fault === 'etcd_quorum';
        // "Если 2 штуки - …" inside an etcd passage: the verb of stopping is left out.
        const elliptic = etcdCtx && etcdCount(clause) !== null && (stops.length > 0 || CONDITIONAL.in(ws));
        if (!stops.length && !postfixDown && !elliptic) {
          if (pendingStop && FAILOVER.in(ws) && mood[k] === 'done') {
            open('leader', false, 'done');
            for (const st of statements.slice(before)) st.fault = 'leader';
            mention('leader', line, sentence, 'done', 'sentence');
            said = true;
            pendingStop = false;
          }
          if (!stops.length) noteTarget(clause, ws);
          return;
        }
        const roles = ctx.fromHeading && (ctx.fault === 'leader' || ctx.fault === 'replica') ? () => ctx.fault : roleAt(line);
        let fault = elliptic && !ETCD.in(ws) ? (etcdCount(clause) === 2 ? 'etcd_quorum' : 'etcd_one') : targetOf(clause, ws, roles, stops[0] ?? 0);
        if (!fault && PRONOUN.in(ws)) fault = lastTarget;
        if (!fault) fault = targetOf(sentence, sentenceWords, roles, sentenceWords.findIndex((w) => w.stem === ws[stops[0] ?? 0]?.stem));
        if (!fault && RELATIVE.in(ws) && ctx.fault) fault = ctx.fault;
        if (fault === 'etcd_one' && etcdCtx) {
          // "Погасил вторую" / "docker stop etcd2" after etcd1: the second member takes the quorum.
          for (const n of etcdNames(clause)) ctx.etcdStopped.add(n);
          if (RELATIVE.in(ws) || ctx.etcdStopped.size >= 2) fault = 'etcd_quorum';
          // Once the quorum is gone, "etcd" again without "one" is still the same experiment.
          if (ctx.fault === 'etcd_quorum' && etcdCount(clause) !== 1) fault = 'etcd_quorum';
        }
        if (!fault) {
          pendingStop = narrative && mood[k] === 'done';
          pendingSet = true;
          return;
        }
        pendingStop = false;
        // "при отказе лидера", "может упасть": a general statement, not an experiment done.
        const generic = (stops.some((i) => ws[i - 1]?.lower === 'при' || ws[i - 1]?.lower === 'upon') && !PAST.test(clause)) || HEDGE.in(ws);
        const m: Mood = generic ? 'hypothetical' : mood[k]!;
        open(fault, false, m);
        statements[statements.length - 1]!.fault = fault;
        for (const n of etcdNames(clause)) ctx.etcdStopped.add(n);
        lastTarget = fault;
        mention(fault, line, sentence, m, 'sentence');
        said = true;
      });
      if (!pendingSet) pendingStop = false;
      // A statement inside an experiment's passage says the experiment was done, unless the passage
      // was opened by a hypothetical ("если …"), the statement is one, or it says the fault was not
      // injected ("не успел остановить HAProxy").
      const notDone = STOP.positions(sentenceWords).some((i) => negatedAt(sentenceWords, i));
      if (!said && !notDone && ctx.fault && params.passage_claims) {
        // "If it goes down, the application loses …": a sentence framed by a condition is unreal throughout.
        const hypothetical = ctx.mood === 'hypothetical' || mood[0] === 'hypothetical';
        mention(ctx.fault, line, sentence, hypothetical ? 'hypothetical' : 'done', 'section');
      }
    }
    if (ctx.fault) faultByLine.set(line, ctx.fault);
  }

  /** The last thing named, for "выключим его". */
  function noteTarget(clause: string, ws: Word[]) {
    const f = targetOf(clause, ws, roleAt(Number.MAX_SAFE_INTEGER));
    if (f) lastTarget = f;
  }

  function readCode(block: SubmissionDoc['blocks'][number]) {
    for (const l of block.lines) {
      const cmd = COMMAND.exec(l.text);
      if (!cmd) continue;
      const args = cmd[2]!;
      const names = etcdNames(args);
      let fault: Fault | null = null;
      if (names.length) {
        if (!ctx.fault?.startsWith('etcd')) ctx = { fault: 'etcd_one', mood: 'done', fromHeading: false, etcdStopped: new Set() };
        for (const n of names) ctx.etcdStopped.add(n);
        fault = ctx.etcdStopped.size >= 2 ? 'etcd_quorum' : 'etcd_one';
      } else if (/haproxy/i.test(args)) fault = 'haproxy';
      else if (ctx.fromHeading && (ctx.fault === 'leader' || ctx.fault === 'replica')) fault = ctx.fault;
      else fault = nodeNames(args).map(roleAt(l.n)).find((f) => f !== null) ?? null;
      if (!fault) continue;
      open(fault, ctx.fromHeading && ctx.fault === fault, 'done');
      mention(fault, l.n, l.text.trim(), 'done', 'command');
    }
    const kind = codeEvidence(block, tables, segments, docker);
    if (kind.false) falseEvidence.push({ line: block.start, kind: kind.kind ?? 'output', note: kind.false });
    else if (kind.kind && ctx.fault) {
      evidence.push({ line: block.start, kind: kind.kind, note: kind.note, fault: ctx.fault, viaHeading: ctx.fromHeading });
    }
    if (ctx.fault) for (let n = block.start; n <= block.end; n++) faultByLine.set(n, ctx.fault);
  }

  // Patronictl tables pasted as text outside any fence.
  for (const t of tables) {
    if (doc.lines[t.line - 1]?.code) continue;
    const f = faultByLine.get(t.line) ?? lastFaultBefore(t.line);
    if (f && !illustrativeTable(t, docker)) evidence.push({ line: t.line, kind: 'patronictl', note: 'patronictl list pasted as text', fault: f, viaHeading: false });
  }
  function lastFaultBefore(line: number): Fault | null {
    let best: Fault | null = null;
    for (const [n, f] of faultByLine) if (n < line && n > line - 5) best = f;
    return best;
  }

  const experiments = Object.fromEntries(
    FAULTS.map((fault) => {
      const ms = mentions.filter((m) => m.fault === fault);
      const ev = evidence.filter((e) => e.fault === fault);
      let state: EvidenceState = ev.length >= params.min_evidence ? 'evidenced' : ms.some((m) => m.mood === 'done') ? 'claimed' : ms.length ? 'hypothetical' : 'absent';
      // Evidence under a fault heading counts; evidence after a sentence counts only if the fault was said.
      if (state === 'evidenced' && !ms.length && !ev.some((e) => e.viaHeading)) state = 'absent';
      const finding: ExperimentFinding = { fault, state, mentions: ms, evidence: ev.map(({ fault: _f, viaHeading: _v, ...e }) => e), failed: failed.get(fault) ?? null, images_only: ev.length > 0 && ev.every((e) => e.kind === 'image') };
      return [fault, finding];
    }),
  ) as Record<Fault, ExperimentFinding>;

  // A failover leaves its trace outside its own section too: a later timeline, a log that reconnects.
  const leader = experiments.leader;
  if (params.failover_trace && leader.state === 'claimed') {
    const trace = failoverTrace(tables, segments, docker, faultByLine);
    if (trace) {
      leader.state = 'evidenced';
      leader.evidence.push(trace);
    }
  }

  return {
    statements,
    experiments,
    false_evidence: falseEvidence.sort((a, b) => a.line - b.line),
    faultAt: (line) => faultByLine.get(line) ?? null,
  };
}

/** Rows of a Markdown table that lists several faults (a behaviour matrix): what would happen, not what was done. */
const EXPERIMENT = concept('experiment', 'эксперимент', 'experiment', 'тест', 'test', 'chaos', 'сценарий', 'scenario');
const SCENARIO = concept('scenario', 'сценарий', 'scenario', 'эксперимент', 'experiment', 'что упало', 'отказ');

/**
 * Rows of a Markdown table that lists several faults (a behaviour matrix): what would happen, not
 * what was done. A row counts when it or the header says something is stopped; an architecture
 * table that merely lists the components is not a matrix.
 */
function scenarioMatrixRows(doc: SubmissionDoc): Map<number, Fault[]> {
  const out = new Map<number, Fault[]>();
  for (const t of doc.tables) {
    const head = t.header[0] ?? '';
    const headSays = SCENARIO.in(words(head)) || stopPositions(words(head)).length > 0;
    const rows = t.rows.map((r) => {
      const first = r.cells[0] ?? '';
      const ws = words(first);
      const says = headSays || stopPositions(ws).length > 0 || /\bdown\b/i.test(first);
      return { line: r.line, fault: says ? targetOf(first, ws, null) : null };
    });
    const faults = rows.map((r) => r.fault).filter((f): f is Fault => f !== null);
    if (new Set(faults).size < 2) continue;
    for (const r of rows) if (r.fault) out.set(r.line, [r.fault]);
  }
  return out;
}

function illustrativeTable(t: PatronictlTable, docker: boolean): boolean {
  return docker && t.format === 'lag_mb';
}

function codeEvidence(
  block: SubmissionDoc['blocks'][number],
  tables: PatronictlTable[],
  segments: LogSegment[],
  docker: boolean,
): { kind: EvidenceKind | null; note: string; false: string | null } {
  const inBlock = (line: number) => line >= block.start && line <= block.end;
  const table = tables.find((t) => inBlock(t.line));
  if (table && illustrativeTable(table, docker)) {
    return { kind: 'patronictl', note: '', false: `patronictl table at line ${table.line} is in the "Lag in MB" format, which the course's Patroni image does not print: not copied from this setup` };
  }
  const timeline = block.lines.filter((l) => TIMELINE_LINE.test(l.text)).length;
  if (timeline >= 2 && timeline * 2 >= block.lines.filter((l) => l.text.trim()).length) {
    return { kind: 'log', note: '', false: `lines ${block.start}–${block.end} are a timeline in seconds that no tool of the course prints: not a log` };
  }
  if (table) return { kind: 'patronictl', note: `patronictl list at line ${table.line}`, false: null };
  if (segments.some((s) => inBlock(s.start_line))) return { kind: 'log', note: `traffic log at lines ${block.start}–${block.end}`, false: null };
  if (block.lines.some((l) => OUTPUT_LINE.test(l.text) && !/^\s*[$#]/.test(l.text))) return { kind: 'output', note: `command output at lines ${block.start}–${block.end}`, false: null };
  return { kind: null, note: '', false: null };
}

function failoverTrace(tables: PatronictlTable[], segments: LogSegment[], docker: boolean, faultByLine: Map<number, Fault>): EvidenceItem | null {
  const t = tables.find((x) => (x.timeline ?? 0) > 1 && !illustrativeTable(x, docker) && !faultByLine.has(x.line));
  if (t) return { line: t.line, kind: 'patronictl', note: `patronictl table at line ${t.line} shows timeline ${t.timeline} with ${t.leader ?? 'a new'} leading: a failover happened` };
  for (const s of segments) {
    if (faultByLine.has(s.start_line) && faultByLine.get(s.start_line) !== 'leader') continue;
    const lost = s.events.findIndex((e) => e.kind === 'failure');
    if (lost >= 0 && s.events.slice(lost).some((e) => e.kind === 'connected' || e.kind === 'ok_write')) {
      return { line: s.events[lost]!.line, kind: 'log', note: `traffic log at line ${s.events[lost]!.line} loses the connection and reconnects to a new primary` };
    }
  }
  return null;
}

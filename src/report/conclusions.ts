import type { Availability, ErrorGroup, IdGap, FaultResult } from '../analysis/types.js';
import type { MemberRow, Results } from '../results/types.js';
import { mdEscape } from '../render/markdown.js';
import { classifyFault, type FaultInfo, type FaultInterval } from './faults.js';
import { count, fmtBytes, fmtNumber, fmtOffset, fmtS, partName, type Lang } from './i18n.js';
import { faultFor, phaseRows, worstPhase, type PhaseRow } from './phases.js';
import { meanOver, type Series } from './series.js';
import { longestWindow } from '../analysis/summary.js';

export type SectionId = 'availability' | 'cluster' | 'data' | 'bound' | 'remedy';

export interface ConclusionSection {
  id: SectionId;
  /** The course's question this section answers. */
  title: string;
  /** Markdown paragraphs; text from input is already escaped. */
  paragraphs: string[];
}

export interface Conclusions {
  /** One line: the verdict and why. Markdown. */
  headline: string;
  /** The short conclusion: what happened, in two or three sentences. Markdown. */
  summary: string;
  /** What a reader must not miss: split brain, lost writes, anomalies, an incomplete run. Markdown. */
  warnings: string[];
  sections: ConclusionSection[];
}

/** Picks the sentence in the report's language; both are written out so neither drifts. */
type Tr = (en: string, ru: string) => string;

interface Ctx {
  lang: Lang;
  tr: Tr;
  r: Results;
  series: Series | null;
  fault: FaultInfo;
  /** Seconds for prose: one decimal, none for whole seconds ("ttl 20 s", "20.5 s"). */
  sec: (ms: number | null | undefined) => string;
  /** Seconds to the millisecond, for figures a reader may compare with a table. */
  secExact: (ms: number | null | undefined) => string;
  at: (ms: number | null | undefined) => string;
  n: (x: number) => string;
  md: (s: unknown) => string;
}

const WRITE: [string, string] = ['write', 'writes'];
const WRITE_RU: [string, string, string] = ['запись', 'записи', 'записей'];
const ATTEMPT: [string, string] = ['attempt', 'attempts'];
// After «из» Russian wants the genitive: «из 451 попытки», «из 596 попыток».
const ATTEMPT_RU_OF: [string, string, string] = ['попытки', 'попыток', 'попыток'];
const READ: [string, string] = ['read', 'reads'];
const READ_RU: [string, string, string] = ['чтение', 'чтения', 'чтений'];
const WINDOW: [string, string] = ['window', 'windows'];
const WINDOW_RU: [string, string, string] = ['окно', 'окна', 'окон'];
const GAP: [string, string] = ['gap', 'gaps'];
const GAP_RU: [string, string, string] = ['пропуск', 'пропуска', 'пропусков'];
const ID: [string, string] = ['id', 'ids'];
const ID_RU: [string, string, string] = ['id', 'id', 'id'];
const ASSERTION: [string, string] = ['assertion', 'assertions'];
const ASSERTION_RU: [string, string, string] = ['проверка', 'проверки', 'проверок'];
const ASSERTION_RU_OF: [string, string, string] = ['проверки', 'проверок', 'проверок'];

function list(c: Ctx, items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${c.tr('and', 'и')} ${items[items.length - 1]}`;
}

function nodesOf(c: Ctx, f: FaultInterval | null): string {
  return f && f.nodes.length ? list(c, f.nodes.map(c.md)) : c.md(f?.target ?? '');
}

const ERROR_WORDS: Record<string, [string, string]> = {
  connect_refused: ['could not connect (refused, or closed at once)', 'не удалось подключиться (отказ или немедленный разрыв)'],
  connect_timeout: ['connection timeout', 'таймаут соединения'],
  timeout: ['no answer within the timeout', 'нет ответа за отведённое время'],
  connection_lost: ['connection lost mid-statement', 'обрыв соединения во время запроса'],
  read_only: ['the server was read-only (SQLSTATE 25006)', 'сервер только для чтения (SQLSTATE 25006)'],
  sql: ['an SQL error', 'ошибка SQL'],
  other: ['other errors', 'прочие ошибки'],
};

function errorWords(c: Ctx, cls: string): string {
  const w = ERROR_WORDS[cls];
  return w ? c.tr(w[0], w[1]) : c.md(cls);
}

function faultPhrase(c: Ctx): string {
  const f = c.fault.primary;
  const who = nodesOf(c, f);
  // Russian names the action with a noun («остановка»), so no participle has to agree with the subject.
  const actions: Record<string, [string, string]> = {
    stop: ['stopped', 'остановка'],
    kill: ['killed (kill -9)', 'аварийное завершение (kill -9)'],
    pause: ['frozen (pause)', 'заморозка (pause)'],
    isolate: ['cut off the network', 'изоляция от сети'],
    'kill-patroni': ['left without Patroni (kill -9)', 'завершение Patroni (kill -9)'],
  };
  const pair = actions[f?.fault ?? ''];
  const verb = pair ? pair[0] : c.md(f?.fault ?? '');
  const noun = pair ? pair[1] : c.md(f?.fault ?? '');
  const Noun = `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`;
  const lasted = f && f.end_ms !== null ? c.tr(` for ${c.sec(f.end_ms - f.start_ms)}`, ` на ${c.sec(f.end_ms - f.start_ms)}`) : '';
  const etcdTotal = c.r.topology.etcd.length || 3;
  const etcdDown = f?.nodes.length || Math.floor(etcdTotal / 2) + 1;
  switch (c.fault.scenario) {
    case 'leader-crash':
      return c.tr(`The leader ${who} was killed (kill -9)`, `Лидер ${who} аварийно завершён (kill -9)`);
    case 'leader-stop':
      return c.tr(`The leader ${who} was stopped gracefully${lasted}`, `Лидер ${who} штатно остановлен${lasted}`);
    case 'patroni-kill':
      return c.tr(`Patroni on the leader ${who} was killed with kill -9 while its PostgreSQL kept running`, `Patroni на лидере ${who} завершён (kill -9), а его PostgreSQL продолжал работать`);
    case 'leader-pause':
      return c.tr(`The leader ${who} was frozen${lasted}`, `Лидер ${who} заморожен${lasted}`);
    case 'leader-isolate':
      return c.tr(`The leader ${who} was cut off the network${lasted}`, `Лидер ${who} отрезан от сети${lasted}`);
    case 'replica':
      return c.tr(`A replica (${who}) was ${verb}${lasted}`, `Реплика ${who}: ${noun}${lasted}`);
    case 'etcd-quorum':
      return c.tr(`${etcdDown} of ${etcdTotal} etcd members were ${verb}${lasted}, so the DCS lost its quorum`, `${Noun} ${etcdDown} из ${etcdTotal} узлов etcd${lasted}: DCS потерял кворум`);
    case 'etcd-minority':
      return c.tr(`${etcdDown} of ${etcdTotal} etcd members ${etcdDown === 1 ? 'was' : 'were'} ${verb}${lasted}; the quorum held`, `${Noun} ${etcdDown} из ${etcdTotal} узлов etcd${lasted}; кворум сохранился`);
    case 'haproxy':
      return c.tr(`The only HAProxy (${who}) was ${verb}${lasted}`, `Единственный HAProxy (${who}): ${noun}${lasted}`);
    case 'haproxy-vip':
      return c.tr(`The active HAProxy (${who}) was ${verb}${lasted}`, `Активный HAProxy (${who}): ${noun}${lasted}`);
    case 'keepalived':
      return c.tr(`keepalived on the VIP holder (${who}) was ${verb}${lasted}, its HAProxy left running`, `keepalived на держателе VIP (${who}): ${noun}${lasted}, его HAProxy продолжал работать`);
    case 'haproxy-standby':
      return c.tr(`The standby HAProxy (${who}), which does not hold the VIP, was ${verb}${lasted}`, `Резервный HAProxy (${who}), не держащий VIP: ${noun}${lasted}`);
    case 'pgbouncer':
      return c.tr(`pgbouncer (${who}) was ${verb}${lasted}`, `pgbouncer (${who}): ${noun}${lasted}`);
    case 'all-patroni':
      return c.tr(`Every Patroni node was ${verb}${lasted}`, `Все узлы Patroni: ${noun}${lasted}`);
    case 'switchover':
      return c.tr('A planned switchover was made', 'Выполнено плановое переключение (switchover)');
    case 'none':
      return c.tr('No fault was injected', 'Отказ не вносился');
    case 'leader-dcs-cut':
    case 'leader-replicas-cut':
    case 'leader-degraded':
    case 'leader-starved':
    case 'etcd-degraded':
    case 'postgres-crash':
    case 'disk-full':
    case 'other':
      return c.tr(`Fault ${c.md(f?.fault)} on ${who}${lasted}`, `Отказ ${c.md(f?.fault)} на ${who}${lasted}`);
  }
}

function longest(a: Availability): number {
  return longestWindow(a.windows)?.duration_ms ?? 0;
}

function leaderOf(members: readonly MemberRow[]): string | null {
  return members.find((m) => /leader|primary|master/i.test(m.role) && !/standby/i.test(m.role))?.name ?? null;
}

function headline(c: Ctx): string {
  const a = c.r.assertions;
  const failed = a.filter((x) => !x.passed);
  if (c.r.verdict === 'error') {
    const why = c.r.error ? `: ${c.md(c.r.error)}` : '';
    return c.tr(`**ERROR**: the run did not complete${why}.`, `**ОШИБКА**: запуск не завершён${why}.`);
  }
  if (c.r.verdict === 'pass') {
    return a.length
      ? c.tr(`**PASS**: all ${count('en', a.length, ASSERTION, ASSERTION_RU)} held.`, `**УСПЕХ**: ${a.length === 1 ? 'проверка выполнена' : `все ${count('ru', a.length, ASSERTION, ASSERTION_RU)} выполнены`}.`)
      : c.tr('**PASS** (no assertions were evaluated).', '**УСПЕХ** (проверки не выполнялись).');
  }
  const what = failed
    .slice(0, 3)
    .map((x) => c.tr(`${c.md(x.name)} (observed ${c.md(x.observed)}, required ${c.md(x.expected)})`, `${c.md(x.name)} (наблюдалось ${c.md(x.observed)}, требовалось ${c.md(x.expected)})`));
  const more = failed.length > 3 ? c.tr(`, and ${failed.length - 3} more`, ` и ещё ${failed.length - 3}`) : '';
  return c.tr(
    `**FAIL**: ${failed.length} of ${count('en', a.length, ASSERTION, ASSERTION_RU)} failed: ${what.join('; ')}${more}.`,
    `**ПРОВАЛ**: не выполнено ${failed.length} из ${count('ru', a.length, ASSERTION, ASSERTION_RU_OF)}: ${what.join('; ')}${more}.`,
  );
}

/**
 * Leaders in the order they held the key, repeats collapsed: [a, b] is a failover; [a] with a
 * new timeline is the same node demoted and promoted again (as after an etcd quorum loss).
 */
function leaderSequence(c: Ctx): string[] {
  const seq: string[] = [];
  const first = c.r.analysis.leader_changes[0]?.from ?? leaderOf(c.r.members_before);
  if (first) seq.push(first);
  for (const x of c.r.analysis.leader_changes) if (x.to && seq[seq.length - 1] !== x.to) seq.push(x.to);
  return seq;
}

/**
 * The cluster's timeline before and after. Analysis lists only increases, so the starting value
 * comes from the members before the run.
 */
export function timelineSpan(r: Results): { from: number | null; to: number | null } {
  const known = (xs: Array<number | null | undefined>) => xs.filter((x): x is number => typeof x === 'number');
  const before = known(r.members_before.map((m) => m.timeline));
  const later = known([...r.analysis.timelines.map((t) => t.timeline), ...r.analysis.leader_changes.map((x) => x.timeline), ...r.members_after.map((m) => m.timeline)]);
  const from = before.length ? Math.max(...before) : null;
  const to = later.length ? Math.max(...later, from ?? -Infinity) : from;
  return { from, to };
}

function clusterChangePhrase(c: Ctx): string | null {
  const { from: tlFrom, to: tlTo } = timelineSpan(c.r);
  const tlText = tlFrom !== null && tlTo !== null && tlTo > tlFrom ? c.tr(`, timeline ${tlFrom} → ${tlTo}`, `, таймлайн ${tlFrom} → ${tlTo}`) : '';
  const seq = leaderSequence(c);
  if (seq.length > 1) {
    return c.tr(`${c.md(seq[seq.length - 1])} became the leader${tlText}`, `лидером стал ${c.md(seq[seq.length - 1])}${tlText}`);
  }
  if (tlText) {
    const who = seq[0];
    return c.tr(`the same leader${who ? ` (${c.md(who)})` : ''} was demoted and promoted again${tlText}`, `тот же лидер${who ? ` (${c.md(who)})` : ''} был понижен и снова повышен${tlText}`);
  }
  return null;
}

function summary(c: Ctx): string {
  const w = c.r.analysis.writes;
  const rd = c.r.analysis.reads;
  const parts: string[] = [];
  const wl = longest(w);
  const rl = longest(rd);
  const pred = c.r.analysis.faults.find((f) => f.predicted && f.observed_ms > 0);
  const iv = pred?.predicted ? `${c.sec(pred.predicted.lo_ms)}–${c.sec(pred.predicted.hi_ms)}` : '';
  const boundText = pred
    ? pred.within
      ? c.tr(` (the configuration predicts ${iv})`, ` (конфигурация предсказывает ${iv})`)
      : pred.finding === 'faster'
        ? c.tr(` (faster than the ${iv} the configuration predicts)`, ` (быстрее предсказанных конфигурацией ${iv})`)
        : c.tr(` (longer than the ${iv} the configuration predicts)`, ` (дольше предсказанных конфигурацией ${iv})`)
    : '';
  if (w.attempts === 0 && rd.attempts === 0) {
    parts.push(c.tr('no client operations were recorded', 'операции клиентов не записаны'));
  } else if (wl === 0 && rl === 0) {
    parts.push(c.tr('reads and writes kept working throughout', 'чтение и запись работали без перерыва'));
  } else {
    if (wl > 0) parts.push(c.tr(`writes were unavailable for ${c.sec(wl)}${boundText}`, `запись была недоступна ${c.sec(wl)}${boundText}`));
    else if (w.attempts > 0) parts.push(c.tr('writes kept working', 'запись работала'));
    if (rl > 0) parts.push(c.tr(`reads for ${c.sec(rl)}`, `чтение — ${c.sec(rl)}`));
    else if (rd.attempts > 0) parts.push(c.tr('reads kept working', 'чтение продолжало работать'));
  }
  const change = clusterChangePhrase(c);
  if (change) parts.push(change);
  if (c.r.analysis.split_brain.length) parts.push(c.tr(`**split brain for ${c.sec(c.r.analysis.split_brain_ms)}**`, `**split brain в течение ${c.sec(c.r.analysis.split_brain_ms)}**`));
  if (w.accounted) {
    parts.push(
      w.lost > 0
        ? c.tr(`**${count('en', w.lost, ['acknowledged write was', 'acknowledged writes were'], WRITE_RU)} lost**`, `**потеряно подтверждённых записей: ${c.n(w.lost)}**`)
        : c.tr('no acknowledged write was lost', 'ни одна подтверждённая запись не потеряна'),
    );
  }
  const text = list(c, parts);
  return parts.length ? `${faultPhrase(c)}. ${text.charAt(0).toUpperCase()}${text.slice(1)}.` : `${faultPhrase(c)}.`;
}

function warnings(c: Ctx, missing: readonly string[]): string[] {
  const a = c.r.analysis;
  const out: string[] = [];
  if (a.split_brain.length) {
    const nodes = [...new Set(a.split_brain.flatMap((s) => s.nodes))].map(c.md);
    out.push(
      c.tr(
        `**Split brain:** ${list(c, nodes)} accepted writes at the same time for ${c.secExact(a.split_brain_ms)} in total (pg_is_in_recovery() = false on each, asked directly), first at ${c.at(a.split_brain[0]!.start_ms)}.`,
        `**Split brain:** ${list(c, nodes)} одновременно принимали запись, всего ${c.secExact(a.split_brain_ms)} (pg_is_in_recovery() = false на каждом, спрошено напрямую), впервые в ${c.at(a.split_brain[0]!.start_ms)}.`,
      ),
    );
  }
  const w = a.writes;
  if (w.accounted && w.lost > 0) {
    out.push(c.tr(`**Data loss:** ${count('en', w.lost, ['acknowledged write is', 'acknowledged writes are'], WRITE_RU)} missing from the table after the run.`, `**Потеря данных:** после запуска в таблице нет подтверждённых записей: ${c.n(w.lost)}.`));
  }
  if (w.unexpected > 0) out.push(c.tr(`**${c.n(w.unexpected)} unexpected rows:** present, but no client ever sent them.`, `**Неожиданные строки (${c.n(w.unexpected)}):** есть в таблице, но их никто не отправлял.`));
  if (w.duplicates > 0) out.push(c.tr(`**${c.n(w.duplicates)} duplicated keys or ids** in the table.`, `**Дубликаты ключей или id (${c.n(w.duplicates)})** в таблице.`));
  if (w.failed_present > 0) {
    out.push(c.tr(`**${c.n(w.failed_present)} writes reported as failed are present:** a client was told no, yet the row committed.`, `**Записи с отказом, которые всё же есть (${c.n(w.failed_present)}):** клиенту ответили ошибкой, но строка зафиксирована.`));
  }
  const gone = missing.map((m) => partName(c.lang, m));
  if (gone.length) out.push(c.tr(`**Incomplete run:** not recorded: ${gone.join(', ')}.`, `**Запуск неполный:** не записано: ${gone.join(', ')}.`));
  return out;
}

function availabilityParagraph(c: Ctx, a: Availability, kind: 'write' | 'read'): string | null {
  const isW = kind === 'write';
  if (a.attempts === 0) return isW ? c.tr('No writes were made.', 'Записей не было.') : c.tr('No reads were made.', 'Чтений не было.');
  const noun = (n: number) => (isW ? count(c.lang, n, WRITE, WRITE_RU) : count(c.lang, n, READ, READ_RU));
  const Kind = isW ? c.tr('Writes', 'Запись') : c.tr('Reads', 'Чтение');
  const bad = a.failed + a.indeterminate;
  // Russian agrees the verb with the noun: «запись работала», «чтение работало».
  const worked = isW ? 'работала' : 'работало';
  const wasOut = isW ? 'была недоступна' : 'было недоступно';
  const indet = a.indeterminate ? c.tr(` and ${c.n(a.indeterminate)} ${a.indeterminate === 1 ? 'was' : 'were'} indeterminate`, `, неопределённо — ${c.n(a.indeterminate)}`) : '';
  const tally = c.tr(`Of ${count('en', a.attempts, ATTEMPT, ATTEMPT_RU_OF)}, ${c.n(a.failed)} failed${indet}.`, `Из ${count('ru', a.attempts, ATTEMPT, ATTEMPT_RU_OF)}: отказ — ${c.n(a.failed)}${indet}.`);
  if (a.windows.length === 0) {
    return bad === 0
      ? c.tr(`${Kind} kept working: all ${noun(a.attempts)} succeeded.`, `${Kind} ${worked} без перерыва: все попытки успешны (${c.n(a.attempts)}).`)
      : c.tr(`${Kind} kept working apart from ${noun(bad)} that failed on their own, with no outage window.`, `${Kind} ${worked}, кроме ${c.n(bad)} отдельных неудач без окна простоя.`);
  }
  const lw = longestWindow(a.windows)!;
  const res = lw.resolution_ms || a.resolution_ms;
  const resText = res ? c.tr(` (measured to ±${fmtNumber('en', res)} ms)`, ` (точность ±${fmtNumber('ru', res)} мс)`) : '';
  const span = c.tr(`from ${c.at(lw.start_ms)} to ${c.at(lw.end_ms)}${resText}`, `с ${c.at(lw.start_ms)} по ${c.at(lw.end_ms)}${resText}`);
  if (a.windows.length === 1) {
    return c.tr(`${Kind} were unavailable once, for ${c.secExact(lw.duration_ms)}, ${span}. ${tally}`, `${Kind} ${wasOut} один раз, ${c.secExact(lw.duration_ms)}, ${span}. ${tally}`);
  }
  const nw = count(c.lang, a.windows.length, WINDOW, WINDOW_RU);
  return c.tr(
    `${Kind} were unavailable for ${c.secExact(a.total_unavailable_ms)} in ${nw}; the longest lasted ${c.secExact(lw.duration_ms)}, ${span}. ${tally}`,
    `${Kind} ${wasOut} ${c.secExact(a.total_unavailable_ms)} (${nw}); самое длинное окно — ${c.secExact(lw.duration_ms)}, ${span}. ${tally}`,
  );
}

function dominantError(c: Ctx, op: 'write' | 'read'): ErrorGroup | null {
  return c.r.analysis.errors.filter((e) => e.op === op).sort((a, b) => b.count - a.count)[0] ?? null;
}

function availabilitySection(c: Ctx): ConclusionSection {
  const a = c.r.analysis;
  const p: string[] = [];
  const wl = longest(a.writes);
  const rl = longest(a.reads);
  if (a.writes.attempts === 0 && a.reads.attempts === 0) {
    p.push(c.tr('No client operations were recorded, so availability cannot be judged.', 'Операции клиентов не записаны, судить о доступности нельзя.'));
  } else if (wl === 0 && rl === 0) {
    p.push(c.tr('**Yes.** The application kept working throughout: neither reads nor writes were interrupted.', '**Да.** Приложение работало всё время: ни чтение, ни запись не прерывались.'));
  } else if (wl > 0 && rl === 0 && a.reads.attempts > 0) {
    p.push(c.tr(`**Partly.** Reads kept working, but writes stopped for ${c.sec(wl)}: an application that only reads would not notice; one that writes would.`, `**Частично.** Чтение продолжалось, а запись остановилась на ${c.sec(wl)}: приложение, которое только читает, этого не заметит, а пишущее — заметит.`));
  } else if (wl > 0 && rl > 0) {
    p.push(c.tr(`**No.** Both reads and writes stopped (writes for ${c.sec(wl)}, reads for ${c.sec(rl)}): the application was down.`, `**Нет.** Остановились и чтение, и запись (запись на ${c.sec(wl)}, чтение на ${c.sec(rl)}): приложение не работало.`));
  } else if (wl > 0) {
    p.push(c.tr(`**No, not for writes:** they stopped for ${c.sec(wl)}.`, `**Нет, для записи:** она остановилась на ${c.sec(wl)}.`));
  } else {
    p.push(c.tr(`**Writes yes, reads no:** writes kept working, reads stopped for ${c.sec(rl)}.`, `**Запись да, чтение нет:** запись работала, чтение остановилось на ${c.sec(rl)}.`));
  }
  const wp = availabilityParagraph(c, a.writes, 'write');
  const rp = availabilityParagraph(c, a.reads, 'read');
  if (wp) p.push(wp);
  if (rp) p.push(rp);
  if (c.series && wl > 0 && a.reads.attempts > 0) {
    const lw = longestWindow(a.writes.windows)!;
    const rate = meanOver(c.series, c.series.read_ok, lw.start_ms, lw.end_ms);
    if (rate !== null && rate > 0) {
      p.push(c.tr(`During the longest write outage reads ran at ${fmtNumber('en', rate)} per second on average.`, `Во время самого длинного простоя записи чтение шло в среднем ${fmtNumber('ru', rate)} в секунду.`));
    }
  }
  for (const op of ['write', 'read'] as const) {
    const e = dominantError(c, op);
    if (!e) continue;
    const times = count(c.lang, e.count, ['time', 'times'], ['раз', 'раза', 'раз']);
    p.push(
      op === 'write'
        ? c.tr(`The most common write error: ${errorWords(c, e.class)}, ${times}.`, `Самая частая ошибка записи: ${errorWords(c, e.class)}, ${times}.`)
        : c.tr(`The most common read error: ${errorWords(c, e.class)}, ${times}.`, `Самая частая ошибка чтения: ${errorWords(c, e.class)}, ${times}.`),
    );
  }
  if (c.series) {
    const maxW = Math.max(0, ...c.series.write_max.filter((v): v is number => v !== null));
    if (maxW >= 1000) {
      p.push(c.tr(`The slowest acknowledged write took ${c.sec(maxW)}: it waited through the trouble instead of failing.`, `Самая медленная подтверждённая запись заняла ${c.sec(maxW)}: она переждала сбой, а не завершилась ошибкой.`));
    }
  }
  return { id: 'availability', title: c.tr('Does the application keep working?', 'Продолжает ли приложение работать?'), paragraphs: p };
}

function mechanism(c: Ctx): string | null {
  const cfg = c.r.config;
  const ttl = c.sec(cfg.ttl * 1000);
  const lw = c.sec(cfg.loop_wait * 1000);
  const rt = c.sec(cfg.retry_timeout * 1000);
  const check = `rise ${cfg.haproxy.rise} × inter ${c.sec(cfg.haproxy.inter_ms)}`;
  const down = `fall ${cfg.haproxy.fall} × inter ${c.sec(cfg.haproxy.inter_ms)}`;
  const wl = longest(c.r.analysis.writes);
  const span = timelineSpan(c.r);
  const tlChanged = span.from !== null && span.to !== null && span.to > span.from;
  const sameNode = leaderSequence(c).length <= 1 && tlChanged;
  switch (c.fault.scenario) {
    case 'leader-crash':
      return c.tr(
        `A dead leader stops renewing its key in etcd. The key expires after ttl (${ttl}); the healthiest replica takes it at its next loop (loop_wait ${lw}) and promotes, and HAProxy sends writes there once the new leader's /primary check passes (${check}).`,
        `Упавший лидер перестаёт продлевать свой ключ в etcd. Ключ истекает через ttl (${ttl}); самая здоровая реплика забирает его на следующем цикле (loop_wait ${lw}) и повышается, а HAProxy направляет туда запись, когда проверка /primary нового лидера проходит (${check}).`,
      );
    case 'leader-stop':
      return c.tr(
        `On a graceful stop Patroni releases the leader key itself, so a replica promotes at its next loop (loop_wait ${lw}) without waiting for ttl; HAProxy follows after ${check}.`,
        `При штатной остановке Patroni сам освобождает ключ лидера, поэтому реплика повышается на следующем цикле (loop_wait ${lw}), не дожидаясь ttl; HAProxy переключается через ${check}.`,
      );
    case 'patroni-kill':
      return c.tr(
        `With Patroni gone its PostgreSQL ran on unsupervised. HAProxy dropped the node as soon as its REST API stopped answering (${down}), and a replica took the key after ttl (${ttl}). But the old PostgreSQL still accepted writes from anyone connected to it directly: nothing stops it without a watchdog.`,
        `Без Patroni его PostgreSQL продолжил работать без присмотра. HAProxy исключил узел, как только REST API перестал отвечать (${down}), а реплика забрала ключ через ttl (${ttl}). Но старый PostgreSQL по-прежнему принимал запись от тех, кто подключён к нему напрямую: без watchdog его некому остановить.`,
      );
    case 'leader-pause':
      return c.tr(
        `A frozen leader cannot renew its key; after ttl (${ttl}) a replica took over. On resume the old leader must notice it lost the key and demote before it acknowledges anything.`,
        `Замороженный лидер не может продлить ключ; через ttl (${ttl}) его место заняла реплика. После разморозки старый лидер должен увидеть, что ключ потерян, и понизиться, прежде чем подтверждать что-либо.`,
      );
    case 'leader-isolate':
      return c.tr(
        `The isolated leader could not renew its key: it demoted itself within retry_timeout (${rt}), and the majority side promoted a new leader after ttl (${ttl}).`,
        `Изолированный лидер не смог продлить ключ: он понизил себя в пределах retry_timeout (${rt}), а сторона большинства повысила нового лидера через ttl (${ttl}).`,
      );
    case 'etcd-quorum':
      if (cfg.failsafe_mode && wl === 0) {
        return c.tr(
          'Without an etcd quorum the leader could not renew its key, but failsafe_mode was on: the leader kept serving because it could reach every member over the REST API.',
          'Без кворума etcd лидер не мог продлить ключ, но был включён failsafe_mode: лидер продолжал работать, так как достучался до всех узлов по REST API.',
        );
      }
      return c.tr(
        `Without an etcd quorum the leader cannot renew the leader key. After retry_timeout (${rt}) it demoted itself to read-only${cfg.failsafe_mode ? ' (failsafe_mode was on, but it only helps while the leader reaches every member)' : ' (failsafe_mode was off)'}, so writes were refused. Replicas need no DCS to serve reads. When the quorum returned, Patroni took the key again${sameNode ? ' and promoted the same node, which raised the timeline' : ''}.`,
        `Без кворума etcd лидер не может продлить ключ. Через retry_timeout (${rt}) он понизил себя до режима только для чтения${cfg.failsafe_mode ? ' (failsafe_mode был включён, но он помогает, только пока лидер видит все узлы)' : ' (failsafe_mode выключен)'}, и запись стала отклоняться. Репликам DCS для чтения не нужен. Когда кворум вернулся, Patroni снова взял ключ${sameNode ? ' и повысил тот же узел, отчего вырос таймлайн' : ''}.`,
      );
    case 'etcd-minority':
      return c.tr('etcd kept its quorum, so Patroni noticed nothing: the leader renewed its key as usual.', 'etcd сохранил кворум, и Patroni ничего не заметил: лидер продлевал ключ как обычно.');
    case 'haproxy':
      return c.tr(
        'Patroni and PostgreSQL noticed nothing: the cluster stayed healthy, but its only entry point was gone, so every client was cut off until HAProxy came back.',
        'Patroni и PostgreSQL ничего не заметили: кластер был исправен, но его единственная точка входа пропала, и все клиенты были отрезаны, пока HAProxy не вернулся.',
      );
    case 'haproxy-vip':
      return c.tr(
        'Patroni and PostgreSQL noticed nothing; keepalived moved the virtual IP to the standby HAProxy, and clients reconnected there.',
        'Patroni и PostgreSQL ничего не заметили; keepalived перенёс виртуальный IP на резервный HAProxy, и клиенты переподключились к нему.',
      );
    case 'keepalived':
      return c.tr(
        "A keepalived that dies without a word leaves the virtual IP on its node, where HAProxy still serves it. The backup stops hearing advertisements and claims the address after 3 × advert_int plus its skew; the connections made through the old holder are then reset, and clients reconnect to the new one.",
        'keepalived, завершившийся молча, оставляет виртуальный IP на своём узле, где HAProxy продолжает его обслуживать. Резервный узел перестаёт слышать анонсы и забирает адрес через 3 × advert_int плюс свой skew; соединения через старого держателя при этом сбрасываются, и клиенты переподключаются к новому.',
      );
    case 'haproxy-standby':
      return c.tr(
        'Clients reach HAProxy only through the virtual IP, and the stopped HAProxy did not hold it: nothing on the write path changed.',
        'Клиенты обращаются к HAProxy только через виртуальный IP, а остановленный HAProxy его не держал: на пути записи ничего не изменилось.',
      );
    case 'pgbouncer':
      return c.tr(
        "HAProxy's check asks Patroni's REST API, which kept answering that this node is the primary, so HAProxy went on sending writes to a pgbouncer that was not there. Patroni did not fail over: PostgreSQL itself was fine.",
        'Проверка HAProxy спрашивает REST API Patroni, а тот продолжал отвечать, что узел — ведущий, поэтому HAProxy по-прежнему слал запись в отсутствующий pgbouncer. Patroni не переключался: сам PostgreSQL был исправен.',
      );
    case 'replica':
      return c.tr(
        `The leader went on. HAProxy took the replica out of the read pool after ${down} and cut its sessions; reads moved to the remaining replicas.`,
        `Лидер продолжал работу. HAProxy убрал реплику из пула чтения через ${down} и оборвал её сессии; чтение перешло на оставшиеся реплики.`,
      );
    case 'switchover':
      return c.tr(
        'A switchover hands the key over in order: the old leader demotes first, then the candidate promotes, so the outage is short and nothing acknowledged is at risk.',
        'При switchover ключ передаётся по порядку: сначала старый лидер понижается, затем кандидат повышается, поэтому простой короткий, а подтверждённые данные не под угрозой.',
      );
    case 'all-patroni':
      return c.tr('With every database node down there was nothing to fail over to.', 'Когда упали все узлы с базой, переключаться было некуда.');
    case 'leader-dcs-cut':
      return c.tr(
        `The leader lost etcd while its replicas did not: it could not renew its key and demoted itself within retry_timeout (${rt}) of its first failed renewal, and a replica took the key once it expired, ttl (${ttl}) after the last renewal.`,
        `Лидер потерял связь с etcd, а реплики нет: он не смог продлить ключ и понизил себя через retry_timeout (${rt}) после первой неудачной попытки, а реплика забрала ключ, когда тот истёк — через ttl (${ttl}) после последнего продления.`,
      );
    case 'leader-replicas-cut':
    case 'leader-degraded':
    case 'leader-starved':
    case 'etcd-degraded':
    case 'postgres-crash':
    case 'disk-full':
    case 'none':
    case 'other':
      return null;
  }
}

function membersText(c: Ctx, members: readonly MemberRow[]): string {
  return members
    .map((m) => {
      const tl = m.timeline !== null ? `, TL ${m.timeline}` : '';
      const lag = m.lag ? c.tr(`, lag ${fmtBytes('en', m.lag)}`, `, отставание ${fmtBytes('ru', m.lag)}`) : '';
      return `${c.md(m.name)}: ${c.md(m.role)} (${c.md(m.state)}${tl}${lag})`;
    })
    .join('; ');
}

function clusterSection(c: Ctx): ConclusionSection {
  const a = c.r.analysis;
  const p: string[] = [];
  const changes = a.leader_changes.filter((x) => x.from !== x.to);
  const span = timelineSpan(c.r);
  const tlMoved = span.from !== null && span.to !== null && span.to > span.from;
  if (changes.length) {
    const shown = changes.slice(0, 4).map((x) => {
      const tl = x.timeline !== undefined ? c.tr(` (timeline ${x.timeline})`, ` (таймлайн ${x.timeline})`) : '';
      if (x.from && x.to) return c.tr(`at ${c.at(x.t_ms)} the leader moved from ${c.md(x.from)} to ${c.md(x.to)}${tl}`, `в ${c.at(x.t_ms)} лидер сменился с ${c.md(x.from)} на ${c.md(x.to)}${tl}`);
      if (x.to) return c.tr(`at ${c.at(x.t_ms)} ${c.md(x.to)} became the leader${tl}`, `в ${c.at(x.t_ms)} лидером стал ${c.md(x.to)}${tl}`);
      return c.tr(`at ${c.at(x.t_ms)} ${c.md(x.from)} lost the leadership and nobody held it`, `в ${c.at(x.t_ms)} ${c.md(x.from)} потерял лидерство, и ключ никому не принадлежал`);
    });
    const more = changes.length > 4 ? c.tr(`; ${changes.length} changes in all`, `; всего смен: ${changes.length}`) : '';
    const text = `${shown.join('; ')}${more}.`;
    p.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}`);
    if (tlMoved) p.push(c.tr(`The timeline went from ${span.from} to ${span.to}: each promotion starts a new one.`, `Таймлайн вырос с ${span.from} до ${span.to}: каждое повышение начинает новый.`));
  } else if (tlMoved) {
    const who = leaderOf(c.r.members_after) ?? leaderOf(c.r.members_before);
    p.push(
      c.tr(
        `The leader did not change${who ? ` (${c.md(who)})` : ''}, but it was demoted and promoted again: the timeline went from ${span.from} to ${span.to}.`,
        `Лидер не сменился${who ? ` (${c.md(who)})` : ''}, но был понижен и снова повышен: таймлайн вырос с ${span.from} до ${span.to}.`,
      ),
    );
  } else {
    const who = leaderOf(c.r.members_before);
    p.push(c.tr(`The leader${who ? ` (${c.md(who)})` : ''} stayed the same and the timeline did not change.`, `Лидер${who ? ` (${c.md(who)})` : ''} остался прежним, таймлайн не изменился.`));
  }
  const m = mechanism(c);
  if (m) p.push(m);
  if (a.split_brain.length) {
    const s = a.split_brain[0]!;
    p.push(
      c.tr(
        `**Split brain:** from ${c.at(s.start_ms)} for ${c.secExact(s.duration_ms)} ${list(c, s.nodes.map(c.md))} both answered pg_is_in_recovery() = false. HAProxy sent clients to one of them, but anything connected directly to the other could write there too.`,
        `**Split brain:** с ${c.at(s.start_ms)} в течение ${c.secExact(s.duration_ms)} ${list(c, s.nodes.map(c.md))} оба отвечали pg_is_in_recovery() = false. HAProxy направлял клиентов к одному из них, но всё, что подключено к другому напрямую, могло писать и туда.`,
      ),
    );
  }
  if (c.r.members_after.length) {
    const oldLeader = leaderOf(c.r.members_before);
    const newLeader = leaderOf(c.r.members_after);
    const rejoined = oldLeader && newLeader && oldLeader !== newLeader ? c.r.members_after.find((x) => x.name === oldLeader) : undefined;
    const rejoin = rejoined
      ? /replica|standby/i.test(rejoined.role)
        ? c.tr(` The old leader ${c.md(oldLeader)} rejoined as a replica (Patroni rewinds it when its timeline diverged).`, ` Старый лидер ${c.md(oldLeader)} вернулся репликой (Patroni делает pg_rewind, если таймлайн разошёлся).`)
        : c.tr(` The old leader ${c.md(oldLeader)} is ${c.md(rejoined.state)}.`, ` Старый лидер ${c.md(oldLeader)}: ${c.md(rejoined.state)}.`)
      : '';
    p.push(c.tr(`After the run: ${membersText(c, c.r.members_after)}.${rejoin}`, `После запуска: ${membersText(c, c.r.members_after)}.${rejoin}`));
  }
  return { id: 'cluster', title: c.tr('What changed in the cluster?', 'Что изменилось в кластере?'), paragraphs: p };
}

function lossCause(c: Ctx, one: boolean): string {
  const a = c.r.analysis;
  if (a.split_brain.length) {
    return one
      ? c.tr(
          'It went to the old leader during the split brain and was discarded when that node rejoined the new timeline (pg_rewind).',
          'Она попала на старого лидера во время split brain и была отброшена, когда этот узел вернулся на новый таймлайн (pg_rewind).',
        )
      : c.tr(
          'They went to the old leader during the split brain and were discarded when that node rejoined the new timeline (pg_rewind).',
          'Они попали на старого лидера во время split brain и были отброшены, когда этот узел вернулся на новый таймлайн (pg_rewind).',
        );
  }
  if (c.fault.scenario === 'leader-pause' && /^3\.0\.[0-2]\b/.test(c.r.versions.patroni)) {
    return c.tr(
      `Patroni ${c.md(c.r.versions.patroni)} with the etcd3 DCS overwrites the new leader's key when a paused leader resumes; the new leader demotes and every node rewinds. Fixed in Patroni 3.0.3.`,
      `Patroni ${c.md(c.r.versions.patroni)} с DCS etcd3 перезаписывает ключ нового лидера, когда замороженный лидер оживает; новый лидер понижается, и все узлы откатываются. Исправлено в Patroni 3.0.3.`,
    );
  }
  if (!c.r.config.synchronous_mode) {
    return c.tr(
      `With asynchronous replication the new leader had not received ${one ? 'it' : 'them'}: a failover drops the old leader's unreplicated tail (up to maximum_lag_on_failover = ${fmtBytes('en', c.r.config.maximum_lag_on_failover)}).`,
      `При асинхронной репликации новый лидер ${one ? 'её' : 'их'} не получил: при переключении теряется нереплицированный хвост старого лидера (до maximum_lag_on_failover = ${fmtBytes('ru', c.r.config.maximum_lag_on_failover)}).`,
    );
  }
  return c.tr('synchronous_mode was on, so this should not happen: worth a close look.', 'synchronous_mode был включён, так быть не должно: стоит разобраться.');
}

function gapCounts(gaps: readonly IdGap[]): Record<IdGap['cause'], { n: number; ids: number }> {
  const out = { failed_attempts: { n: 0, ids: 0 }, sequence_prelog: { n: 0, ids: 0 }, unexplained: { n: 0, ids: 0 } };
  for (const g of gaps) {
    out[g.cause].n++;
    out[g.cause].ids += g.size;
  }
  return out;
}

function dataSection(c: Ctx): ConclusionSection {
  const w = c.r.analysis.writes;
  const p: string[] = [];
  if (!w.accounted) {
    p.push(c.tr('**Unknown.** The table was not read after the run, so whether acknowledged writes survived cannot be said.', '**Неизвестно.** Таблицу после запуска не прочитали, поэтому нельзя сказать, сохранились ли подтверждённые записи.'));
  } else if (w.lost === 0) {
    p.push(
      c.tr(
        `**No.** All ${count('en', w.acknowledged, ['acknowledged write is', 'acknowledged writes are'], WRITE_RU)} in the table after the run.`,
        `**Нет.** Все подтверждённые записи (${c.n(w.acknowledged)}) есть в таблице после запуска.`,
      ),
    );
  } else {
    const keys = w.lost_keys.slice(0, 5).map((k) => c.md(k)).join(', ');
    const more = w.lost_keys.length > 5 ? ', …' : '';
    const one = w.lost === 1;
    const told = one
      ? c.tr('the client was told it committed, and it is not in the table', 'клиенту ответили, что она зафиксирована, но в таблице её нет')
      : c.tr('the clients were told they committed, and they are not in the table', 'клиентам ответили, что они зафиксированы, но в таблице их нет');
    p.push(
      c.tr(
        `**Yes: ${count('en', w.lost, ['acknowledged write was', 'acknowledged writes were'], WRITE_RU)} lost** out of ${c.n(w.acknowledged)}: ${told} (${keys}${more}). ${lossCause(c, one)}`,
        `**Да: потеряно подтверждённых записей — ${c.n(w.lost)}** из ${c.n(w.acknowledged)}: ${told} (${keys}${more}). ${lossCause(c, one)}`,
      ),
    );
  }
  if (w.indeterminate > 0) {
    const one = w.indeterminate === 1;
    const tail = !w.accounted
      ? c.tr('Without the final read it is unknown whether it committed.', 'Без финального чтения неизвестно, зафиксирована ли она.')
      : one
        ? w.recovered
          ? c.tr('It committed anyway and is in the table (recovered).', 'Она всё же зафиксирована и есть в таблице.')
          : c.tr('It never committed: it is not in the table.', 'Она не зафиксирована: в таблице её нет.')
        : c.tr(`${c.n(w.recovered)} of them committed anyway and are in the table (recovered), ${c.n(w.indeterminate_absent)} did not.`, `${c.n(w.recovered)} из них всё же зафиксированы и есть в таблице, ${c.n(w.indeterminate_absent)} — нет.`);
    const what = one
      ? c.tr('1 write was indeterminate: sent, but no answer came.', 'Одна запись осталась неопределённой: отправлена, но ответа не было.')
      : c.tr(`${c.n(w.indeterminate)} writes were indeterminate: sent, but no answer came.`, `Неопределённых записей: ${c.n(w.indeterminate)} — отправлены, но ответа не было.`);
    p.push(
      c.tr(
        `${what} ${tail} Neither is a loss, but the application cannot tell which happened: it must retry with an idempotency key (as these drills' clients do) rather than assume.`,
        `${what} ${tail} Ни то ни другое не потеря, но приложение не знает, что произошло: повторять нужно с ключом идемпотентности (как делают клиенты этих учений), а не гадать.`,
      ),
    );
  }
  const gaps = c.r.analysis.id_gaps;
  if (gaps.length === 0) {
    if (w.accounted) p.push(c.tr('The ids have no gaps.', 'Пропусков в id нет.'));
  } else {
    const total = gaps.reduce((s, g) => s + g.size, 0);
    const by = gapCounts(gaps);
    const parts: string[] = [];
    if (by.failed_attempts.n) parts.push(c.tr(`${count('en', by.failed_attempts.n, GAP, GAP_RU)} by failed or indeterminate inserts`, `${count('ru', by.failed_attempts.n, GAP, GAP_RU)} — неудачными или неопределёнными вставками`));
    if (by.sequence_prelog.n) parts.push(c.tr(`${count('en', by.sequence_prelog.n, GAP, GAP_RU)} by the sequence's pre-logging after a promotion`, `${count('ru', by.sequence_prelog.n, GAP, GAP_RU)} — предзаписью последовательности после повышения`));
    const explained = parts.length ? c.tr(` Explained here: ${list(c, parts)}.`, ` Здесь объяснены: ${list(c, parts)}.`) : '';
    const unexplained = by.unexplained.n
      ? c.tr(` **${count('en', by.unexplained.n, GAP, GAP_RU)} (${c.n(by.unexplained.ids)} ids) could not be explained:** worth a look.`, ` **${count('ru', by.unexplained.n, GAP, GAP_RU)} (${c.n(by.unexplained.ids)} id) объяснить не удалось:** стоит посмотреть.`)
      : '';
    p.push(
      c.tr(
        `**Is the ID gap a loss? No.** The ids have ${count('en', gaps.length, GAP, GAP_RU)} (${count('en', total, ID, ID_RU)} missing), but a gap is not lost data: nextval() is never rolled back, so failed and indeterminate inserts leave holes, and PostgreSQL WAL-logs a sequence 32 values ahead, so a promoted replica can jump by up to 32.${explained}${unexplained}`,
        `**Пропуск ID — потеря? Нет.** В id ${count('ru', gaps.length, GAP, GAP_RU)} (не хватает ${c.n(total)} id), но пропуск — не потеря данных: nextval() не откатывается, поэтому неудачные и неопределённые вставки оставляют дыры, а PostgreSQL пишет последовательность в WAL на 32 значения вперёд, так что повышенная реплика может перескочить до 32.${explained}${unexplained}`,
      ),
    );
  }
  return { id: 'data', title: c.tr('Was anything lost? Is an ID gap a loss?', 'Потеряно ли что-нибудь? Пропуск ID — это потеря?'), paragraphs: p };
}

function phaseWhy(c: Ctx, row: PhaseRow): string {
  const took = c.sec(row.took_ms);
  // The model's phases are instants counted from the fault's effect, not durations of their own.
  const exp = row.expected_ms !== null ? c.tr(`by ${c.sec(row.expected_ms)} after the fault`, `к ${c.sec(row.expected_ms)} после отказа`) : null;
  const cfg = c.r.config;
  switch (row.key) {
    case 'detect':
      return c.tr(
        `The leader key was released ${took} after the fault${exp ? `, more than ttl (${exp})` : ''}: the key lives ttl from its last renewal, and when etcd itself is slow or changing leader, its lease expiry comes late.`,
        `Ключ лидера освободился через ${took} после отказа${exp ? `, дольше ttl (${exp})` : ''}: ключ живёт ttl с последнего продления, а если etcd сам тормозит или меняет лидера, аренда истекает позже.`,
      );
    case 'promote':
      if (c.fault.scenario === 'etcd-quorum') {
        const healed = c.fault.primary?.end_ms;
        const after = healed !== null && healed !== undefined ? c.sec(row.to_ms - healed) : took;
        return c.tr(
          `Most of the overrun came after the quorum returned: the leader was promoted again ${after} later, not within one loop_wait (${c.sec(cfg.loop_wait * 1000)}). etcd first has to elect its own leader, then Patroni's next loop takes the key, and PostgreSQL must finish promoting (a new timeline, a checkpoint).`,
          `Большая часть превышения пришлась на время после возврата кворума: лидер снова повышен через ${after}, а не за один loop_wait (${c.sec(cfg.loop_wait * 1000)}). Сначала etcd выбирает собственного лидера, затем Patroni на следующем цикле берёт ключ, и PostgreSQL должен завершить повышение (новый таймлайн, контрольная точка).`,
        );
      }
      return c.tr(
        `After the key was released, promotion took ${took}${exp ? `, more than loop_wait (${exp})` : ''}: replicas notice at their next loop, check the other members' REST API (waiting up to retry_timeout for one that does not answer), and PostgreSQL has to replay what it received and finish promoting.`,
        `После освобождения ключа повышение заняло ${took}${exp ? `, дольше loop_wait (${exp})` : ''}: реплики замечают это на следующем цикле, опрашивают REST API остальных узлов (ожидая до retry_timeout того, кто не отвечает), а PostgreSQL должен доиграть полученный WAL и завершить повышение.`,
      );
    case 'route':
      if (c.fault.scenario === 'haproxy-vip' || c.fault.scenario === 'keepalived') {
        return c.tr(
          `The virtual IP led to a serving HAProxy again ${took} after the fault: keepalived noticed and the backup took the address over${exp ? ` (${exp})` : ''}.`,
          `Виртуальный IP снова вёл к работающему HAProxy через ${took} после отказа: keepalived заметил сбой, и резервный узел забрал адрес${exp ? ` (${exp})` : ''}.`,
        );
      }
      if (c.fault.scenario === 'haproxy') {
        return c.tr(
          `HAProxy routed again ${took} after it was stopped: the fault itself${exp ? ` (${exp})` : ''} plus HAProxy's start-up.`,
          `HAProxy снова направлял запросы через ${took} после остановки: сам отказ${exp ? ` (${exp})` : ''} плюс запуск HAProxy.`,
        );
      }
      return c.tr(
        `HAProxy needed ${took} to send writes to the new leader${exp ? `, more than its checks allow (${exp})` : ''}: it asks /primary every inter (${c.sec(cfg.haproxy.inter_ms)}) and wants rise (${cfg.haproxy.rise}) successes in a row; a check that hangs until timeout check costs more.`,
        `HAProxy понадобилось ${took}, чтобы направить запись к новому лидеру${exp ? `, больше, чем позволяют проверки (${exp})` : ''}: он спрашивает /primary раз в inter (${c.sec(cfg.haproxy.inter_ms)}) и ждёт rise (${cfg.haproxy.rise}) успехов подряд; проверка, зависшая до timeout check, стоит дороже.`,
      );
    case 'reconnect': {
      const misrouted = c.r.analysis.errors.some((e) => e.op === 'write' && e.class === 'read_only');
      const why = misrouted
        ? c.tr(
            ' Some writes in between reached a read-only server (SQLSTATE 25006): HAProxy treats servers as up before their first check, so right after a (re)start a write can land on a replica.',
            ' Часть записей в этот промежуток попала на сервер только для чтения (SQLSTATE 25006): HAProxy считает серверы живыми до первой проверки, поэтому сразу после (пере)запуска запись может попасть на реплику.',
          )
        : '';
      return c.tr(
        `The first write was acknowledged ${took} after HAProxy routed again: the clients' reconnect back-off and connect timeout added that.${why}`,
        `Первая запись подтверждена через ${took} после того, как HAProxy снова направил запросы: это добавили пауза клиента перед переподключением и таймаут соединения.${why}`,
      );
    }
  }
}

function boundSection(c: Ctx): ConclusionSection {
  const a = c.r.analysis;
  const p: string[] = [];
  const predicted = a.faults.filter((f) => f.predicted);
  if (predicted.length === 0) {
    p.push(c.tr('No interval was predicted for this fault, so there is nothing to compare with.', 'Для этого отказа интервал не предсказывался, сравнивать не с чем.'));
  }
  for (const pr of predicted) p.push(predictionParagraph(c, pr));
  const o = a.outages[0];
  if (o) {
    const pred = faultFor(a, 0);
    const rows = phaseRows(o, pred);
    if (rows.length) {
      const parts = rows.map((r) => `${phaseName(c, r.key)} ${fmtS(c.lang, r.took_ms, 2)}`);
      p.push(c.tr(`The outage broke down as: ${parts.join(', ')}.`, `Простой сложился из: ${parts.join(', ')}.`));
    }
    if (pred && pred.within === false) {
      const worst = worstPhase(rows);
      p.push(
        worst
          ? phaseWhy(c, worst)
          : c.tr(
              'The phases were not observed, so the overrun cannot be pinned on a step; the usual suspects are HAProxy\'s check timing (inter × rise) and how long the promotion itself takes.',
              'Фазы не наблюдались, поэтому превышение не привязать к шагу; обычно виноваты тайминги проверок HAProxy (inter × rise) и длительность самого повышения.',
            ),
      );
    }
  }
  return { id: 'bound', title: c.tr('Does the outage match what the configuration predicts?', 'Совпадает ли простой с тем, что предсказывает конфигурация?'), paragraphs: p };
}

export function phaseName(c: { tr: Tr }, key: PhaseRow['key']): string {
  switch (key) {
    case 'detect':
      return c.tr('detection (fault → leader key released)', 'обнаружение (отказ → ключ лидера освобождён)');
    case 'promote':
      return c.tr('promotion (→ new leader promoted)', 'повышение (→ новый лидер повышен)');
    case 'route':
      return c.tr('routing (→ HAProxy sends writes there)', 'маршрутизация (→ HAProxy направляет запись)');
    case 'reconnect':
      return c.tr('reconnection (→ first acknowledged write)', 'переподключение (→ первая подтверждённая запись)');
  }
}

function predictionParagraph(c: Ctx, pr: FaultResult): string {
  const iv = pr.predicted!;
  const formula = c.md(iv.terms.map((t) => t.label).join(' + '));
  const combo = pr.combined_with ? c.tr(` Together with ${pr.combined_with.fault}: ${pr.combined_with.story}.`, ` Вместе с ${pr.combined_with.fault}: ${pr.combined_with.story}.`) : '';
  if (pr.explained_by) {
    return c.tr(
      `${pr.fault}: its outage is judged together with ${pr.explained_by.fault}, which took effect while it was in effect.`,
      `${pr.fault}: его простой оценивается вместе с ${pr.explained_by.fault}, который подействовал, пока он действовал.`,
    );
  }
  if (iv.hi_ms === 0) {
    return pr.within
      ? c.tr(`**Yes.** The configuration predicts no write outage for ${pr.fault}, and there was none.${combo}`, `**Да.** Для ${pr.fault} конфигурация не предсказывает простоя записи, и его не было.${combo}`)
      : c.tr(
          `**No.** The configuration predicts no write outage for ${pr.fault}, yet writes stopped for ${c.secExact(pr.observed_ms)}.${combo}`,
          `**Нет.** Для ${pr.fault} конфигурация не предсказывает простоя записи, а запись остановилась на ${c.secExact(pr.observed_ms)}.${combo}`,
        );
  }
  const range = `${c.secExact(iv.lo_ms)} … ${c.secExact(iv.hi_ms)}`;
  if (pr.within) {
    return c.tr(
      `**Yes.** The write outage after ${pr.fault}, ${c.secExact(pr.observed_ms)}, is within the ${range} the configuration predicts (${formula}).${combo}`,
      `**Да.** Простой записи после ${pr.fault}, ${c.secExact(pr.observed_ms)}, укладывается в предсказанные конфигурацией ${range} (${formula}).${combo}`,
    );
  }
  if (pr.finding === 'faster') {
    return c.tr(
      `**No: faster.** The write outage after ${pr.fault}, ${c.secExact(pr.observed_ms)}, is shorter than the ${range} the configuration predicts (${formula}): either the model or the clock is wrong, worth a look.${combo}`,
      `**Нет: быстрее.** Простой записи после ${pr.fault}, ${c.secExact(pr.observed_ms)}, короче предсказанных ${range} (${formula}): ошибается модель или часы, стоит разобраться.${combo}`,
    );
  }
  return c.tr(
    `**No.** The write outage after ${pr.fault}, ${c.secExact(pr.observed_ms)}, exceeds the ${range} the configuration predicts (${formula}) by ${c.sec(pr.observed_ms - iv.hi_ms)}.${combo}`,
    `**Нет.** Простой записи после ${pr.fault}, ${c.secExact(pr.observed_ms)}, превышает предсказанные конфигурацией ${range} (${formula}) на ${c.sec(pr.observed_ms - iv.hi_ms)}.${combo}`,
  );
}

function remedySection(c: Ctx): ConclusionSection {
  const cfg = c.r.config;
  const a = c.r.analysis;
  const p: string[] = [];
  const wl = longest(a.writes);
  const failover = c.tr(
    `The outage is mostly ttl: lowering ttl and loop_wait (Patroni 4 keeps ttl ≥ 20 s and loop_wait + 2 × retry_timeout ≤ ttl) and HAProxy's inter/rise shortens it, at the price of failovers on short hiccups.`,
    `Простой в основном определяется ttl: уменьшение ttl и loop_wait (Patroni 4 требует ttl ≥ 20 с и loop_wait + 2 × retry_timeout ≤ ttl) и inter/rise у HAProxy сокращает его ценой переключений на коротких сбоях.`,
  );
  switch (c.fault.scenario) {
    case 'haproxy':
      p.push(
        c.tr(
          '**A single HAProxy is a single point of failure:** the database was fine, yet nobody could reach it. Run two HAProxy nodes with keepalived moving a virtual IP between them (failover in a few seconds), or put a cloud or Kubernetes load balancer in front; clients should retry their connection.',
          '**Единственный HAProxy — единая точка отказа:** база была исправна, но до неё никто не мог достучаться. Нужны два узла HAProxy с keepalived, переносящим виртуальный IP (переключение за несколько секунд), или облачный либо Kubernetes-балансировщик; клиенты должны повторять подключение.',
        ),
      );
      break;
    case 'haproxy-vip':
      p.push(c.tr("The load balancer is redundant already; the remaining outage is keepalived's check interval plus the backup's takeover (its skew, a fraction of advert_int; 3 × advert_int when the holder goes silent): check more often, lower advert_int, and use nopreempt so the recovered node does not take the IP back with a second blip.", 'Балансировщик уже резервирован; оставшийся простой — это интервал проверки keepalived плюс перехват резервным узлом (его skew, доля advert_int; 3 × advert_int, если держатель замолчал): проверяйте чаще, уменьшите advert_int и включите nopreempt, чтобы вернувшийся узел не забирал IP обратно со вторым перерывом.'));
      break;
    case 'keepalived':
      p.push(c.tr("Losing keepalived alone costs only a reset of open connections when the backup claims the VIP; clients that reconnect on error do not notice. Run keepalived under a supervisor that restarts it (systemd's Restart=on-failure).", 'Потеря одного keepalived стоит лишь сброса открытых соединений, когда резервный узел забирает VIP; клиенты, переподключающиеся при ошибке, этого не замечают. Запускайте keepalived под супервизором, который его перезапустит (Restart=on-failure в systemd).'));
      break;
    case 'etcd-quorum':
      p.push(
        cfg.failsafe_mode
          ? c.tr('failsafe_mode was on; it keeps the leader only while it reaches every member, so a member down at the same time still costs writes. Keep etcd members on separate failure domains, and use five members to survive two failures.', 'failsafe_mode был включён, но он сохраняет лидера, только пока тот видит все узлы, поэтому одновременно упавший узел всё равно стоит записи. Разнесите узлы etcd по разным зонам отказа и используйте пять узлов, чтобы пережить два отказа.')
          : c.tr('Turn on failsafe_mode (Patroni ≥ 3.0): while the DCS is unavailable the leader keeps serving as long as it reaches every member over the REST API. Keep etcd members on separate failure domains; five members survive two failures.', 'Включите failsafe_mode (Patroni ≥ 3.0): пока DCS недоступен, лидер продолжает работать, если видит все узлы по REST API. Разнесите узлы etcd по разным зонам отказа; пять узлов переживают два отказа.'),
      );
      break;
    case 'pgbouncer':
      p.push(
        c.tr(
          "Make HAProxy's health check cover the pooler too (check pgbouncer's port, or an agent check that fails when pgbouncer does), or run pgbouncer beside the clients instead of on the database nodes.",
          'Пусть проверка HAProxy охватывает и пулер (проверка порта pgbouncer или agent-check, который падает вместе с ним), либо запускайте pgbouncer рядом с клиентами, а не на узлах базы.',
        ),
      );
      break;
    case 'etcd-minority':
    case 'replica':
      p.push(c.tr('Nothing needs removing for writes: the design absorbed this fault. Clients should retry a failed read on a new connection.', 'Для записи устранять нечего: архитектура выдержала этот отказ. Клиентам стоит повторять неудачное чтение на новом соединении.'));
      break;
    case 'patroni-kill':
      p.push(
        c.tr(
          'Run Patroni with a watchdog (softdog), so PostgreSQL cannot outlive its Patroni as a writable primary; and let clients reach the database only through HAProxy, never directly.',
          'Запускайте Patroni с watchdog (softdog), чтобы PostgreSQL не мог пережить свой Patroni, оставаясь ведущим; и пускайте клиентов к базе только через HAProxy, не напрямую.',
        ),
      );
      p.push(failover);
      break;
    case 'leader-crash':
    case 'leader-pause':
    case 'leader-isolate':
      p.push(failover);
      break;
    case 'leader-stop':
    case 'switchover':
      p.push(c.tr('For planned work use patronictl switchover instead of stopping the leader, and let clients retry: the outage is then a loop or two.', 'Для плановых работ используйте patronictl switchover вместо остановки лидера, а клиенты пусть повторяют запросы: простой тогда — один-два цикла.'));
      break;
    case 'all-patroni':
      p.push(c.tr('Spread the database nodes over separate hosts or zones so that one incident cannot take them all.', 'Разнесите узлы базы по разным хостам или зонам, чтобы один инцидент не мог уронить их все.'));
      break;
    case 'none':
    case 'other':
      break;
  }
  if (a.writes.accounted && a.writes.lost > 0 && !cfg.synchronous_mode && !a.split_brain.length) {
    p.push(c.tr('To lose no acknowledged write on failover, turn on synchronous_mode: a commit is acknowledged only once a replica has it (at some cost in latency).', 'Чтобы не терять подтверждённые записи при переключении, включите synchronous_mode: коммит подтверждается, только когда его получила реплика (ценой задержки).'));
  }
  if (a.writes.indeterminate > 0) {
    p.push(c.tr('Whatever the cluster does, some writes in flight end indeterminate: give every write an idempotency key and check for it before retrying.', 'Что бы ни делал кластер, часть записей в полёте остаётся неопределённой: снабжайте каждую запись ключом идемпотентности и проверяйте его перед повтором.'));
  }
  if (p.length === 0) {
    p.push(wl > 0 ? failover : c.tr('No weakness showed in this run.', 'В этом запуске слабых мест не проявилось.'));
  }
  return { id: 'remedy', title: c.tr('What would remove the weakness?', 'Что устранит слабое место?'), paragraphs: p };
}

/**
 * The report's conclusions in plain words: a pure function of the recorded results (and, when the
 * history was recorded, its bucketed series), answering the course's questions for this fault.
 */
export function conclude(results: Results, series: Series | null, lang: Lang, missing: readonly string[] = []): Conclusions {
  const tr: Tr = (en, ru) => (lang === 'ru' ? ru : en);
  const c: Ctx = {
    lang,
    tr,
    r: results,
    series,
    fault: classifyFault(results),
    sec: (ms) => fmtS(lang, ms, typeof ms === 'number' && ms % 1000 === 0 ? 0 : 1),
    secExact: (ms) => fmtS(lang, ms, 3),
    at: (ms) => fmtOffset(lang, ms, 1).replace(/^\+/, 't = +'),
    n: (x) => fmtNumber(lang, x),
    md: mdEscape,
  };
  if (missing.includes('analysis')) {
    // Zeros from an analysis that never ran are not findings: say so, and keep only the advice.
    const none = c.tr(
      'Not known: the run ended before its analysis was written. The charts below show what was recorded.',
      'Неизвестно: запуск прервался до того, как был записан анализ. Графики ниже показывают то, что удалось записать.',
    );
    const sections = [availabilitySection(c), clusterSection(c), dataSection(c), boundSection(c)].map((x) => ({ ...x, paragraphs: [none] }));
    return {
      headline: headline(c),
      summary: `${faultPhrase(c)}. ${c.tr('The run ended before it was analysed.', 'Запуск прервался до анализа.')}`,
      warnings: warnings(c, missing),
      sections: [...sections, remedySection(c)],
    };
  }
  const sections = [availabilitySection(c), clusterSection(c), dataSection(c), boundSection(c), remedySection(c)];
  return { headline: headline(c), summary: summary(c), warnings: warnings(c, missing), sections };
}

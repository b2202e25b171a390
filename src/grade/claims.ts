import { ADVICE, affirmed, CAPABILITY, concept, CONDITIONAL, NEGATION, negatedAt, words, type Concept, type Word } from './language.js';
import type { Attribution, Statement } from './experiments.js';
import type { Setup } from './setup.js';
import type { Truth } from './truth.js';
import { PATRONI_DOCS, unknownPatroniKeys } from './patroni-keys.js';
import type { Flag, LogSegment, Severity, SubmissionDoc } from './types.js';

/**
 * Wrong claims, checked by meaning one clause at a time: a concept must be affirmed (not negated
 * within its clause), and the clause must be about the right thing (the load, the quorum, the old
 * leader). Hedged claims ("могут читаться с реплик") are still claims; the student's ability
 * ("читать можем") is not a claim about the load. Each flag names its source of truth.
 */

export const RULES = [
  'reads_to_replicas',
  'quorum_keeps_writing',
  'quorum_no_effect',
  'zero_loss_guarantee',
  'id_gap_as_loss',
  'backend_move',
  'old_leader_stays',
  'vrrp_active_active',
  'synchronous_replication',
  'log_contradiction',
  'port_mismatch',
  'unknown_patroni_key',
] as const;
export type RuleId = (typeof RULES)[number];

const EXPECTED = 'EXPECTED-BEHAVIOUR.md';

const READ = concept('read', 'чтение', 'читать', 'читается', 'читаются', 'чтения', 'read', 'reads', 'reading', 'select');
const REPLICA = concept('replica', 'реплика', 'replica', 'slave', 'standby', 'слейв');
const LEADER = concept('leader', 'лидер', 'мастер', 'master', 'leader', 'primary', 'праймари');
const LOAD = concept('the load', 'генератор', 'стрелялка', 'скрипт', 'нагрузка', 'нагрузочное', 'traffic', 'generator', 'script', 'load');
const WRITES = concept('writes', 'запись', 'записи', 'писать', 'вставка', 'insert', 'write', 'writes');
const CONTINUE = concept('continue', 'продолжается', 'продолжает', 'продолжают', 'продолжила', 'идут', 'идёт', 'проходят', 'работает', 'continue', 'continues', 'keeps', 'succeed', 'остаётся');
const BLOCKED = concept('blocked', 'блокируется', 'блокируются', 'невозможна', 'встает', 'встаёт', 'останавливается', 'refused', 'blocked', 'impossible');
const LEADER_FAILS = concept('the leader fails', 'при падении лидера', 'при падении текущего лидера', 'при отказе лидера', 'при падении мастера', 'if the leader fails', 'if the primary fails');
const NOTHING = concept('no effect', 'ничего не происходит', 'ничего не происходило', 'ничего не изменилось', 'ничего не меняется', 'никаких изменений', 'nothing happens', 'nothing happened', 'no effect', 'всё работает', 'все работает', 'состояние сохраняется', 'state is preserved');
const QUORUM_LOST = concept('quorum lost', 'потеря кворума', 'потере кворума', 'кворум потерян', 'без кворума', 'нет кворума', 'quorum lost', 'lost quorum', 'loss of quorum', 'no quorum');
const TWO_ETCD = /(?<![\p{L}\p{N}])(?:2|две|два|двух|two|both)\s+(?:\p{L}+\s+)?(?:etcd|нод\p{L}*\s+etcd|узл\p{L}*\s+etcd)/iu;
/** After the quorum is back, writes do continue. */
const RECOVERED = concept('recovered', 'восстановлен', 'восстановления', 'восстановился', 'вернули', 'вернул', 'после запуска', 'снова', 'restored', 'recovered', 'came back', 'again');
const GUARANTEE = concept('guarantee', 'гарантирует', 'гарантия', 'гарантированно', 'guarantee', 'guaranteed', 'guarantees', 'всегда', 'never', 'always', 'исключает', 'ensures');
const NO_LOSS = concept('no loss', 'без потерь', 'без потери данных', 'отсутствие потерь', 'ничего не теряется', 'данные не теряются', 'потерь нет', 'не теряются', 'не потеряются', 'no data loss', 'zero data loss', 'zero loss', 'never lost', 'нулевые потери');
const SYNC = concept('synchronous', 'синхронная', 'синхронной', 'synchronous');
const ASYNC = concept('asynchronous', 'асинхронная', 'асинхронной', 'asynchronous', 'async');
const REPLICATION = concept('replication', 'репликация', 'репликации', 'replication', 'streaming');
const LAG = concept('lag', 'отставание', 'lag', 'задержка');
const ID = concept('ids', 'id', 'ids', 'айди', 'идентификатор', 'sequence', 'последовательность');
const GAP = concept('gap', 'пропуск', 'разрыв', 'скачок', 'дыра', 'gap', 'jump', 'skipped', 'пропали', 'пропущены');
const LOSS = concept('loss', 'потеря', 'потеряны', 'потерялись', 'потеряли', 'lost', 'loss', 'утеряны');
const MOVE = concept('moved', 'переместился', 'переместилась', 'переехал', 'переехала', 'перешёл', 'перешел', 'перешла', 'moved', 'migrated', 'переносится');
const BACKEND = concept('backend', 'бэкенд', 'бекенд', 'backend', 'пул', 'pool', 'секцию', 'секция');
const RETURNED = concept('returned', 'вернулся', 'вернулась', 'возврат', 'вернули', 'вернул', 'поднялся', 'returned', 'came back', 'comes back', 'restarted');
const STAYS_LEADER = concept('stays leader', 'остался лидером', 'остаётся лидером', 'снова стал лидером', 'опять стал лидером', 'снова лидер', 'остался мастером', 'снова стал мастером', 'remains leader', 'remained leader', 'became leader again', 'is leader again', 'stays the leader');
const VRRP = concept('vrrp', 'keepalived', 'vrrp', 'vip');
const ACTIVE_ACTIVE = /active[-/\s]active|актив[\p{L}]*[-/\s]+актив|оба\s+активн|обе\s+активн|both\s+active/iu;

type Check = (st: Statement, ws: Word[]) => { severity: Severity; message: string; source: string } | null;

const has = (c: Concept, ws: Word[]) => affirmed(c, ws).length > 0;

function quorumScope(st: Statement): boolean {
  return st.fault === 'etcd_quorum' || QUORUM_LOST.in(words(st.sentence)) || (/etcd/i.test(st.sentence) && TWO_ETCD.test(st.sentence));
}

function checks(truth: Truth, setup: Setup): Record<Exclude<RuleId, 'log_contradiction' | 'port_mismatch' | 'unknown_patroni_key'>, Check> {
  return {
    reads_to_replicas: (st, ws) => {
      // A relation between two words: a negation anywhere in the clause ("реплики под нагрузку чтения не попадают") denies it.
      if (!READ.in(ws) || !REPLICA.in(ws) || NEGATION.in(ws) || CAPABILITY.in(ws) || st.sentence.trim().endsWith('?')) return null;
      const sw = words(st.sentence);
      if (LEADER.in(ws) || /(?<!\d)0\s*(?:байт|bytes)/iu.test(st.sentence)) return null;
      if (!LOAD.in(sw) && !LOAD.in(words(st.section))) return null;
      // "Для чтения с реплик — порт 5001": HAProxy's read port does reach the replicas.
      if (/(?<![\p{L}])(?:порт\p{L}*|port)(?![\p{L}])/iu.test(st.sentence) || [setup.expected.read, truth.course.ports.read].some((p) => p !== null && st.sentence.includes(String(p)))) return null;
      return {
        severity: 'error',
        message: "The course's traffic generator runs its READ check on the same read-write connection as its inserts, so its reads go to the primary; only HAProxy's read port reaches the replicas (the replica backends show 0 bytes).",
        source: `${EXPECTED} (Things the course's own script gets wrong)`,
      };
    },
    quorum_keeps_writing: (st, ws) => {
      if (!quorumScope(st) || (!has(WRITES, ws) && !has(LEADER, ws)) || RECOVERED.in(words(st.sentence))) return null;
      const keeps = has(CONTINUE, ws) && has(WRITES, ws);
      const onlyIfLeaderFails = BLOCKED.in(ws) && LEADER_FAILS.in(words(st.sentence));
      if (!keeps && !onlyIfLeaderFails) return null;
      return { severity: 'error', message: `With 2 of 3 etcd members down the primary cannot renew its leader key and demotes itself: writes are refused even though the leader is alive: ${truth.faults.etcd_quorum.note}.`, source: `rubrics/measured-truth.yaml (etcd_quorum; ${truth.source})` };
    },
    quorum_no_effect: (st, ws) => {
      if (!quorumScope(st) || !NOTHING.in(ws) || /(?<![\p{L}\p{N}])(?:1|одн\p{L}*|один|one)(?![\p{L}\p{N}])/iu.test(st.clause)) return null;
      return { severity: 'error', message: `Losing the etcd quorum is not a non-event: ${truth.faults.etcd_quorum.note}.`, source: `rubrics/measured-truth.yaml (etcd_quorum; ${truth.source})` };
    },
    zero_loss_guarantee: (_st, ws) => {
      if (!NO_LOSS.in(ws) || !has(GUARANTEE, ws) || setup.synchronous) return null;
      if (SYNC.in(ws) && !ASYNC.in(ws)) return null;
      return { severity: 'error', message: 'With asynchronous replication (the course\'s default) a crash of the leader can lose the last acknowledged writes that had not reached a replica (bounded by maximum_lag_on_failover); only synchronous_mode guarantees none.', source: `${EXPECTED} (Faults: crash the leader)` };
    },
    id_gap_as_loss: (st, ws) => {
      const sw = words(st.sentence);
      if (!ID.in(sw) || !GAP.in(sw) || !has(LOSS, ws)) return null;
      return { severity: 'error', message: 'An ID gap is not data loss: nextval() is never rolled back, failed inserts use ids, and a new primary starts after the 32 values PostgreSQL WAL-logs ahead. Only an acknowledged row missing afterwards is lost.', source: `${EXPECTED} (An ID gap is not data loss)` };
    },
    backend_move: (_st, ws) => {
      if (!has(MOVE, ws) || !BACKEND.in(ws)) return null;
      return { severity: 'error', message: 'Servers do not move between HAProxy backends: every node is listed in both; the health check (/primary, /replica) marks it UP in one and DOWN in the other.', source: `${EXPECTED} (The stack: HAProxy)` };
    },
    old_leader_stays: (st, ws) => {
      if (st.fault !== 'leader' || !RETURNED.in(words(st.sentence)) || !has(STAYS_LEADER, ws)) return null;
      return { severity: 'error', message: 'Patroni has no automatic failback: the old leader comes back as a replica of the new one (rewound if needed).', source: `${EXPECTED} (Faults: stop the leader)` };
    },
    vrrp_active_active: (st, ws) => {
      if (!VRRP.in(ws) || !ACTIVE_ACTIVE.test(st.clause) || negatedAt(ws, ws.findIndex((w) => /^(?:active|актив)/i.test(w.lower)))) return null;
      return { severity: 'error', message: 'keepalived/VRRP is active/passive: one node holds the virtual IP, the other takes it over when the first fails.', source: `${EXPECTED} (two HAProxy + keepalived VIP)` };
    },
    synchronous_replication: (st, ws) => {
      if (setup.synchronous || !has(SYNC, ws) || ASYNC.in(words(st.sentence)) || CONDITIONAL.in(ws) || !REPLICATION.in(ws) || LAG.in(words(st.sentence)) || ADVICE.in(ws)) return null;
      return { severity: 'error', message: "Replication in the course's cluster is asynchronous (Patroni's default): a synchronous standby would show the role Sync Standby in patronictl list. Lag 0 means caught up, not synchronous.", source: `${EXPECTED} (Faults, asynchronous replication)` };
    },
  };
}

function short(text: string): string {
  return text.length > 220 ? `${text.slice(0, 217)}…` : text;
}

/**
 * Generator logs that contradict themselves: a READ check whose newest id goes backwards without a
 * failure between, or one that lists fewer than its 3 ids after at least 3 inserts shown.
 */
function logContradictions(segments: LogSegment[]): Array<{ line: number; message: string }> {
  const out: Array<{ line: number; message: string }> = [];
  for (const s of segments) {
    let prev: number | null = null;
    let failed = false;
    let inserts = 0;
    for (const e of s.events) {
      if (e.kind === 'failure' || e.kind === 'restart') failed = true;
      if (e.kind === 'ok_write') inserts++;
      if (e.kind !== 'ok_read' || !e.ids?.length) continue;
      if (s.kind === 'generator' && inserts >= 3 && e.ids.length < 3) out.push({ line: e.line, message: `The READ check lists ${e.ids.length} id(s) after ${inserts} inserts shown above it: the course's generator reads the last 3 ids of a table that already holds them.` });
      const top = Math.max(...e.ids);
      if (prev !== null && top < prev && !failed) out.push({ line: e.line, message: `The READ check shows newest id ${top} after an earlier ${prev}, with no failover or error between: ids never go backwards on one primary.` });
      prev = top;
      failed = false;
    }
  }
  return out;
}

export function checkClaims(doc: SubmissionDoc, a: Attribution, setup: Setup, segments: LogSegment[], truth: Truth, disabled: readonly RuleId[] = []): Flag[] {
  const flags: Flag[] = [];
  const add = (rule: RuleId, severity: Severity, line: number, quote: string, message: string, source: string) => {
    if (disabled.includes(rule) || flags.some((f) => f.rule === rule && f.line === line)) return;
    flags.push({ rule, severity, line, quote: short(quote), message, source });
  };
  const table = checks(truth, setup);
  for (const st of a.statements) {
    const ws = words(st.clause);
    for (const [rule, check] of Object.entries(table) as Array<[RuleId, Check]>) {
      const r = check(st, ws);
      if (r) add(rule, r.severity, st.line, st.sentence, r.message, r.source);
    }
  }
  for (const k of unknownPatroniKeys(doc)) add('unknown_patroni_key', 'error', k.line, k.text, `Patroni has no setting "${k.key}"; it would be ignored (or rejected by patroni --validate-config).`, PATRONI_DOCS);
  for (const c of logContradictions(segments)) add('log_contradiction', 'error', c.line, `line ${c.line}`, c.message, 'the log itself');
  for (const c of setup.claims) {
    const expected = c.role === 'write' ? setup.expected.write : setup.expected.read;
    if (expected === null || expected === c.port) continue;
    const own = setup.ports.length > 0;
    add(
      'port_mismatch',
      own ? 'error' : 'warning',
      c.line,
      c.text,
      own
        ? `The report's own setup has ${expected} as the ${c.role} port, not ${c.port}.`
        : `In the course's docker-compose ${expected} is the ${c.role} port; check the student's compose file, which may differ.`,
      setup.expected.source,
    );
  }
  return flags.sort((x, y) => x.line - y.line || x.rule.localeCompare(y.rule));
}

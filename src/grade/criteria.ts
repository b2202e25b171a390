import * as L from './lexicon.js';
import { plainText } from './document.js';
import { formatClock } from './extract/logs.js';
import type { Reading } from './observe.js';
import type { DetectorId } from './rubric.js';
import type { Experiment, FaultKind, Flag, ImageRef, Level, LogWindow, Quote } from './types.js';

/**
 * One check per rubric detector: how much of the criterion the text itself settles, with the lines
 * that show it, and which screenshots a person has to look at for the rest.
 */
export interface Finding {
  level: Level;
  evidence: Quote[];
  notes: string[];
  /** Screenshots that may carry what the text does not. */
  images: number[];
}

export interface Inputs {
  reading: Reading;
  flags: Flag[];
  images: ImageRef[];
  /** From imageTopics(). */
  topics: Map<number, Set<Topic>>;
}

export type Topic = 'cluster' | 'haproxy_page' | 'load' | `fault:${FaultKind}`;

const CLUSTER_WORDS = L.rx(L.stems('patronictl', 'patroni', 'кластер', 'cluster', 'ноды(?![\\p{L}])', 'узлы(?![\\p{L}])', 'nodes', 'member', 'развор', 'deploy', 'compose', 'состоит', 'состав'));
const HAPROXY_WORDS = L.rx(`${L.HAPROXY}|${L.stems('stats', 'статистик', '7000', '8404', 'порт', 'port', '50\\d\\d(?!\\d)')}`);
/** A sentence about the members: it names one, or counts them ("один лидер и две реплики"). */
const MEMBERS = L.rx(
  `${L.stems('(?:patroni|postgresql|postgres|pg-?node|pg|node|db)[-_]?\\d')}|${L.stems('один', 'одна', 'одну', 'две', 'два', 'три', 'one', 'two', 'three', '\\d')}(?![\\p{L}\\p{N}])[\\s\\S]{0,20}?${L.stems('нод', 'узл', 'node', 'member', 'реплик', 'replica', 'лидер', 'leader', 'мастер', 'master')}`,
);
const ETCD_RX = L.rx(L.ETCD);
const COLUMNS = L.rx(L.stems('tl(?![\\p{L}])', 'timeline', 'таймлайн', 'lag', 'лаг', 'отставан', 'lsn', 'streaming', 'running', 'state', 'состояни'));
const REPLICA_RX = L.rx(L.REPLICA);
const LEADER_RX = L.rx(L.LEADER);
const LEFT_POOL = L.rx(`${L.stems('перестал[\\p{L}]*\\s+отображат', 'пропал[\\p{L}]*\\s+из', 'исчез[\\p{L}]*\\s+из', 'removed\\s+from', 'left\\s+the\\s+pool', 'dropped\\s+from')}|replicas?/\\S+\\s+is\\s+DOWN`);

function quote(r: Reading, line: number): Quote {
  const text = (r.doc.lines[line - 1]?.text ?? '').trim();
  return { line, text: text.length > 200 ? `${text.slice(0, 197)}…` : text };
}
/** Evidence in line order: whole lines, or the sentence that says it when one is known. */
function quotes(r: Reading, items: Array<number | Quote>): Quote[] {
  const out: Quote[] = [];
  for (const item of items) {
    const q = typeof item === 'number' ? quote(r, item) : { line: item.line, text: item.text.length > 200 ? `${item.text.slice(0, 197)}…` : item.text };
    if (!out.some((o) => o.line === q.line && o.text === q.text)) out.push(q);
  }
  return out.sort((a, b) => a.line - b.line);
}
const sentenceQuote = (s: { line: number; text: string }): Quote => ({ line: s.line, text: s.text });

/** Topics of each screenshot: the fault context it sits in and the prose right before and after it. */
export function imageTopics(r: Reading, images: ImageRef[]): Map<number, Set<Topic>> {
  const topics = new Map<number, Set<Topic>>();
  const prose = r.doc.lines.filter((l) => !l.code && plainText(l.text) !== '');
  for (const img of images) {
    const set = topics.get(img.line) ?? new Set<Topic>();
    const ctx = r.narrative.contextAt(img.line);
    if (ctx !== null) set.add(`fault:${r.narrative.experiments[ctx]!.fault}`);
    const before = prose.filter((l) => l.n < img.line).slice(-1);
    const after = prose.filter((l) => l.n > img.line).slice(0, 1);
    const near = [...before, ...after].map((l) => plainText(l.text)).join(' ') + ` ${img.alt} ${img.target}`;
    if (L.PATRONICTL.test(near) || (ctx === null && CLUSTER_WORDS.test(near))) set.add('cluster');
    if (HAPROXY_WORDS.test(near)) set.add('haproxy_page');
    if (L.LOAD.test(near)) set.add('load');
    topics.set(img.line, set);
  }
  return topics;
}

function imagesFor(inputs: Inputs, topic: Topic): number[] {
  return inputs.images.filter((i) => !i.problem && inputs.topics.get(i.line)?.has(topic)).map((i) => i.line);
}

const none = (notes: string[] = []): Finding => ({ level: 'none', evidence: [], notes, images: [] });

function windowsIn(r: Reading, e: Experiment): LogWindow[] {
  return r.observed.windows.filter((w) => w.line >= e.line && w.line <= e.end_line);
}
function obsQuotes(e: Experiment, kinds: string[], positive = true): Quote[] {
  return e.observations.filter((o) => kinds.includes(o.kind) && o.positive === positive).map(sentenceQuote);
}
function inAny(exps: Experiment[], line: number): boolean {
  return exps.some((e) => line >= e.line && line <= e.end_line);
}

function clusterStarted(inputs: Inputs): Finding {
  const r = inputs.reading;
  const tables = r.observed.tables;
  const outside = r.narrative.sentences.filter((s) => s.experiment === null);
  const aboutMembers = outside.filter((s) => MEMBERS.test(s.text) && !ETCD_RX.test(s.text));
  const leaderLines = aboutMembers.filter((s) => LEADER_RX.test(s.text)).map(sentenceQuote);
  const replicaLines = aboutMembers.filter((s) => REPLICA_RX.test(s.text)).map(sentenceQuote);
  const columnLines = outside.filter((s) => COLUMNS.test(s.text) && (LEADER_RX.test(s.text) || REPLICA_RX.test(s.text) || L.rx(L.stems('patroni', 'кластер')).test(s.text))).map(sentenceQuote);
  const explained = leaderLines.length > 0 && replicaLines.length > 0;
  const started = tables.length > 0;
  const evidence = quotes(r, [...(started ? [tables[0]!.line + (tables[0]!.cluster ? 1 : 0)] : []), ...(explained ? [leaderLines[0]!, replicaLines[0]!] : []), ...columnLines.slice(0, 1)]);
  const notes: string[] = [];
  if (started) notes.push(`${tables.length} patronictl table${tables.length > 1 ? 's' : ''} in the text (${tables[0]!.format === 'lsn' ? 'Receive/Replay LSN' : 'Lag in MB'} format)`);
  else notes.push('no patronictl output in the text');
  if (!explained) notes.push('the roles of the members (one leader, the replicas) are not explained in words');
  const level: Level = started && explained ? 'full' : started || explained ? 'partial' : 'none';
  return { level, evidence, notes, images: level === 'full' ? [] : imagesFor(inputs, 'cluster') };
}

function haproxyPage(inputs: Inputs): Finding {
  const r = inputs.reading;
  const claims = r.observed.port_claims;
  const writePort = claims.find((c) => c.role === 'write');
  const readPort = claims.find((c) => c.role === 'read');
  const prose = r.doc.lines.filter((l) => !l.code);
  const pools = prose.filter((l) => (L.POOL.test(l.text) || L.UPDOWN.test(l.text)) && LEADER_RX.test(l.text) && REPLICA_RX.test(l.text)).map((l) => l.n);
  const statuses = prose.filter((l) => HAPROXY_WORDS.test(l.text) && (LEADER_RX.test(l.text) || REPLICA_RX.test(l.text))).map((l) => l.n);
  const noTraffic = prose.filter((l) => /(?<![\d])0\s*(?:байт|bytes?)/iu.test(l.text) && REPLICA_RX.test(l.text)).map((l) => l.n);
  const notes: string[] = [];
  if (noTraffic.length) notes.push('noticed the replica backends get no bytes: right, the course generator reads on its write connection');
  if (writePort && readPort) {
    notes.push(`says port ${writePort.port} is the leader's and ${readPort.port} the replicas'`);
    return { level: 'full', evidence: quotes(r, [sentenceQuote(writePort), sentenceQuote(readPort), ...noTraffic]), notes, images: [] };
  }
  if (pools.length) {
    notes.push("reads the leader's and the replicas' backends on the stats page");
    return { level: 'full', evidence: quotes(r, [...pools.slice(0, 2), ...noTraffic]), notes, images: [] };
  }
  const partial = [...statuses, ...claims.map(sentenceQuote)];
  if (partial.length) {
    notes.push("names the leader and the replicas but not which port or backend serves which");
    return { level: 'partial', evidence: quotes(r, [...partial.slice(0, 2), ...noTraffic]), notes, images: imagesFor(inputs, 'haproxy_page') };
  }
  return { ...none(['nothing about the HAProxy stats page in the text']), images: imagesFor(inputs, 'haproxy_page') };
}

function loadRan(inputs: Inputs): Finding {
  const r = inputs.reading;
  const segs = r.observed.segments;
  const ok = segs.flatMap((s) => s.events.filter((e) => e.kind === 'ok_write' || e.kind === 'ok_read'));
  if (ok.length >= 3) {
    const kinds = [...new Set(segs.map((s) => (s.kind === 'generator' ? 'traffic generator' : 'HAtester')))];
    return {
      level: 'full',
      evidence: quotes(r, segs.slice(0, 2).map((s) => s.events.find((e) => e.kind === 'ok_write')?.line ?? s.start_line)),
      notes: [`${kinds.join(' and ')} output: ${segs.length} log segment${segs.length > 1 ? 's' : ''}, ${ok.length} successful operations`],
      images: [],
    };
  }
  const said = r.narrative.sentences.filter((s) => L.LOAD.test(s.text)).map(sentenceQuote);
  if (said.length) {
    return { level: 'partial', evidence: quotes(r, said.slice(0, 2)), notes: ['says the load ran, but no log is in the text'], images: imagesFor(inputs, 'load') };
  }
  return { ...none(['no load generator output']), images: imagesFor(inputs, 'load') };
}

/** Claim checks about what a fault did: a wrong one costs that fault's criterion too. */
const EXPERIMENT_RULES = new Set(['quorum_no_effect', 'quorum_new_leader', 'haproxy_no_effect', 'leader_no_effect', 'etcd_one_outage', 'replica_leader_change']);

function faultFinding(inputs: Inputs, fault: FaultKind): Finding {
  const r = inputs.reading;
  const exps = r.observed.experiments.filter((e) => e.fault === fault);
  if (!exps.length) return none([`not tried (no sentence says ${faultName(fault)} was stopped)`]);
  const starts = exps.map((e) => sentenceQuote(e));
  const imgs = imagesFor(inputs, `fault:${fault}`);
  const windows = exps.flatMap((e) => windowsIn(r, e)).filter((w) => w.stream === 'write');
  const cleanLogs = r.observed.segments.filter((s) => s.stream === 'write' && inAny(exps, s.start_line) && !windows.some((w) => w.line >= s.start_line && w.line <= s.end_line));
  const wrong = inputs.flags.filter((f) => f.severity === 'error' && EXPERIMENT_RULES.has(f.rule) && inAny(exps, f.line));
  const finish = (right: Quote[], extra: number[], notes: string[], full: boolean): Finding => {
    // Tried but concluded wrongly: no credit for the observation.
    const level: Level = full && !wrong.length ? 'full' : wrong.length && !full ? 'none' : 'partial';
    if (wrong.length) notes.push(`wrong conclusion at line ${wrong.map((f) => f.line).join(', ')}`);
    return { level, evidence: quotes(r, [...starts, ...right, ...extra].slice(0, 6)), notes, images: level === 'full' ? [] : imgs };
  };
  const describe = (w: LogWindow) => `writes out ${formatClock(w.first_fail ?? w.last_ok)} → ${w.first_ok_after === null ? 'end of log' : `${formatClock(w.first_ok_after)} (${w.duration_s} s)`}`;

  switch (fault) {
    case 'replica':
    case 'etcd_one': {
      const quiet = exps.flatMap((e) => obsQuotes(e, ['no_effect']));
      const leftPool = fault === 'replica' ? r.doc.lines.filter((l) => inAny(exps, l.n) && LEFT_POOL.test(l.text)).map((l) => l.n) : [];
      const notes: string[] = [];
      if (quiet.length) notes.push('says reads and writes carried on');
      if (cleanLogs.length) notes.push(`the log in this part shows no failed write (line ${cleanLogs[0]!.start_line})`);
      if (leftPool.length) notes.push('the replica leaves the HAProxy read pool');
      if (!quiet.length && !cleanLogs.length && !leftPool.length) notes.push('does not say what happened to reads and writes');
      return finish(quiet.slice(0, 2), [...leftPool.slice(0, 1), ...cleanLogs.slice(0, 1).map((s) => s.start_line)], notes, quiet.length > 0 || cleanLogs.length > 0 || leftPool.length > 0);
    }
    case 'leader': {
      const failoverText = exps.flatMap((e) => obsQuotes(e, ['failover']));
      const failoverTables = r.observed.leader_changes.filter((c) => inAny(exps, c.to_line));
      const failoverHa = exps.flatMap((e) => masterMoves(r, e));
      const rejoinText = exps.flatMap((e) => obsQuotes(e, ['rejoin_replica']));
      const rejoinTables = r.observed.rejoins.filter((j) => inAny(exps, j.replica_line));
      const outageText = exps.flatMap((e) => obsQuotes(e, ['outage', 'full_outage']));
      const notes: string[] = [];
      if (failoverText.length) notes.push('describes the failover');
      if (rejoinText.length) notes.push('says the old leader came back as a replica');
      if (outageText.length) notes.push('mentions the write outage');
      const failover = failoverText.length + failoverTables.length + failoverHa.length > 0;
      const rejoin = rejoinText.length + rejoinTables.length > 0;
      for (const c of failoverTables) notes.push(`patronictl: leader ${c.from} → ${c.to}, timeline ${c.timeline_from ?? '?'} → ${c.timeline_to ?? '?'} (lines ${c.from_line}, ${c.to_line})`);
      for (const j of rejoinTables) notes.push(`patronictl: ${j.member}, leader at line ${j.leader_line}, is a ${j.state} replica at line ${j.replica_line}`);
      for (const w of windows) notes.push(describe(w));
      if (!failover) notes.push('the failover (a replica promoted) is not shown');
      if (!rejoin) notes.push('the old leader coming back as a replica is not shown');
      if (!outageText.length && !windows.length) notes.push('the short write outage is not mentioned');
      return finish(
        [...failoverText.slice(0, 1), ...rejoinText.slice(0, 1), ...outageText.slice(0, 1)],
        [...failoverTables.map((c) => c.row_line), ...rejoinTables.map((j) => j.row_line), ...failoverHa.slice(0, 1), ...windows.map((w) => w.line)],
        notes,
        failover && rejoin,
      );
    }
    case 'etcd_quorum': {
      const ro = exps.flatMap((e) => obsQuotes(e, ['read_only']));
      const roLog = windows.filter((w) => w.messages.includes('read-only')).map((w) => w.line);
      const roCode = r.doc.lines.filter((l) => l.code && inAny(exps, l.n) && /read-only|25006/i.test(l.text)).map((l) => l.n);
      const outage = exps.flatMap((e) => obsQuotes(e, ['outage', 'full_outage']));
      const notes: string[] = [];
      if (ro.length) notes.push('says the primary turned read-only');
      if (roLog.length || roCode.length) notes.push('shows the read-only error');
      for (const w of windows) notes.push(describe(w));
      if (!ro.length && !roLog.length && !roCode.length) notes.push('does not say the primary turned read-only (writes refused, reads still served)');
      return finish([...ro.slice(0, 2), ...outage.slice(0, 1)], [...roLog, ...roCode.slice(0, 1)], notes, ro.length + roLog.length + roCode.length > 0);
    }
    case 'haproxy': {
      const out = exps.flatMap((e) => obsQuotes(e, ['full_outage', 'outage']));
      const notes: string[] = [];
      if (out.length) notes.push('says the application lost access');
      for (const w of windows) notes.push(describe(w));
      if (!out.length && !windows.length) notes.push('does not say the application lost access');
      return finish(out.slice(0, 2), windows.map((w) => w.line), notes, out.length + windows.length > 0);
    }
    case 'all_patroni':
      return none();
  }
}

/** HAtester says it works with a different MASTER address after an outage: a failover. */
function masterMoves(r: Reading, e: Experiment): number[] {
  const lines: number[] = [];
  for (const s of r.observed.segments) {
    if (s.kind !== 'hatester' || s.start_line > e.end_line || s.end_line < e.line) continue;
    let addr: string | null = null;
    for (const ev of s.events) {
      if (ev.role !== 'master' || !ev.address) continue;
      if (addr && ev.address !== addr) lines.push(ev.line);
      addr = ev.address;
    }
  }
  return lines;
}

function faultName(f: FaultKind): string {
  return { replica: 'a replica', leader: 'the leader', etcd_one: 'one etcd member', etcd_quorum: 'two etcd members', haproxy: 'HAProxy', all_patroni: 'every Patroni node' }[f];
}

function spof(inputs: Inputs): Finding {
  const r = inputs.reading;
  const prose = r.narrative.sentences;
  const named = prose.filter((s) => L.rx(L.SPOF.source).test(s.text)).map(sentenceQuote);
  const remedy = prose.filter((s) => L.rx(L.REMEDY.source).test(s.text)).map(sentenceQuote);
  const vague = prose.filter((s) => L.rx(L.REMEDY_VAGUE.source).test(s.text) && (L.rx(L.HAPROXY).test(s.text) || L.rx(L.stems('балансировщик', 'proxy', 'прокси')).test(s.text) || named.some((q) => q.line === s.line))).map(sentenceQuote);
  const built = r.doc.lines.filter((l) => l.code && /vrrp_instance|virtual_ipaddress/i.test(l.text)).map((l) => l.n);
  const notes: string[] = [];
  if (built.length) notes.push(`keepalived with a virtual IP is configured in the report (line ${built[0]})`);
  if (named.length) notes.push('names HAProxy a single point of failure');
  if (remedy.length) notes.push('gives a real remedy');
  else if (vague.length) notes.push('the remedy is vague: say how clients find the second HAProxy (keepalived + virtual IP, or a cloud / Kubernetes load balancer)');
  if ((named.length && remedy.length) || built.length) return { level: 'full', evidence: quotes(r, [...named.slice(0, 1), ...remedy.slice(0, 1), ...built.slice(0, 1)]), notes, images: [] };
  if (named.length || remedy.length || vague.length) {
    if (!named.length) notes.push('does not name HAProxy a single point of failure');
    return { level: 'partial', evidence: quotes(r, [...named.slice(0, 1), ...remedy.slice(0, 1), ...vague.slice(0, 1)]), notes, images: [] };
  }
  return none(['HAProxy as a single point of failure and its remedy are not discussed']);
}

function claimsCorrect(inputs: Inputs): Finding {
  const r = inputs.reading;
  if (!r.observed.experiments.length) return none(['no experiment is described, so there is nothing to check']);
  const errors = inputs.flags.filter((f) => f.severity === 'error');
  const level: Level = errors.length === 0 ? 'full' : errors.length === 1 ? 'partial' : 'none';
  const notes = errors.length ? errors.map((f) => `line ${f.line}: ${f.rule}`) : ['no wrong conclusion found'];
  return { level, evidence: quotes(r, errors.map((f) => ({ line: f.line, text: f.quote }))), notes, images: [] };
}

export function runDetector(id: DetectorId, inputs: Inputs): Finding {
  switch (id) {
    case 'cluster_started':
      return clusterStarted(inputs);
    case 'haproxy_page':
      return haproxyPage(inputs);
    case 'load_ran':
      return loadRan(inputs);
    case 'fault_replica':
      return faultFinding(inputs, 'replica');
    case 'fault_leader':
      return faultFinding(inputs, 'leader');
    case 'fault_etcd_one':
      return faultFinding(inputs, 'etcd_one');
    case 'fault_etcd_quorum':
      return faultFinding(inputs, 'etcd_quorum');
    case 'fault_haproxy':
      return faultFinding(inputs, 'haproxy');
    case 'haproxy_spof':
      return spof(inputs);
    case 'claims_correct':
      return claimsCorrect(inputs);
  }
}

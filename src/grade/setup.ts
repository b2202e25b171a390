import { clauses, concept, sentences, words } from './language.js';
import type { Truth } from './truth.js';
import type { LogSegment, Quote, SubmissionDoc } from './types.js';

/**
 * The student's own setup, as the report shows it: which port writes and which reads (from the
 * compose snippet, the HAProxy config, connection strings, the generator's own log), whether
 * replication is synchronous, whether keepalived is configured. Claims are judged against this;
 * the course's defaults apply only when the report shows nothing of its own.
 */

export type PortRole = 'write' | 'read';

export interface PortFact {
  port: number;
  role: PortRole;
  line: number;
  how: string;
}

export interface PortClaim extends Quote {
  port: number;
  role: PortRole;
}

export interface Setup {
  /** Ports the report itself shows for writing and reading. */
  ports: PortFact[];
  /** Which mapping claims are judged against, and where it comes from. */
  expected: { write: number | null; read: number | null; source: string };
  claims: PortClaim[];
  synchronous: boolean;
  keepalived: boolean;
}

const WRITE = concept('write role', 'лидер', 'мастер', 'master', 'primary', 'leader', 'запись', 'write', 'писать', 'праймари', 'rw');
const READ = concept('read role', 'реплика', 'replica', 'replicas', 'slave', 'standby', 'чтение', 'read', 'читать', 'ro');
/** "В задании написано «мастер - 5001»": quoting the assignment is not the student's claim. */
const QUOTING_TASK = concept('the assignment says', 'в задании', 'в тексте задания', 'по заданию', 'assignment', 'the task says', 'в условии');
/** Ports of other services (Patroni's REST API, etcd, HAProxy's stats page): never the database's. */
const SERVICE_PORTS = new Set([8008, 2379, 2380, 7000, 7001, 8404, 3000, 9090, 9187]);
const PORT = /(?<![\d.])(?<!\d:)(\d{4,5})(?!\d|[.:]\d)/g;

function portsIn(text: string): number[] {
  return [...text.matchAll(PORT)].map((m) => Number(m[1])).filter((p) => p >= 1024 && p <= 65535 && !(p >= 1900 && p <= 2100) && !SERVICE_PORTS.has(p));
}

function roleOf(text: string): PortRole | null {
  const ws = words(text);
  const w = WRITE.in(ws) || /read-write|target_session_attrs=read-write/i.test(text);
  const r = READ.in(ws) && !/read-write/i.test(text);
  return w === r ? null : w ? 'write' : 'read';
}

/** Ports the configuration and commands in code blocks fix: the student's setup, not a claim. */
function portFacts(doc: SubmissionDoc, segments: LogSegment[]): PortFact[] {
  const facts: PortFact[] = [];
  // HAProxy: "listen primary" ... "bind *:5000" gives the port inside the container.
  const inner = new Map<number, PortRole>();
  for (const b of doc.blocks) {
    let role: PortRole | null = null;
    for (const l of b.lines) {
      const sec = /^\s*(?:listen|frontend|backend)\s+(\S+)/i.exec(l.text);
      if (sec) role = /replica|read|slave|standby|ro\b/i.test(sec[1]!) ? 'read' : /primary|master|leader|write|rw\b/i.test(sec[1]!) ? 'write' : null;
      const bind = /^\s*bind\s+\S*:(\d{4,5})/i.exec(l.text);
      if (bind && role) {
        inner.set(Number(bind[1]), role);
        facts.push({ port: Number(bind[1]), role, line: l.n, how: 'HAProxy config' });
      }
    }
  }
  for (const b of doc.blocks) {
    for (const l of b.lines) {
      // docker-compose: "- 5002:5000" publishes HAProxy's port 5000 as 5002.
      const map = /^\s*-?\s*["']?(?:[\d.]+:)?(\d{4,5}):(\d{4,5})["']?\s*(?:#.*)?$/.exec(l.text);
      if (map && inner.has(Number(map[2]))) facts.push({ port: Number(map[1]), role: inner.get(Number(map[2]))!, line: l.n, how: 'docker-compose ports' });
      if (/target_session_attrs=read-write/i.test(l.text)) for (const p of portsIn(l.text)) facts.push({ port: p, role: 'write', line: l.n, how: 'connection string with target_session_attrs=read-write' });
    }
  }
  for (const s of segments) {
    if (s.kind === 'generator' && s.port !== null && s.events.some((e) => e.kind === 'ok_write')) {
      facts.push({ port: s.port, role: 'write', line: s.start_line, how: "the traffic generator's own log writes through it" });
    }
  }
  return facts;
}

/** "на 5001 доступны реплики, а на 5002 - мастер": which port the student says is the leader's, which the replicas'. */
function portClaims(doc: SubmissionDoc): PortClaim[] {
  const claims: PortClaim[] = [];
  for (const p of doc.prose) {
    for (const s of sentences(p.text)) {
      if (QUOTING_TASK.in(words(s)) || /[«»"]/.test(s)) continue;
      for (const clause of clauses(s.replace(/[«»"]/g, ' '))) {
        const ports = portsIn(clause);
        const role = roleOf(clause);
        if (ports.length === 1 && role) claims.push({ port: ports[0]!, role, line: p.line, text: s });
      }
    }
  }
  return claims;
}

export function readSetup(doc: SubmissionDoc, segments: LogSegment[], truth: Truth): Setup {
  const code = doc.blocks.flatMap((b) => b.lines.map((l) => l.text)).join('\n');
  const ports = portFacts(doc, segments);
  // What the client dials: a published port beats the port HAProxy binds inside its container.
  const rank = (f: PortFact) => (f.how === 'HAProxy config' ? 1 : 0);
  const own = (role: PortRole) => [...ports].sort((a, b) => rank(a) - rank(b)).find((f) => f.role === role)?.port ?? null;
  const hasOwn = ports.length > 0;
  return {
    ports,
    expected: hasOwn
      ? { write: own('write'), read: own('read'), source: `the report's own setup (${[...new Set(ports.map((f) => `${f.how}, line ${f.line}`))].join('; ')})` }
      : { write: truth.course.ports.write, read: truth.course.ports.read, source: "the course's docker-compose (the report shows no ports of its own)" },
    claims: portClaims(doc),
    synchronous: /synchronous_mode:\s*(?:true|on|quorum)/i.test(code),
    keepalived: /vrrp_instance|virtual_ipaddress/i.test(code),
  };
}

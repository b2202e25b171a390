import * as L from './lexicon.js';
import { compareTables, findTables } from './extract/patronictl.js';
import { findSegments, idFindings, windowsOf } from './extract/logs.js';
import { readNarrative, type Narrative } from './extract/narrative.js';
import { describeTruth, type Truth } from './truth.js';
import type { Experiment, LogWindow, Observed, SubmissionDoc, WindowComparison } from './types.js';

/** Everything the grader reads out of one submission before any points are given. */
export interface Reading {
  doc: SubmissionDoc;
  narrative: Narrative;
  observed: Observed;
}

const PORT = /(?<![\d.])(?<!\d:)(\d{4,5})(?!\d|[.:]\d)/g;
const CLAUSES = /[,;]|\s(?:а|но|while|whereas|and|и)\s/u;

/** Ports of other services (Patroni's REST API, etcd, HAProxy's stats page): never the database's. */
const SERVICE_PORTS = new Set([8008, 2379, 2380, 7000, 8404]);

function portsIn(text: string): number[] {
  return [...text.matchAll(PORT)]
    .map((m) => Number(m[1]))
    .filter((p) => p >= 1024 && p <= 65535 && !(p >= 1900 && p <= 2100) && !SERVICE_PORTS.has(p));
}
function roleOf(text: string): 'write' | 'read' | null {
  const w = L.WRITE_ROLE.test(text);
  const r = L.READ_ROLE.test(text);
  return w === r ? null : w ? 'write' : 'read';
}

/** "на 5001 доступны реплики, а на 5002 - мастер": which port the student says is the leader's, which the replicas'. */
function portClaims(narrative: Narrative): Observed['port_claims'] {
  const claims: Observed['port_claims'] = [];
  for (const s of narrative.sentences) {
    const ports = portsIn(s.text);
    if (!ports.length) continue;
    if (ports.length === 1) {
      const role = roleOf(s.text);
      if (role) claims.push({ port: ports[0]!, role, line: s.line, text: s.text });
      continue;
    }
    for (const clause of s.text.split(CLAUSES)) {
      const p = portsIn(clause);
      const role = roleOf(clause);
      if (p.length === 1 && role) claims.push({ port: p[0]!, role, line: s.line, text: s.text });
    }
  }
  return claims;
}

function compareWindow(w: LogWindow, exp: Experiment | null, inferred: string | null, truth: Truth): WindowComparison {
  const base = { window: w, fault: exp?.fault ?? (inferred ? 'leader' : null), mode: exp?.mode ?? 'unknown', inferred } as const;
  if (w.stream === 'read') {
    return { ...base, expected: 'the read port: not compared with write outages', verdict: 'not_compared', note: 'read-port stream' };
  }
  const fault = base.fault;
  if (fault === null || fault === 'all_patroni') {
    return { ...base, expected: '—', verdict: 'not_compared', note: 'the report does not say which fault caused it' };
  }
  if (fault === 'replica' || fault === 'etcd_one') {
    const t = truth.faults[fault];
    return { ...base, expected: describeTruth(t), verdict: 'unexpected_outage', note: 'writes should not be interrupted by this fault: something else was stopped, or the client failed on its own' };
  }
  if (fault === 'etcd_quorum' || fault === 'haproxy') {
    const t = truth.faults[fault];
    if (w.duration_s === null) return { ...base, expected: describeTruth(t), verdict: 'open', note: 'the log ends inside the outage' };
    return { ...base, expected: describeTruth(t), verdict: 'within', note: fault === 'haproxy' ? 'out while HAProxy was down' : 'refused until the quorum returned' };
  }
  const key = base.mode === 'stop' ? 'leader_stop' : 'leader_kill';
  const t = truth.faults[key];
  const expected = base.mode === 'unknown' ? `${describeTruth(truth.faults.leader_stop)}; crash: ${describeTruth(truth.faults.leader_kill)}` : describeTruth(t);
  if (w.duration_s === null) {
    return { ...base, expected, verdict: 'open', note: w.restarted ? 'the client was restarted by hand and the log never shows it writing again' : 'the log ends inside the outage' };
  }
  const upper = t.upper_s;
  if (upper !== undefined && w.duration_s > upper) {
    return {
      ...base,
      expected,
      verdict: 'longer',
      note: w.restarted ? 'longer than Patroni needs: it includes restarting the client by hand' : "longer than Patroni needs: the rest is the client's reconnect pause",
    };
  }
  return { ...base, expected, verdict: 'within', note: w.restarted ? 'includes restarting the client by hand' : '' };
}

export function readSubmission(doc: SubmissionDoc, truth: Truth): Reading {
  const tables = findTables(doc.lines);
  const { changes, rejoins } = compareTables(tables);
  const narrative = readNarrative(doc.lines, tables);
  const segments = findSegments(doc.lines, doc.blocks);
  const windows: LogWindow[] = [];
  const idGaps: Observed['id_gaps'] = [];
  const vanished: Observed['vanished_ids'] = [];
  let reconnects = 0;
  let restarts = 0;
  for (const seg of segments) {
    const ws = windowsOf(seg);
    windows.push(...ws);
    reconnects += ws.filter((w) => w.duration_s !== null).length;
    restarts += ws.filter((w) => w.restarted).length;
    const ids = idFindings(seg);
    idGaps.push(...ids.gaps);
    vanished.push(...ids.vanished);
  }
  const comparisons = windows.map((w) => {
    const ctx = narrative.contextAt(w.line);
    const exp = ctx === null ? null : narrative.experiments[ctx]!;
    let inferred: string | null = null;
    if (!exp && w.end_line !== null) {
      // A new primary starts its sequence after the values the old one WAL-logged ahead.
      const gap = idGaps.find((g) => g.after_failure && g.size <= 32 && g.line >= w.line && g.line <= w.end_line! + 3);
      if (gap) inferred = `ids jumped by ${gap.size + 1} after the reconnect (line ${gap.line}): a new primary took over`;
    }
    return compareWindow(w, exp, inferred, truth);
  });
  return {
    doc,
    narrative,
    observed: {
      tables,
      leader_changes: changes,
      rejoins,
      segments,
      windows,
      id_gaps: idGaps,
      vanished_ids: vanished,
      reconnects,
      restarts,
      experiments: narrative.experiments,
      comparisons,
      port_claims: portClaims(narrative),
    },
  };
}

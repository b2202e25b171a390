import { attribute, type Attribution, type Fault } from './experiments.js';
import { findImages } from './extract/images.js';
import { findSegments, idFindings, windowsOf } from './extract/logs.js';
import { compareTables, findTables } from './extract/patronictl.js';
import { DEFAULT_PARAMS, type Params } from './params.js';
import { readSetup, type Setup } from './setup.js';
import { describeTruth, type Truth } from './truth.js';
import type { ImageRef, LeaderMode, LogWindow, Observed, SubmissionDoc, WindowComparison } from './types.js';

/** Everything the grader reads out of one submission before any points are given. */
export interface Reading {
  doc: SubmissionDoc;
  attribution: Attribution;
  setup: Setup;
  images: ImageRef[];
  observed: Observed;
}

function compareWindow(w: LogWindow, fault: Fault | null, mode: LeaderMode, inferred: string | null, truth: Truth): WindowComparison {
  const base = { window: w, fault: fault ?? (inferred ? 'leader' : null), mode, inferred } as const;
  if (w.stream === 'read') {
    return { ...base, expected: 'the read port: not compared with write outages', verdict: 'not_compared', note: 'read-port stream' };
  }
  if (base.fault === null) {
    return { ...base, expected: '—', verdict: 'not_compared', note: 'the report does not say which fault caused it' };
  }
  if (base.fault === 'replica' || base.fault === 'etcd_one') {
    const t = truth.faults[base.fault];
    return { ...base, expected: describeTruth(t), verdict: 'unexpected_outage', note: 'writes should not be interrupted by this fault: something else was stopped, or the client failed on its own' };
  }
  if (base.fault === 'etcd_quorum' || base.fault === 'haproxy') {
    const t = truth.faults[base.fault];
    if (w.duration_s === null) return { ...base, expected: describeTruth(t), verdict: 'open', note: 'the log ends inside the outage' };
    return { ...base, expected: describeTruth(t), verdict: 'within', note: base.fault === 'haproxy' ? 'out while HAProxy was down' : 'refused until the quorum returned' };
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

/** How the leader was stopped, from the words of the passage that stopped it. */
function leaderMode(a: Attribution): LeaderMode {
  const text = a.experiments.leader.mentions.map((m) => m.text).join(' ');
  if (/сетев|network|interface|интерфейс|isolat|изолир/iu.test(text)) return 'network';
  if (/kill|уби|убь|crash|sigkill|pause/iu.test(text)) return 'kill';
  return /stop|стоп|выключ|отключ|останов|погас/iu.test(text) ? 'stop' : 'unknown';
}

export function readSubmission(doc: SubmissionDoc, truth: Truth, params: Params = DEFAULT_PARAMS): Reading {
  const tables = findTables(doc.lines);
  const { changes, rejoins } = compareTables(tables);
  const segments = findSegments(doc.lines, doc.blocks);
  const images = findImages(doc.lines, doc.file, doc.root);
  const attribution = attribute({ doc, tables, segments, images }, params);
  const mode = leaderMode(attribution);
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
    const fault = attribution.faultAt(w.line);
    let inferred: string | null = null;
    if (!fault && w.end_line !== null) {
      // A new primary starts its sequence after the values the old one WAL-logged ahead.
      const gap = idGaps.find((g) => g.after_failure && g.size <= 32 && g.line >= w.line && g.line <= w.end_line! + 3);
      if (gap) inferred = `ids jumped by ${gap.size + 1} after the reconnect (line ${gap.line}): a new primary took over`;
    }
    return compareWindow(w, fault, fault === 'leader' ? mode : 'unknown', inferred, truth);
  });
  return {
    doc,
    attribution,
    setup: readSetup(doc, segments, truth),
    images,
    observed: { tables, leader_changes: changes, rejoins, segments, windows, id_gaps: idGaps, vanished_ids: vanished, reconnects, restarts, comparisons },
  };
}

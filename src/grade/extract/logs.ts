import type { CodeBlock, IdGap, Line, LogEvent, LogKind, LogSegment, LogWindow } from '../types.js';

/**
 * Logs of the course's traffic generator ("[00:52:20] CONNECTION LOST ...", "READ check (Last 3 IDs):
 * [..]") and of HAtester ("Working with: MASTER - 10.0.0.1", "Inserted: 2024-12-23 13:49:09.03").
 * Both print once a second, so every figure here has 1-second resolution.
 */

const TS = /\[(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:[.,]\d+)?\]/g;
const READ_CHECK = /READ\s+check[^:\n]*:\s*\[([\d,\s]*)\]/gi;
const FAILURE_WORDS = /connection\s+lost|connection\s+failed|failed|error|refused|read[- ]only|timeout|timed\s+out|terminat|closed|could\s+not|unable/i;
const STARTING = /STARTING\s+LOAD\s+GENERATOR(?:\s+ON\s+PORT\s+(\d+))?/i;
const PROMPT_RUN = /(?:^|[$%#>]\s*)(?:python3?\s+\S*traffic[-_]?generator\S*|\.\/HAtester\.py|python3?\s+\S*HAtester\S*)(?:\s+(\d{4,5}))?/i;
const ELISION = /^\s*(?:\.{3,}|…)\s*$/;
const HA_WORKING = /Working\s+with:\s*(MASTER|REPLICA)\s*-\s*(\S+)/i;
const HA_RESULT = /(Inserted|Retri?e?ved):\s*(\d{4}-\d{2}-\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})/i;
const HA_RETRY = /Trying\s+to\s+connect/i;
const HA_FAIL = /Unable\s+to\s+connect|server\s+closed\s+the\s+connection|connection\s+to\s+server\s+at/i;
const PORT = /port\s+(\d{4,5})/i;

interface Chunk {
  lines: Array<{ n: number; text: string }>;
}

function secs(h: string, m: string, s: string): number {
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

export function formatClock(t: number | null): string {
  if (t === null) return '?';
  const d = ((t % 86400) + 86400) % 86400;
  const p = (x: number) => String(Math.floor(x)).padStart(2, '0');
  return `${p(d / 3600)}:${p((d % 3600) / 60)}:${p(d % 60)}`;
}

/** Events of one line of generator output; students sometimes paste several on one line. */
function generatorEvents(n: number, text: string): LogEvent[] {
  const marks: Array<{ at: number; kind: 'ts' | 'read'; m: RegExpExecArray }> = [];
  for (const m of text.matchAll(TS)) marks.push({ at: m.index, kind: 'ts', m: m as RegExpExecArray });
  for (const m of text.matchAll(READ_CHECK)) marks.push({ at: m.index, kind: 'read', m: m as RegExpExecArray });
  marks.sort((a, b) => a.at - b.at);
  const events: LogEvent[] = [];
  marks.forEach((mark, i) => {
    const rest = text.slice(mark.at + mark.m[0].length, marks[i + 1]?.at ?? text.length).trim();
    if (mark.kind === 'read') {
      const ids = mark.m[1]!
        .split(',')
        .map((x) => Number.parseInt(x.trim(), 10))
        .filter((x) => Number.isFinite(x));
      events.push({ line: n, kind: 'ok_read', t: null, ids });
      return;
    }
    const t = secs(mark.m[1]!, mark.m[2]!, mark.m[3]!);
    const port = PORT.exec(rest)?.[1];
    const withPort = (e: LogEvent): LogEvent => (port ? { ...e, port: Number(port) } : e);
    if (/^INSERT/i.test(rest)) events.push({ line: n, kind: 'ok_write', t });
    else if (/^CONNECTED/i.test(rest)) events.push({ line: n, kind: 'connected', t });
    else if (STARTING.test(rest)) events.push({ line: n, kind: 'restart', t });
    else if (FAILURE_WORDS.test(rest)) events.push(withPort({ line: n, kind: 'failure', t, message: failureMessage(rest) }));
  });
  return events;
}

function failureMessage(text: string): string {
  if (/read[- ]only/i.test(text)) return 'read-only';
  const m = /^([^:(]{3,60})/.exec(text.trim());
  return (m?.[1] ?? text).trim().slice(0, 60);
}

function hatesterEvent(n: number, text: string, state: { role?: 'master' | 'replica'; address?: string }): LogEvent | null {
  const w = HA_WORKING.exec(text);
  if (w) {
    state.role = w[1]!.toLowerCase() === 'master' ? 'master' : 'replica';
    state.address = w[2]!;
  }
  const r = HA_RESULT.exec(text);
  if (r) {
    const e: LogEvent = {
      line: n,
      kind: /^Inserted/i.test(r[1]!) ? 'ok_write' : 'ok_read',
      t: secs(r[3]!, r[4]!, r[5]!),
    };
    if (state.role) e.role = state.role;
    if (state.address) e.address = state.address;
    return e;
  }
  if (HA_RETRY.test(text)) return { line: n, kind: 'retry', t: null };
  if (HA_FAIL.test(text) && /Unable|failed/i.test(text)) {
    const port = PORT.exec(text)?.[1];
    const e: LogEvent = { line: n, kind: 'failure', t: null, message: failureMessage(text.replace(/^.*?failed:\s*/i, '')) };
    if (port) e.port = Number(port);
    return e;
  }
  return null;
}

function chunksOf(lines: Line[], blocks: CodeBlock[]): Chunk[] {
  const chunks: Chunk[] = blocks.map((b) => ({ lines: b.lines }));
  // Logs pasted without a fence: runs of prose lines that carry log markers.
  let run: Chunk | null = null;
  for (const l of lines) {
    const marker = !l.code && (new RegExp(TS.source).test(l.text) || /READ\s+check|Working\s+with:|Inserted:|Retri?e?ved:/i.test(l.text));
    if (marker) {
      run ??= { lines: [] };
      run.lines.push({ n: l.n, text: l.text });
    } else if (run && !(l.text.trim() === '' || /^\s{2,}\S/.test(l.text))) {
      chunks.push(run);
      run = null;
    } else if (run) {
      run.lines.push({ n: l.n, text: l.text });
    }
  }
  if (run) chunks.push(run);
  return chunks.sort((a, b) => (a.lines[0]?.n ?? 0) - (b.lines[0]?.n ?? 0));
}

interface RawSegment {
  kind: LogKind;
  events: LogEvent[];
  start: number;
  end: number;
  startsWithElision: boolean;
  port: number | null;
}

function isOk(kind: LogKind, e: LogEvent): boolean {
  return e.kind === 'ok_write' || (kind === 'hatester' && e.kind === 'ok_read');
}
function isBad(e: LogEvent): boolean {
  return e.kind === 'failure' || e.kind === 'retry';
}
/** Whether the segment ends inside an outage. */
function endsOpen(seg: RawSegment): boolean {
  for (let i = seg.events.length - 1; i >= 0; i--) {
    const e = seg.events[i]!;
    if (isBad(e)) return true;
    if (isOk(seg.kind, e)) return false;
  }
  return false;
}
function lastTime(events: LogEvent[]): number | null {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.t !== null) return events[i]!.t;
  return null;
}
function firstTime(events: LogEvent[]): number | null {
  return events.find((e) => e.t !== null)?.t ?? null;
}

function segmentChunk(chunk: Chunk): RawSegment[] {
  const segments: RawSegment[] = [];
  // Declared through a cast: close() resets it from a closure, which narrowing cannot see.
  let cur = null as RawSegment | null;
  let pendingElision = ELISION.test(chunk.lines.find((l) => l.text.trim() !== '')?.text ?? '');
  let pendingPort: number | null = null;
  const ha: { role?: 'master' | 'replica'; address?: string } = {};

  const close = () => {
    if (cur && cur.events.some((e) => e.kind === 'ok_write' || e.kind === 'ok_read' || isBad(e))) segments.push(cur);
    cur = null;
  };
  for (const { n, text } of chunk.lines) {
    if (ELISION.test(text)) {
      close();
      pendingElision = true;
      continue;
    }
    // The client started (again) by hand: a shell prompt running it, or the generator's banner.
    const started = PROMPT_RUN.exec(text) ?? STARTING.exec(text);
    if (started) {
      if (started[1]) pendingPort = Number(started[1]);
      if (cur) cur.events.push({ line: n, kind: 'restart', t: null });
      continue;
    }
    const hatester: boolean = /Working\s+with:|Inserted:|Retri?e?ved:|Trying\s+to\s+connect|Unable\s+to\s+connect/i.test(text) || (cur?.kind === 'hatester' && HA_FAIL.test(text));
    const kind: LogKind = hatester ? 'hatester' : 'generator';
    let events: LogEvent[];
    if (hatester) {
      const e = hatesterEvent(n, text, ha);
      events = e ? [e] : [];
    } else {
      events = generatorEvents(n, text);
      if (!events.length && cur?.kind === 'generator' && /read[- ]only/i.test(text)) {
        // A continuation line of the previous failure ("... failed: session is read-only").
        const last = [...cur.events].reverse().find((e) => e.kind === 'failure');
        if (last) last.message = 'read-only';
      }
    }
    if (!events.length) continue;
    if (cur && cur.kind !== kind) close();
    if (cur) {
      const prevT = lastTime(cur.events);
      let t = firstTime(events);
      // Past midnight the clock starts again from 0: that is the same run going on.
      if (prevT !== null && t !== null && prevT - t > 43200) t += 86400;
      // A clock going backwards or a long silence outside an outage means another run was pasted.
      if (prevT !== null && t !== null && (t < prevT - 60 || (t > prevT + 300 && !endsOpen(cur)))) close();
    }
    if (!cur) {
      cur = { kind, events: [], start: n, end: n, startsWithElision: pendingElision, port: pendingPort };
      pendingElision = false;
    }
    for (const e of events) {
      if (e.port && cur.port === null) cur.port = e.port;
      cur.events.push(e);
    }
    cur.end = n;
  }
  close();
  return segments;
}

/** Log segments of a document; a later block continues an earlier one when it picks up an open outage. */
export function findSegments(lines: Line[], blocks: CodeBlock[]): LogSegment[] {
  const raw: RawSegment[] = [];
  for (const chunk of chunksOf(lines, blocks)) {
    const segs = segmentChunk(chunk);
    const first = segs[0];
    const prev = raw[raw.length - 1];
    if (first && prev && prev.kind === first.kind && !first.startsWithElision && endsOpen(prev)) {
      const a = lastTime(prev.events);
      let b = firstTime(first.events);
      if (a !== null && b !== null && a - b > 43200) b += 86400;
      if (a !== null && b !== null && b >= a && b - a <= 600) {
        prev.events.push(...first.events);
        prev.end = first.end;
        segs.shift();
      }
    }
    raw.push(...segs);
  }
  return raw.map((s) => {
    const firstRole = s.events.find((e) => e.role)?.role;
    return {
      kind: s.kind,
      start_line: s.start,
      end_line: s.end,
      events: unwrapMidnight(s.events),
      stream: s.kind === 'hatester' && firstRole === 'replica' ? 'read' : 'write',
      port: s.port,
    };
  });
}

/** Times after midnight continue the previous day's count so differences stay positive. */
function unwrapMidnight(events: LogEvent[]): LogEvent[] {
  let offset = 0;
  let prev: number | null = null;
  return events.map((e) => {
    if (e.t === null) return e;
    let t = e.t + offset;
    if (prev !== null && t < prev - 43200) {
      offset += 86400;
      t += 86400;
    }
    prev = t;
    return { ...e, t };
  });
}

/** Write outages each segment shows. */
export function windowsOf(seg: LogSegment): LogWindow[] {
  const windows: LogWindow[] = [];
  let lastOk: number | null = null;
  let open: LogWindow | null = null;
  let lastBadT: number | null = null;
  for (const e of seg.events) {
    if (isBad(e)) {
      if (!open) {
        open = {
          kind: seg.kind,
          stream: seg.stream,
          line: e.line,
          end_line: null,
          last_ok: lastOk,
          first_fail: e.t,
          first_ok_after: null,
          duration_s: null,
          at_least_s: null,
          restarted: false,
          messages: [],
        };
      }
      if (e.t !== null) {
        open.first_fail ??= e.t;
        lastBadT = e.t;
      }
      if (e.message && !open.messages.includes(e.message)) open.messages.push(e.message);
    } else if (e.kind === 'restart' && open) {
      open.restarted = true;
    } else if (isOk(seg.kind, e) && e.t !== null) {
      if (open) {
        const from = open.first_fail ?? open.last_ok;
        open.first_ok_after = e.t;
        open.end_line = e.line;
        open.duration_s = from === null ? null : Math.floor(e.t) - Math.floor(from);
        windows.push(open);
        open = null;
        lastBadT = null;
      }
      lastOk = e.t;
    }
  }
  if (open) {
    const from = open.first_fail ?? open.last_ok;
    open.at_least_s = from !== null && lastBadT !== null ? Math.floor(lastBadT) - Math.floor(from) : null;
    windows.push(open);
  }
  return windows;
}

/**
 * ID gaps and vanished ids from consecutive READ checks of one segment. A READ check shows the newest
 * rows, so an id missing between two shown ids was never committed (a gap), and an id an earlier check
 * showed that a later check covering it no longer shows is gone (a loss).
 */
export function idFindings(seg: LogSegment): { gaps: IdGap[]; vanished: Array<{ id: number; line: number }> } {
  const gaps: IdGap[] = [];
  const vanished: Array<{ id: number; line: number }> = [];
  let prev: number[] | null = null;
  let failedSincePrev = false;
  for (const e of seg.events) {
    if (isBad(e)) failedSincePrev = true;
    if (e.kind !== 'ok_read' || !e.ids?.length) continue;
    const ids = [...e.ids].sort((a, b) => b - a);
    const max = ids[0]!;
    const min = ids[ids.length - 1]!;
    if (prev) {
      for (const id of prev) if (id >= min && id <= max && !ids.includes(id)) vanished.push({ id, line: e.line });
    }
    for (let i = 0; i + 1 < ids.length; i++) {
      const hi = ids[i]!;
      const lo = ids[i + 1]!;
      if (hi - lo <= 1) continue;
      if (prev && prev.some((id) => id > lo && id < hi)) continue; // reported as vanished
      gaps.push({
        after_id: lo,
        before_id: hi,
        size: hi - lo - 1,
        line: e.line,
        after_failure: failedSincePrev,
        explanation: gapExplanation(hi - lo - 1, failedSincePrev),
      });
    }
    prev = ids;
    failedSincePrev = false;
  }
  return { gaps, vanished };
}

function gapExplanation(size: number, afterFailure: boolean): string {
  if (afterFailure && size <= 32) {
    return `${size} ids skipped across a reconnect: a new primary starts after the 32 sequence values PostgreSQL WAL-logs ahead, and failed inserts use ids too; not data loss`;
  }
  if (afterFailure) {
    return `${size} ids skipped across a reconnect, more than the 32 pre-logged sequence values: failed or indeterminate inserts; not data loss by itself`;
  }
  return `${size} ids skipped without a visible error: a rolled-back insert or another client; not data loss`;
}

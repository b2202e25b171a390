/**
 * Checks an experiment's assertions against what the run recorded and what analysis derived.
 * Each result reads on its own: a name ("max write outage"), what was measured and what was required.
 */
import type { Analysis, Availability } from '../analysis/types.js';
import type { EventRecord, OperationRecord, RecordedRun } from '../history/types.js';
import type { AssertionResult, Verdict } from '../results/types.js';
import { formatDuration } from '../util/duration.js';
import type { Experiment } from './load.js';
import type { Assertion, InjectStep } from './schema.js';
import { longestWindow } from '../analysis/summary.js';

export function evaluateAssertions(exp: Experiment, run: RecordedRun, analysis: Analysis): AssertionResult[] {
  const ctx: Context = {
    exp,
    analysis,
    events: run.history.filter((r): r is EventRecord => r.type === 'event'),
    writes: run.history.filter((r): r is OperationRecord => r.type === 'op' && r.op === 'write' && r.port === 'write'),
  };
  return exp.assertions.map((a) => evaluate(a, ctx));
}

/** error if the run itself failed; otherwise fail if any assertion failed. */
export function verdictOf(results: AssertionResult[], error?: string): Verdict {
  if (error) return 'error';
  return results.every((r) => r.passed) ? 'pass' : 'fail';
}

interface Context {
  exp: Experiment;
  analysis: Analysis;
  events: EventRecord[];
  /** Writes through the write port, the ones the outage figures are about. */
  writes: OperationRecord[];
}

const NAMES: Record<Exclude<Assertion['kind'], 'writes_refused_during' | 'writes_back_within'>, string> = {
  max_write_outage: 'max write outage',
  max_read_outage: 'max read outage',
  total_write_outage: 'total write outage',
  lost_writes: 'lost writes',
  unexpected_rows: 'unexpected rows',
  duplicates: 'duplicates',
  split_brain: 'split brain',
  leader_changed: 'leader changed',
  timeline_changed: 'timeline changed',
  within_prediction: 'within prediction',
};

function evaluate(a: Assertion, ctx: Context): AssertionResult {
  const { analysis } = ctx;
  switch (a.kind) {
    case 'max_write_outage':
      return longestOutage(NAMES[a.kind], analysis.writes, 'write', a.max_ms);
    case 'max_read_outage':
      return longestOutage(NAMES[a.kind], analysis.reads, 'read', a.max_ms);
    case 'total_write_outage': {
      const name = NAMES[a.kind];
      const expected = atMost(a.max_ms);
      if (analysis.writes.attempts === 0) return fail(name, 'no write was attempted', expected);
      const total = analysis.writes.total_unavailable_ms;
      const n = analysis.writes.windows.length;
      const observed = n === 0 ? '0 s' : `${formatDuration(total)} in ${n} window${n === 1 ? '' : 's'}`;
      return result(name, total <= a.max_ms, observed, expected);
    }
    case 'lost_writes':
      return countCheck(NAMES[a.kind], analysis, analysis.writes.lost, a.max, sampleKeys(analysis.writes.lost_keys));
    case 'unexpected_rows':
      return countCheck(NAMES[a.kind], analysis, analysis.writes.unexpected, a.max);
    case 'duplicates':
      return countCheck(NAMES[a.kind], analysis, analysis.writes.duplicates, a.max);
    case 'split_brain': {
      const nodes = [...new Set(analysis.split_brain.flatMap((s) => s.nodes))].sort();
      const observed =
        analysis.split_brain_ms > 0
          ? `${formatDuration(analysis.split_brain_ms)} (${nodes.join(', ')})`
          : formatDuration(analysis.split_brain_ms);
      return result(NAMES[a.kind], analysis.split_brain_ms <= a.max_ms, observed, atMost(a.max_ms));
    }
    case 'leader_changed':
      return leaderChanged(NAMES[a.kind], analysis, a.expected);
    case 'timeline_changed':
      return timelineChanged(NAMES[a.kind], analysis, a.expected);
    case 'writes_refused_during':
      return writesRefusedDuring(a.fault, ctx);
    case 'writes_back_within':
      return writesBackWithin(a.fault, a.from, a.max_ms, ctx);
    case 'within_prediction':
      return withinPrediction(NAMES[a.kind], analysis, a.expected);
  }
}

function result(name: string, passed: boolean, observed: string, expected: string): AssertionResult {
  return { name, passed, observed, expected };
}

function fail(name: string, observed: string, expected: string): AssertionResult {
  return result(name, false, observed, expected);
}

function atMost(ms: number): string {
  return ms === 0 ? '0 s' : `<= ${formatDuration(ms)}`;
}

function longestOutage(name: string, a: Availability, what: 'write' | 'read', maxMs: number): AssertionResult {
  const expected = atMost(maxMs);
  if (a.attempts === 0) return fail(name, `no ${what} was attempted`, expected);
  const longest = longestWindow(a.windows);
  if (!longest) return result(name, true, '0 s', expected);
  const observed =
    `${formatDuration(longest.duration_ms)} (from ${formatDuration(longest.start_ms)}` +
    `${a.windows.length > 1 ? `, longest of ${a.windows.length}` : ''})`;
  return result(name, longest.duration_ms <= maxMs, observed, expected);
}

function countCheck(name: string, analysis: Analysis, value: number, max: number, detail = ''): AssertionResult {
  const expected = max === 0 ? '0' : `<= ${max}`;
  if (!analysis.writes.accounted) return fail(name, 'not accounted: the final read of the table is missing', expected);
  return result(name, value <= max, `${value}${detail}`, expected);
}

function sampleKeys(keys: string[]): string {
  if (keys.length === 0) return '';
  const shown = keys.slice(0, 3).join(', ');
  return ` (${shown}${keys.length > 3 ? `, … ${keys.length - 3} more` : ''})`;
}

function leaderChanged(name: string, analysis: Analysis, expected: boolean): AssertionResult {
  // A demoted leader that takes the key again (quorum loss) is not a change of leader. The leader
  // seen first is the analysis's baseline, not a change: no changes means the leader held.
  const leaders: string[] = [];
  for (const c of analysis.leader_changes) {
    for (const n of [c.from, c.to]) if (n !== null && leaders.at(-1) !== n) leaders.push(n);
  }
  const changed = new Set(leaders).size > 1;
  const observed = changed ? `true (${leaders.join(' → ')})` : leaders.length ? `false (${leaders[0]} throughout)` : 'false (no change of leader seen)';
  return result(name, changed === expected, observed, String(expected));
}

function timelineChanged(name: string, analysis: Analysis, expected: boolean): AssertionResult {
  // analysis.timelines lists only increases seen during the run: empty means the timeline held.
  const increases = [...analysis.timelines].sort((x, y) => x.t_ms - y.t_ms);
  const changed = increases.length > 0;
  const last = Math.max(...increases.map((t) => t.timeline));
  const observed = changed ? `true (to timeline ${last}, first on ${increases[0]!.node})` : 'false (no timeline increase seen)';
  return result(name, changed === expected, observed, String(expected));
}

/** Every fault's observed outage inside its predicted [lo, hi] (analysis.faults); faster than lo fails too. */
function withinPrediction(name: string, analysis: Analysis, expected: boolean): AssertionResult {
  // A fault whose outage a combination took is judged in that combination's entry.
  const predicted = analysis.faults.filter((f) => f.predicted && !f.explained_by);
  if (predicted.length === 0) {
    return fail(name, "no prediction: the fault model has no entry for this run's faults", String(expected));
  }
  const all = predicted.every((f) => f.within);
  const details = predicted.map((f) => {
    const iv = f.predicted!;
    const verdict = f.within ? 'in' : f.finding === 'faster' ? 'faster than' : 'above';
    const combo = f.combined_with ? ` with ${f.combined_with.fault}` : '';
    return `${f.fault}${combo}: ${formatDuration(f.observed_ms)} ${verdict} [${formatDuration(iv.lo_ms)}, ${formatDuration(iv.hi_ms)}]`;
  });
  return result(name, all === expected, `${all} (${details.join('; ')})`, String(expected));
}

// ---------------------------------------------------------------------------------------------
// Assertions about one fault, located through the experiment's events.

interface FaultSpan {
  /** When the fault took effect (analysis.faults[].effective_ms), else when its step began. */
  injected_ms: number;
  /** When the heal step ended; null if it never did. */
  healed_ms: number | null;
}

/** The fault's span, or why it cannot be known. */
function faultSpan(fault: string, ctx: Context, needHeal: boolean): FaultSpan | string {
  const inject = ctx.exp.steps.find((s): s is InjectStep => s.kind === 'inject' && s.id === fault);
  if (!inject) return `no inject step declares ${fault}`;
  const injectEvents = ctx.events.filter((e) => e.action === 'inject' && e.step === inject.index);
  const failed = injectEvents.find((e) => e.phase === 'error');
  if (failed) return `injecting ${fault} failed${failed.detail ? `: ${failed.detail}` : ''}`;
  const begin = injectEvents.find((e) => e.phase === 'begin');
  if (!begin) return `${fault} was never injected (the run stopped before steps[${inject.index}])`;

  // `heal: f1` or the first `heal: all` after the inject.
  const heal = ctx.exp.steps.find((s) => s.kind === 'heal' && s.index > inject.index && (s.id === fault || s.id === null));
  const healEvents = heal ? ctx.events.filter((e) => e.action === 'heal' && e.step === heal.index) : [];
  const healError = healEvents.find((e) => e.phase === 'error' && (e.id === undefined || e.id === fault));
  const healEnd =
    healEvents.find((e) => e.phase === 'end' && e.id === fault) ??
    healEvents.find((e) => e.phase === 'end' && e.id === undefined);
  if (needHeal) {
    if (healError) return `healing ${fault} failed${healError.detail ? `: ${healError.detail}` : ''}`;
    if (!heal || !healEnd) return `${fault} was never healed`;
  }
  // The instant the fault took effect, as the fault model decided it (the second etcd member gone, not the command's start).
  const modelled = ctx.analysis.faults.find((f) => f.step === inject.index);
  return { injected_ms: modelled?.effective_ms ?? begin.t_ms, healed_ms: healEnd?.t_ms ?? null };
}

function writesRefusedDuring(fault: string, ctx: Context): AssertionResult {
  const name = `writes refused during ${fault}`;
  const expected = 'some writes refused';
  const span = faultSpan(fault, ctx, true);
  if (typeof span === 'string') return fail(name, span, expected);
  const end = span.healed_ms!;
  const refused = ctx.writes.filter((w) => w.outcome !== 'ok' && w.start_ms < end && w.end_ms > span.injected_ms);
  const during = `between ${formatDuration(span.injected_ms)} and ${formatDuration(end)}`;
  if (refused.length === 0) {
    const attempted = ctx.writes.filter((w) => w.start_ms < end && w.end_ms > span.injected_ms).length;
    return fail(name, `none of ${attempted} writes ${during} failed`, expected);
  }
  const first = Math.min(...refused.map((w) => w.end_ms));
  return result(
    name,
    true,
    `${refused.length} failed or unanswered ${during}, the first ${formatDuration(Math.max(0, first - span.injected_ms))} after the injection`,
    expected,
  );
}

function writesBackWithin(fault: string, from: 'heal' | 'inject', maxMs: number, ctx: Context): AssertionResult {
  const name = `writes back after ${fault} ${from === 'heal' ? 'healed' : 'injected'}`;
  const expected = `<= ${formatDuration(maxMs)}`;
  const span = faultSpan(fault, ctx, from === 'heal');
  if (typeof span === 'string') return fail(name, span, expected);

  if (from === 'heal') {
    const healed = span.healed_ms!;
    const firstAck = ctx.writes
      .filter((w) => w.outcome === 'ok' && w.end_ms >= healed)
      .reduce((m, w) => Math.min(m, w.end_ms), Infinity);
    if (firstAck === Infinity) return fail(name, `no write was acknowledged after ${fault} was healed`, expected);
    const back = firstAck - healed;
    return result(name, back <= maxMs, formatDuration(back), expected);
  }

  if (ctx.analysis.writes.attempts === 0) return fail(name, 'no write was attempted', expected);
  // The outage this fault caused is the first one still open after the injection; one that starts
  // after the heal belongs to something else.
  const outage = ctx.analysis.writes.windows
    .filter((w) => w.end_ms > span.injected_ms && (span.healed_ms === null || w.start_ms < span.healed_ms))
    .sort((x, y) => x.start_ms - y.start_ms)[0];
  if (!outage) return result(name, true, `0 s (writes never stopped)`, expected);
  const back = outage.end_ms - span.injected_ms;
  return result(name, back <= maxMs, formatDuration(back), expected);
}

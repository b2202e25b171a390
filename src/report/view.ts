import type { Availability } from '../analysis/types.js';
import { markdownToHtml } from '../render/markdown.js';
import type { MemberRow, Results } from '../results/types.js';
import { phaseLabel, type ChartSpec } from './charts.js';
import type { Conclusions } from './conclusions.js';
import type { FaultInfo } from './faults.js';
import { fmtBytes, fmtMs, fmtNumber, fmtOffset, fmtS, strings, type Lang, type Strings } from './i18n.js';
import { faultFor, phaseRows } from './phases.js';
import type { Series } from './series.js';

/**
 * What the report templates print: every figure already formatted in the report's language.
 * Text from input stays raw here; the Markdown template escapes it with {{md}}, the HTML template
 * with Handlebars' own escaping. Conclusions are Markdown (input already escaped), with HTML beside.
 */
export interface ReportView {
  lang: Lang;
  t: Strings;
  experiment: string;
  description: string;
  verdict: Results['verdict'];
  verdict_label: string;
  started: string;
  duration: string;
  driver: string;
  error: string | null;
  incomplete: boolean;
  /** False when the run ended before analysis: its tables would show zeros that were never measured. */
  analysed: boolean;
  conclusions: Conclusions;
  conclusions_html: { headline: string; summary: string; warnings: string[]; sections: Array<{ id: string; title: string; body: string }> };
  charts: { over_time: ChartView[]; has_time: boolean; no_history: boolean; no_lag: boolean };
  outages: Array<{ title: string; rows: PhaseRowView[]; chart: ChartView | null }>;
  predictions: Array<{ fault: string; bound: string; formula: string; observed: string; within: boolean; within_label: string }>;
  accounting: { rows: Array<{ label: string; writes: string; reads: string }>; accounted: boolean; lost_keys: string[] };
  windows: Array<{ op: string; from: string; to: string; duration: string; resolution: string; failed_ops: string; workers: string }>;
  gaps: Array<{ after: string; before: string; size: string; cause: string; unexplained: boolean; explanation: string; at: string }>;
  assertions: Array<{ name: string; passed: boolean; result: string; observed: string; expected: string }>;
  events: Array<{ step: string; action: string; target: string; nodes: string; begin: string; end: string; detail: string; error: boolean }>;
  member_tables: Array<{ title: string; rows: MemberView[] }>;
  versions: Array<{ name: string; value: string }>;
  topology: Array<{ name: string; value: string }>;
  settings: Array<{ name: string; value: string }>;
  errors: Array<{ op: string; class: string; sqlstate: string; count: string; example: string }>;
  leader_changes: string;
  split_brain: string;
}

export interface ChartView {
  id: string;
  title: string;
  caption: string;
  png: string;
  height: number;
}

interface PhaseRowView {
  name: string;
  /** When the step ended, since the start of the run. */
  at: string;
  /** The same moment, counted from the fault. */
  after: string;
  took: string;
  expected: string;
  over: boolean;
}

interface MemberView {
  name: string;
  host: string;
  role: string;
  state: string;
  timeline: string;
  lag: string;
}

export const pngName = (spec: ChartSpec) => `chart-${spec.id}.png`;

function chartView(spec: ChartSpec): ChartView {
  return { id: spec.id, title: spec.title, caption: spec.caption, png: pngName(spec), height: spec.height };
}

function members(lang: Lang, rows: readonly MemberRow[]): MemberView[] {
  return rows.map((m) => ({
    name: m.name,
    host: m.host,
    role: m.role,
    state: m.state,
    timeline: m.timeline === null ? '—' : String(m.timeline),
    lag: m.lag === null ? '' : fmtBytes(lang, m.lag),
  }));
}

function startedText(iso: string): string {
  const d = new Date(iso);
  // ISO-like and unambiguous in both languages; the time zone is always UTC.
  return Number.isNaN(d.getTime()) ? iso || '—' : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The prediction table's verdict for one fault. */
function withinLabel(f: Results['analysis']['faults'][number], lang: Lang, t: Strings): string {
  if (f.explained_by) return lang === 'ru' ? `вместе с ${f.explained_by.fault}` : `with ${f.explained_by.fault}`;
  if (f.within) return t.yes;
  if (f.finding === 'faster') return lang === 'ru' ? 'нет: быстрее' : 'no: faster';
  return t.no;
}

export function buildReportView(args: {
  results: Results;
  series: Series | null;
  fault: FaultInfo;
  conclusions: Conclusions;
  charts: ChartSpec[];
  missing: readonly string[];
  lang: Lang;
}): ReportView {
  const { results: r, fault, conclusions: c, charts, lang } = args;
  const t = strings(lang);
  const a = r.analysis;
  const n = (x: number) => fmtNumber(lang, x);
  const at = (ms: number | null | undefined) => fmtOffset(lang, ms, 2);
  const w = a.writes;
  const rd = a.reads;
  const dash = '—';
  const accRows: ReportView['accounting']['rows'] = [
    { label: t.attempts, writes: n(w.attempts), reads: n(rd.attempts) },
    { label: t.acknowledged, writes: n(w.acknowledged), reads: n(rd.ok) },
    { label: t.failed, writes: n(w.failed), reads: n(rd.failed) },
    { label: t.indeterminate, writes: n(w.indeterminate), reads: n(rd.indeterminate) },
    { label: t.unavailable, writes: fmtS(lang, w.total_unavailable_ms, 3), reads: fmtS(lang, rd.total_unavailable_ms, 3) },
  ];
  if (w.accounted) {
    accRows.push(
      { label: t.lost, writes: n(w.lost), reads: dash },
      { label: t.recovered, writes: n(w.recovered), reads: dash },
      { label: t.indeterminate_absent, writes: n(w.indeterminate_absent), reads: dash },
      { label: t.unexpected, writes: n(w.unexpected), reads: dash },
      { label: t.duplicates, writes: n(w.duplicates), reads: dash },
      { label: t.failed_present, writes: n(w.failed_present), reads: dash },
    );
  }
  const windowRows = (av: Availability, op: string) =>
    av.windows.map((x) => ({
      op,
      from: at(x.start_ms),
      to: at(x.end_ms),
      duration: fmtS(lang, x.duration_ms, 3),
      resolution: `±${fmtMs(lang, x.resolution_ms)}`,
      failed_ops: n(x.failed_ops),
      workers: x.workers.join(', '),
    }));

  // One row per step; the runner logs every fault it heals at the end as step -1, told apart by id.
  const byStep = new Map<string, ReportView['events'][number]>();
  for (const e of [...r.events].sort((x, y) => x.t_ms - y.t_ms)) {
    const key = e.step < 0 ? `${e.step}|${e.action}|${e.id ?? ''}` : `${e.step}`;
    let row = byStep.get(key);
    if (!row) {
      row = {
        step: String(e.step),
        action: [e.action, e.fault].filter(Boolean).join(' '),
        target: e.target ?? '',
        nodes: (e.nodes ?? []).join(', '),
        begin: '',
        end: '',
        detail: '',
        error: false,
      };
      byStep.set(key, row);
    }
    if (e.phase === 'begin') row.begin = at(e.t_ms);
    else row.end = at(e.t_ms);
    // The runner learns a fault's nodes while injecting, so they may come only with its 'end'.
    if (!row.nodes && e.nodes?.length) row.nodes = e.nodes.join(', ');
    if (!row.target && e.target) row.target = e.target;
    if (e.phase === 'error') row.error = true;
    // An error's message says more than the step's description.
    if (e.detail && (e.phase === 'error' || !row.detail)) row.detail = e.detail;
  }

  const outageSpecs = new Map(charts.filter((s) => s.id.startsWith('phases-')).map((s) => [s.id, s]));
  const outages = a.outages.map((o, i) => {
    const f = faultFor(a, i);
    const ref = f?.effective_ms ?? o.fault_injected_ms ?? o.window.start_ms;
    const rows: PhaseRowView[] = phaseRows(o, f).map((p) => ({
      name: phaseLabel(lang, p.key),
      at: at(p.seen_ms),
      after: fmtOffset(lang, p.seen_ms - ref, 2),
      took: fmtS(lang, p.took_ms, 2),
      expected: p.expected_ms === null ? dash : `${fmtOffset(lang, p.expected_lo_ms ?? 0, 2)} … ${fmtOffset(lang, p.expected_ms, 2)} (${p.expected_formula})`,
      over: p.expected_ms !== null && (p.after_ms > p.expected_ms || p.after_ms < (p.expected_lo_ms ?? 0)),
    }));
    const pred = f?.predicted ?? null;
    rows.push({
      name: lang === 'ru' ? 'простой записи (наблюдался)' : 'write outage (observed)',
      at: `${at(o.window.start_ms)} → ${at(o.window.end_ms)}`,
      after: `${fmtOffset(lang, o.window.start_ms - ref, 2)} → ${fmtOffset(lang, o.window.end_ms - ref, 2)}`,
      took: fmtS(lang, o.window.duration_ms, 3),
      expected: pred ? `${fmtS(lang, pred.lo_ms, 2)} … ${fmtS(lang, pred.hi_ms, 2)}` : dash,
      over: f?.within === false,
    });
    const spec = outageSpecs.get(`phases-${i + 1}`);
    return { title: `${t.outage_phases}${a.outages.length > 1 ? ` #${i + 1}` : ''}`, rows, chart: spec ? chartView(spec) : null };
  });

  const leaderNames = a.leader_changes.filter((x) => x.to).map((x) => `${at(x.t_ms)} → ${x.to}`);
  const html = (md: string) => markdownToHtml(md);
  const inline = (md: string) => html(md).replace(/^<p>|<\/p>\s*$/g, '');
  return {
    lang,
    t,
    experiment: r.experiment,
    description: r.description,
    verdict: r.verdict,
    verdict_label: t.verdicts[r.verdict],
    started: startedText(r.started_at),
    duration: fmtS(lang, r.duration_ms, 1),
    driver: r.driver,
    error: r.error ?? null,
    incomplete: args.missing.length > 0,
    analysed: !args.missing.includes('analysis'),
    conclusions: c,
    conclusions_html: {
      headline: inline(c.headline),
      summary: inline(c.summary),
      warnings: c.warnings.map(inline),
      sections: c.sections.map((s) => ({ id: s.id, title: s.title, body: s.paragraphs.map(html).join('\n') })),
    },
    charts: {
      over_time: charts.filter((s) => s.time).map(chartView),
      has_time: charts.some((s) => s.time),
      no_history: !args.series,
      no_lag: !!args.series && args.series.lag.length === 0,
    },
    outages,
    predictions: a.faults.flatMap((f) =>
      f.predicted
        ? [{
            fault: f.combined_with ? `${f.fault} + ${f.combined_with.fault}` : f.fault,
            bound: `${fmtS(lang, f.predicted.lo_ms, 3)} … ${fmtS(lang, f.predicted.hi_ms, 3)}`,
            formula: f.predicted.terms.map((x) => x.label).join(' + '),
            observed: fmtS(lang, f.observed_ms, 3),
            within: f.within === true,
            within_label: withinLabel(f, lang, t),
          }]
        : [],
    ),
    accounting: { rows: accRows, accounted: w.accounted, lost_keys: w.lost_keys },
    windows: [...windowRows(w, t.writes), ...windowRows(rd, t.reads)],
    gaps: a.id_gaps.map((g) => ({
      after: String(g.after_id),
      before: String(g.before_id),
      size: n(g.size),
      cause: t.gap_causes[g.cause] ?? g.cause,
      unexplained: g.cause === 'unexplained',
      explanation: g.explanation,
      at: g.t_ms === undefined ? dash : at(g.t_ms),
    })),
    assertions: r.assertions.map((x) => ({ name: x.name, passed: x.passed, result: x.passed ? t.passed : t.assertion_failed, observed: x.observed, expected: x.expected })),
    events: [...byStep.values()],
    member_tables: [
      { title: t.before, rows: members(lang, r.members_before) },
      { title: t.after, rows: members(lang, r.members_after) },
    ],
    versions: Object.entries(r.versions)
      .filter(([, v]) => v)
      .map(([name, value]) => ({ name, value: String(value) })),
    topology: [
      { name: 'etcd', value: r.topology.etcd.join(', ') || dash },
      { name: 'Patroni + PostgreSQL', value: r.topology.patroni.join(', ') || dash },
      { name: 'HAProxy', value: r.topology.haproxy.join(', ') || dash },
      { name: 'pgbouncer', value: r.topology.pgbouncer ? t.yes : t.no },
      { name: 'keepalived', value: r.topology.keepalived ? t.yes : t.no },
    ],
    settings: [
      { name: 'ttl', value: fmtS(lang, r.config.ttl * 1000, 0) },
      { name: 'loop_wait', value: fmtS(lang, r.config.loop_wait * 1000, 0) },
      { name: 'retry_timeout', value: fmtS(lang, r.config.retry_timeout * 1000, 0) },
      { name: 'maximum_lag_on_failover', value: fmtBytes(lang, r.config.maximum_lag_on_failover) },
      { name: 'failsafe_mode', value: String(r.config.failsafe_mode) },
      { name: 'synchronous_mode', value: String(r.config.synchronous_mode) },
      { name: 'HAProxy inter', value: fmtMs(lang, r.config.haproxy.inter_ms) },
      { name: 'HAProxy fall / rise', value: `${r.config.haproxy.fall} / ${r.config.haproxy.rise}` },
    ],
    errors: a.errors.map((e) => ({ op: e.op === 'write' ? t.writes : t.reads, class: e.class, sqlstate: e.sqlstate ?? '', count: n(e.count), example: e.example })),
    leader_changes: leaderNames.length ? leaderNames.join('; ') : t.none,
    split_brain: a.split_brain.length ? fmtS(lang, a.split_brain_ms, 3) : t.none,
  };
}

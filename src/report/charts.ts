import type { ChartConfiguration, ChartDataset, ScaleOptionsByType } from 'chart.js';
import type { OutagePhases } from '../analysis/types.js';
import type { Results } from '../results/types.js';
import type { FaultInfo } from './faults.js';
import { fmtS, strings, type Lang } from './i18n.js';
import { faultFor, phaseRows } from './phases.js';
import type { Series } from './series.js';

/**
 * One chart, as plain JSON: the same configuration is drawn into a PNG by chartjs-node-canvas
 * and embedded in report.html for Chart.js in the browser, so it must hold no functions.
 */
export interface ChartSpec {
  /** File chart-<id>.png beside report.md; canvas #chart-<id> in report.html. */
  id: string;
  title: string;
  caption: string;
  /** Drawing height in CSS px (the width is the page's, 1000 px in the PNG). */
  height: number;
  /** Time charts share an x axis in seconds since the start, and zoom together. */
  time: boolean;
  /** Seconds to zoom to for "zoom to the outage". */
  focus?: [number, number];
  config: ChartConfiguration;
}

export const PNG_WIDTH = 1000;

/**
 * chartjs-plugin-annotation's option types do not resolve under NodeNext (its .d.ts imports lack
 * extensions), so annotations are typed here by the fields this module sets.
 */
type AnnotationOptions = { type: 'box' | 'line' | 'label'; [option: string]: unknown };

export const COLORS = {
  write: '#0969da',
  writeLight: 'rgba(9,105,218,0.45)',
  read: '#1a7f37',
  readLight: 'rgba(26,127,55,0.45)',
  writeErr: '#cf222e',
  readErr: '#bc4c00',
  fault: 'rgba(212,167,44,0.18)',
  faultText: '#7d4e00',
  writeOut: 'rgba(207,34,46,0.12)',
  writeOutText: '#a40e26',
  readOut: 'rgba(130,80,223,0.13)',
  readOutText: '#6639ba',
  splitBrain: 'rgba(207,34,46,0.16)',
  grid: '#eaeef2',
  text: '#1f2328',
  muted: '#57606a',
} as const;

const ROLE_COLORS: Record<string, string> = {
  leader: '#2da44e',
  replica: '#54aeff',
  standby_leader: '#8250df',
  starting: '#c297ff',
  stopped: '#fa4549',
  unreachable: '#d0d7de',
};

const NODE_COLORS = ['#0969da', '#bf3989', '#1a7f37', '#bc4c00', '#8250df', '#57606a'];

const s3 = (ms: number) => Math.round(ms) / 1000;

/**
 * Heights come in steps of 40 px: chartjs-node-canvas needs a renderer (its own Chart.js, ~100 ms
 * to load) per canvas size, and a few sizes serve every chart.
 */
const height = (px: number) => Math.ceil(px / 40) * 40;

function timeAxis(lang: Lang, durationMs: number): ScaleOptionsByType<'linear'> {
  return {
    type: 'linear',
    min: 0,
    max: Math.ceil(durationMs / 100) / 10,
    title: { display: true, text: lang === 'ru' ? 'время от начала, с' : 'time since start, s', color: COLORS.muted },
    ticks: { maxTicksLimit: 16, color: COLORS.muted, includeBounds: false },
    grid: { color: COLORS.grid },
  } as ScaleOptionsByType<'linear'>;
}

function baseOptions(): NonNullable<ChartConfiguration['options']> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: { legend: { position: 'top', labels: { boxWidth: 14, color: COLORS.text } } },
  };
}

/** Zoom by dragging (wheel needs Ctrl, so scrolling the page still scrolls), pan with Shift. */
const ZOOM = {
  zoom: { drag: { enabled: true, backgroundColor: 'rgba(9,105,218,0.12)' }, wheel: { enabled: true, modifierKey: 'ctrl' }, mode: 'x' },
  pan: { enabled: true, mode: 'x', modifierKey: 'shift' },
  limits: { x: { min: 'original', max: 'original', minRange: 0.5 } },
} as const;

/** Fault intervals and outage windows as shaded boxes, labelled once. */
export function shading(results: Results, fault: FaultInfo, lang: Lang, opts: { outages: boolean }): Record<string, AnnotationOptions> {
  const out: Record<string, AnnotationOptions> = {};
  const end = results.duration_ms;
  fault.all.forEach((f, i) => {
    const who = f.nodes.length ? f.nodes.join(', ') : f.target;
    out[`fault${i}`] = {
      type: 'box',
      xMin: s3(f.start_ms),
      xMax: s3(f.end_ms ?? end),
      backgroundColor: COLORS.fault,
      borderWidth: 0,
      drawTime: 'beforeDatasetsDraw',
      label: { display: true, content: `${f.fault}: ${who}`, position: { x: 'start', y: 'start' }, color: COLORS.faultText, font: { size: 11 } },
    };
  });
  if (!opts.outages) return out;
  const t = strings(lang);
  const windows = [
    ...results.analysis.writes.windows.map((w) => ({ w, kind: 'write' as const })),
    ...results.analysis.reads.windows.map((w) => ({ w, kind: 'read' as const })),
  ];
  windows.forEach(({ w, kind }, i) => {
    const isW = kind === 'write';
    // Label only windows wide enough to hold one; short blips are still shaded.
    const labelled = w.duration_ms >= results.duration_ms / 40;
    out[`out${i}`] = {
      type: 'box',
      xMin: s3(w.start_ms),
      xMax: s3(w.end_ms),
      backgroundColor: isW ? COLORS.writeOut : COLORS.readOut,
      borderWidth: 0,
      drawTime: 'beforeDatasetsDraw',
      label: {
        display: labelled,
        content: `${isW ? t.writes : t.reads}: ${fmtS(lang, w.duration_ms, 2)}`,
        position: { x: 'center', y: isW ? 'end' : 'center' },
        color: isW ? COLORS.writeOutText : COLORS.readOutText,
        font: { size: 11, weight: 'bold' },
      },
    };
  });
  return out;
}

function focusOf(results: Results, fault: FaultInfo): [number, number] | undefined {
  const spans = [...results.analysis.writes.windows, ...results.analysis.reads.windows].map((w) => [w.start_ms, w.end_ms] as const);
  for (const f of fault.all) spans.push([f.start_ms, f.end_ms ?? f.start_ms]);
  if (!spans.length) return undefined;
  const from = Math.min(...spans.map((x) => x[0]));
  const to = Math.max(...spans.map((x) => x[1]));
  const pad = Math.max(1000, (to - from) * 0.15);
  return [s3(Math.max(0, from - pad)), s3(Math.min(results.duration_ms || to + pad, to + pad))];
}

type XY = [number, number | null];

function pairs(xs: number[], ys: ReadonlyArray<number | null>): XY[] {
  return xs.map((x, i) => [x, ys[i] ?? null]);
}

function line(label: string, data: XY[], color: string, extra: Partial<ChartDataset<'line'>> = {}): ChartDataset<'line', XY[]> {
  return { type: 'line', label, data, borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0, pointHitRadius: 4, tension: 0, spanGaps: false, ...extra } as ChartDataset<'line', XY[]>;
}

interface TimeLineChart {
  id: string;
  title: string;
  caption: string;
  height: number;
  datasets: Array<ChartDataset<'line', XY[]>>;
  y: { type: 'linear' | 'logarithmic'; title: string };
  /** Shade the outage windows as well as the faults. */
  outages: boolean;
}

/** A line chart over the run's time, shaded with its faults (and outages), zoomable with the others. */
function timeLineChart(results: Results, series: Series, fault: FaultInfo, lang: Lang, c: TimeLineChart): ChartSpec {
  const focus = focusOf(results, fault);
  return {
    id: c.id,
    title: c.title,
    caption: c.caption,
    height: c.height,
    time: true,
    ...(focus ? { focus } : {}),
    config: {
      type: 'line',
      data: { datasets: c.datasets },
      options: {
        ...baseOptions(),
        scales: {
          x: timeAxis(lang, series.end_ms),
          y: { type: c.y.type, beginAtZero: c.y.type === 'linear', title: { display: true, text: c.y.title, color: COLORS.muted }, grid: { color: COLORS.grid } },
        },
        plugins: { ...baseOptions().plugins, annotation: { annotations: shading(results, fault, lang, { outages: c.outages }) }, zoom: ZOOM },
      },
    } as ChartConfiguration,
  };
}

function throughputChart(results: Results, series: Series, fault: FaultInfo, lang: Lang): ChartSpec {
  const t = strings(lang);
  const ru = lang === 'ru';
  const ds: Array<ChartDataset<'line', XY[]>> = [];
  const any = (a: number[]) => a.some((v) => v > 0);
  // Stepped: a rate belongs to its whole bucket, so an outage edge shows as an edge, not a slope.
  const step = { stepped: 'middle' as const };
  if (series.ops.writes) ds.push(line(ru ? 'запись, подтверждено/с' : 'writes acknowledged/s', pairs(series.t_s, series.write_ok), COLORS.write, step));
  if (series.ops.reads) ds.push(line(ru ? 'чтение, успешно/с' : 'reads ok/s', pairs(series.t_s, series.read_ok), COLORS.read, step));
  if (any(series.write_err)) ds.push(line(ru ? 'запись, ошибки/с' : 'write errors/s', pairs(series.t_s, series.write_err), COLORS.writeErr, { ...step, borderDash: [5, 3] }));
  if (any(series.read_err)) ds.push(line(ru ? 'чтение, ошибки/с' : 'read errors/s', pairs(series.t_s, series.read_err), COLORS.readErr, { ...step, borderDash: [2, 2] }));
  return timeLineChart(results, series, fault, lang, {
    id: 'throughput',
    title: t.charts_throughput,
    caption: t.throughput_caption,
    height: 320,
    datasets: ds,
    y: { type: 'linear', title: ru ? 'операций в секунду' : 'operations per second' },
    outages: true,
  });
}

function latencyChart(results: Results, series: Series, fault: FaultInfo, lang: Lang): ChartSpec {
  const t = strings(lang);
  const ru = lang === 'ru';
  const ds: Array<ChartDataset<'line', XY[]>> = [];
  if (series.ops.writes) {
    ds.push(line(ru ? 'запись, медиана' : 'write median', pairs(series.lat_t_s, series.write_p50), COLORS.write));
    ds.push(line(ru ? 'запись, максимум' : 'write max', pairs(series.lat_t_s, series.write_max), COLORS.writeLight, { borderWidth: 1 }));
  }
  if (series.ops.reads) {
    ds.push(line(ru ? 'чтение, медиана' : 'read median', pairs(series.lat_t_s, series.read_p50), COLORS.read));
    ds.push(line(ru ? 'чтение, максимум' : 'read max', pairs(series.lat_t_s, series.read_max), COLORS.readLight, { borderWidth: 1 }));
  }
  return timeLineChart(results, series, fault, lang, {
    id: 'latency',
    title: t.charts_latency,
    caption: t.latency_caption,
    height: 320,
    datasets: ds,
    y: { type: 'logarithmic', title: ru ? 'мс (лог. шкала)' : 'ms (log scale)' },
    outages: true,
  });
}

const ROLE_ORDER = ['leader', 'replica', 'standby_leader', 'starting', 'stopped', 'unreachable'];

function roleLabel(lang: Lang, state: string): string {
  const ru = lang === 'ru';
  const names: Record<string, [string, string]> = {
    leader: ['leader', 'лидер'],
    replica: ['replica', 'реплика'],
    standby_leader: ['standby leader', 'standby-лидер'],
    starting: ['starting', 'запускается'],
    stopped: ['stopped', 'остановлен'],
    unreachable: ['no answer from Patroni', 'Patroni не отвечает'],
  };
  const n = names[state];
  return n ? (ru ? n[1] : n[0]) : state;
}

const LOG_COLORS: Record<string, string> = {
  lock_acquired: '#1a7f37',
  promoted: '#116329',
  demoting: '#cf222e',
  postgres_shutdown: '#82071e',
  postgres_panic: '#a40e26',
  postgres_down: '#4c0519',
  etcd_leader: '#0969da',
  etcd_leader_lost: '#bc4c00',
  etcd_stepped_down: '#953800',
  server_up: '#2da44e',
  server_down: '#fa4549',
  vrrp_master: '#8250df',
  vrrp_backup: '#a475f9',
};

function rolesChart(results: Results, series: Series, fault: FaultInfo, lang: Lang): ChartSpec {
  const t = strings(lang);
  const ru = lang === 'ru';
  // The experiment's faults get a row of their own above the members, named on the bar itself.
  const faultRow = ru ? 'отказы' : 'faults';
  const members = series.nodes.length ? series.nodes : results.topology.patroni;
  const nodes = fault.all.length ? [faultRow, ...members] : members;
  const states = [...new Set(series.roles.map((r) => r.state))].sort((a, b) => {
    const ia = ROLE_ORDER.indexOf(a);
    const ib = ROLE_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  type Bar = { x: [number, number]; y: string };
  const datasets: Array<ChartDataset<'bar', Bar[]>> = states.map((state) => ({
    type: 'bar',
    label: roleLabel(lang, state),
    data: series.roles.filter((r) => r.state === state).map((r) => ({ x: [s3(r.start_ms), s3(r.end_ms)], y: r.node })),
    backgroundColor: ROLE_COLORS[state] ?? '#afb8c1',
    grouped: false,
    barPercentage: 0.9,
    categoryPercentage: 0.85,
    borderSkipped: false,
    order: 2,
  }));
  if (series.writable.length) {
    datasets.push({
      type: 'bar',
      label: ru ? 'PostgreSQL принимает запись' : 'PostgreSQL accepts writes',
      data: series.writable.map((w) => ({ x: [s3(w.start_ms), s3(w.end_ms)], y: w.node })),
      backgroundColor: '#1f2328',
      grouped: false,
      barPercentage: 0.22,
      categoryPercentage: 0.85,
      borderSkipped: false,
      order: 1,
    });
  }
  if (fault.all.length) {
    datasets.push({
      type: 'bar',
      label: ru ? 'отказ' : 'fault',
      data: fault.all.map((f) => ({ x: [s3(f.start_ms), s3(f.end_ms ?? series.end_ms)], y: faultRow })),
      backgroundColor: '#eac54f',
      grouped: false,
      barPercentage: 0.9,
      categoryPercentage: 0.85,
      borderSkipped: false,
      order: 2,
    });
  }
  // The servers' own account: key log lines (lock taken, promoted, demoting, etcd leader, HAProxy
  // UP/DOWN, VRRP) as marks on their node's row, or on a row of their own for etcd and HAProxy.
  const keyEvents = results.analysis.log_events.filter((e) => e.kind !== 'no_action');
  if (keyEvents.length) {
    const logRow = ru ? 'журналы серверов' : 'server logs';
    const rowOf = (node: string) => (members.includes(node) ? node : logRow);
    if (keyEvents.some((e) => rowOf(e.node) === logRow)) nodes.push(logRow);
    for (const kind of [...new Set(keyEvents.map((e) => e.kind))]) {
      datasets.push({
        type: 'scatter',
        label: `log: ${kind.replace(/_/g, ' ')}`,
        data: keyEvents.filter((e) => e.kind === kind).map((e) => ({ x: s3(e.t_ms), y: rowOf(e.node) })),
        backgroundColor: LOG_COLORS[kind] ?? '#57606a',
        pointStyle: 'triangle',
        pointRadius: 6,
        order: 0,
      } as unknown as ChartDataset<'bar', Bar[]>);
    }
  }
  const annotations = shading(results, fault, lang, { outages: false });
  fault.all.forEach((f, i) => {
    delete annotations[`fault${i}`];
    annotations[`faultname${i}`] = {
      type: 'label',
      xValue: s3((f.start_ms + (f.end_ms ?? series.end_ms)) / 2),
      yValue: faultRow,
      content: `${f.fault}: ${f.nodes.length ? f.nodes.join(', ') : f.target}`,
      color: COLORS.faultText,
      font: { size: 12, weight: 'bold' },
    };
    annotations[`faultspan${i}`] = {
      type: 'box',
      xMin: s3(f.start_ms),
      xMax: s3(f.end_ms ?? series.end_ms),
      backgroundColor: COLORS.fault,
      borderWidth: 0,
      drawTime: 'beforeDatasetsDraw',
    };
  });
  results.analysis.split_brain.forEach((sb, i) => {
    annotations[`split${i}`] = {
      type: 'box',
      xMin: s3(sb.start_ms),
      xMax: s3(sb.end_ms),
      backgroundColor: COLORS.splitBrain,
      borderColor: COLORS.writeErr,
      borderWidth: 3,
      drawTime: 'afterDatasetsDraw',
      label: {
        display: true,
        content: `SPLIT BRAIN: ${sb.nodes.join(' + ')}`,
        position: { x: 'center', y: 'end' },
        color: '#ffffff',
        backgroundColor: COLORS.writeErr,
        font: { size: 12, weight: 'bold' },
        padding: 4,
      },
    };
  });
  const marks: Array<{ t: number; text: string }> = [];
  for (const lc of results.analysis.leader_changes) {
    if (!lc.to) continue;
    marks.push({ t: lc.t_ms, text: `→ ${lc.to}${lc.timeline !== undefined ? ` · TL ${lc.timeline}` : ''}` });
  }
  // Analysis lists each member's move to a new timeline; the cluster's move is the first of them.
  let clusterTl = Math.max(-Infinity, ...results.members_before.map((m) => m.timeline ?? -Infinity));
  for (const tl of [...results.analysis.timelines].sort((a, b) => a.t_ms - b.t_ms)) {
    if (tl.timeline <= clusterTl) continue;
    clusterTl = tl.timeline;
    if (!marks.some((m) => Math.abs(m.t - tl.t_ms) < 1500)) marks.push({ t: tl.t_ms, text: `TL ${tl.timeline} · ${tl.node}` });
  }
  marks.forEach((m, i) => {
    annotations[`mark${i}`] = {
      type: 'line',
      xMin: s3(m.t),
      xMax: s3(m.t),
      borderColor: COLORS.text,
      borderDash: [4, 3],
      borderWidth: 1.5,
      label: { display: true, content: m.text, position: 'end', backgroundColor: 'rgba(255,255,255,0.9)', color: COLORS.text, font: { size: 11 }, padding: 3 },
    };
  });
  const focus = focusOf(results, fault);
  return {
    id: 'roles',
    title: t.charts_roles,
    caption: t.roles_caption,
    height: height(110 + 44 * Math.max(nodes.length, 1)),
    time: true,
    ...(focus ? { focus } : {}),
    config: {
      type: 'bar',
      data: { labels: nodes, datasets },
      options: {
        ...baseOptions(),
        indexAxis: 'y',
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          x: timeAxis(lang, series.end_ms),
          y: { type: 'category', labels: nodes, grid: { color: COLORS.grid }, ticks: { color: COLORS.text, font: { size: 13 } } },
        },
        plugins: { ...baseOptions().plugins, annotation: { annotations }, zoom: ZOOM },
      },
    } as unknown as ChartConfiguration,
  };
}

function lagChart(results: Results, series: Series, fault: FaultInfo, lang: Lang): ChartSpec | null {
  if (!series.lag.length) return null;
  const t = strings(lang);
  const ru = lang === 'ru';
  const max = Math.max(...series.lag.flatMap((l) => l.points.map((p) => p[1])));
  const [div, unit] = max >= 1024 * 1024 ? [1024 * 1024, ru ? 'МБ' : 'MB'] : [1024, ru ? 'КБ' : 'KB'];
  const datasets = series.lag.map((l, i) =>
    line(
      l.node,
      l.points.map(([x, y]) => [s3(x), Math.round((y / div) * 100) / 100] as XY),
      NODE_COLORS[i % NODE_COLORS.length]!,
      { pointRadius: 1.5, spanGaps: true },
    ),
  );
  return timeLineChart(results, series, fault, lang, {
    id: 'lag',
    title: t.charts_lag,
    caption: t.lag_caption,
    height: 280,
    datasets,
    y: { type: 'linear', title: unit },
    outages: false,
  });
}

const PHASE_COLORS = { detect: '#54aeff', promote: '#2da44e', route: '#8250df', reconnect: '#d4a72c' } as const;

export function phaseLabel(lang: Lang, key: keyof typeof PHASE_COLORS): string {
  const ru = lang === 'ru';
  switch (key) {
    case 'detect':
      return ru ? 'обнаружение: ключ освобождён' : 'detection: leader key released';
    case 'promote':
      return ru ? 'повышение нового лидера' : 'promotion of the new leader';
    case 'route':
      return ru ? 'HAProxy направляет запись' : 'HAProxy routes writes';
    case 'reconnect':
      return ru ? 'первая подтверждённая запись' : 'first acknowledged write';
  }
}

function phasesChart(results: Results, o: OutagePhases, index: number, lang: Lang): ChartSpec {
  const ru = lang === 'ru';
  const t = strings(lang);
  const f = faultFor(results.analysis, index);
  const ref = f?.effective_ms ?? o.fault_injected_ms ?? o.window.start_ms;
  const rows = phaseRows(o, f);
  const pred = f?.predicted ?? null;
  const labels: string[] = [];
  const data: Array<[number, number]> = [];
  const colors: string[] = [];
  for (const r of rows) {
    labels.push(phaseLabel(lang, r.key));
    data.push([s3(r.from_ms - ref), s3(r.to_ms - ref)]);
    colors.push(PHASE_COLORS[r.key]);
  }
  labels.push(ru ? 'простой записи (наблюдался)' : 'write outage (observed)');
  data.push([s3(o.window.start_ms - ref), s3(o.window.end_ms - ref)]);
  colors.push(COLORS.writeErr);
  if (pred) {
    // The predicted interval of the outage's duration, drawn from where the observed one began.
    const start = o.window.start_ms - ref;
    labels.push(ru ? 'предсказанный интервал' : 'predicted interval');
    data.push([s3(start + pred.lo_ms), s3(start + pred.hi_ms)]);
    colors.push(f?.within ? '#8c959f' : '#57606a');
  }
  return {
    id: `phases-${index + 1}`,
    title: `${t.outage_phases}${results.analysis.outages.length > 1 ? ` #${index + 1}` : ''}`,
    caption: t.phases_caption,
    height: height(80 + 38 * labels.length),
    time: false,
    config: {
      type: 'bar',
      data: { labels, datasets: [{ label: ru ? 'интервал, с' : 'interval, s', data, backgroundColor: colors, borderSkipped: false, barPercentage: 0.7 }] },
      options: {
        ...baseOptions(),
        indexAxis: 'y',
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          x: {
            type: 'linear',
            // A window can open a little before the fault (the last success came just before it):
            // start the axis at the whole second below, not at Chart.js's round -5.
            min: Math.floor(Math.min(0, ...data.map((d) => d[0]))),
            title: { display: true, text: ru ? 'секунд после отказа' : 'seconds after the fault', color: COLORS.muted },
            grid: { color: COLORS.grid },
          },
          y: { type: 'category', ticks: { color: COLORS.text } },
        },
        plugins: { legend: { display: false } },
      },
    } as ChartConfiguration,
  };
}

/** Every chart of a run report, most important first; charts over time need the history. */
export function reportCharts(results: Results, series: Series | null, fault: FaultInfo, lang: Lang): ChartSpec[] {
  const out: ChartSpec[] = [];
  if (series) {
    out.push(throughputChart(results, series, fault, lang), latencyChart(results, series, fault, lang), rolesChart(results, series, fault, lang));
    const lag = lagChart(results, series, fault, lang);
    if (lag) out.push(lag);
  }
  results.analysis.outages.slice(0, 3).forEach((o, i) => out.push(phasesChart(results, o, i, lang)));
  return out;
}

export interface ExperimentOutages {
  experiment: string;
  /** Longest write outage of each run, ms. */
  outages_ms: number[];
  /** What the fault model predicts for the outage; null where it has no interval. */
  predicted: { lo_ms: number; hi_ms: number } | null;
}

/** The chart's own id and words, for a comparison other than the index's. */
export interface SpreadLabels {
  id: string;
  title: string;
  caption: string;
  axis: string;
}

/**
 * Each category's runs as points over their min–max bar, beside the predicted interval where there
 * is one: the index compares experiments; a repeated drill compares its outage and phases.
 */
export function outageComparisonChart(experiments: ExperimentOutages[], lang: Lang, custom?: SpreadLabels): ChartSpec {
  const t = strings(lang);
  const ru = lang === 'ru';
  const chart = custom ?? {
    id: 'outage-per-experiment',
    title: t.outage_chart,
    caption: t.outage_chart_caption,
    axis: ru ? 'самый длинный простой записи, с' : 'longest write outage, s',
  };
  const labels = experiments.map((e) => e.experiment);
  const runs = experiments.flatMap((e) => e.outages_ms.map((ms) => ({ x: e.experiment, y: s3(ms) })));
  const spread = experiments.map((e) => (e.outages_ms.length > 1 ? [s3(Math.min(...e.outages_ms)), s3(Math.max(...e.outages_ms))] : null));
  const predicted = experiments.map((e) => (e.predicted ? [s3(e.predicted.lo_ms), s3(e.predicted.hi_ms)] : null));
  return {
    id: chart.id,
    title: chart.title,
    caption: chart.caption,
    height: 340,
    time: false,
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: ru ? 'разброс (мин–макс)' : 'spread (min–max)', data: spread, backgroundColor: 'rgba(9,105,218,0.22)', borderColor: COLORS.write, borderWidth: 1, borderSkipped: false, barPercentage: 0.4, grouped: false, pointStyle: 'rect', order: 3 },
          { type: 'line', label: ru ? 'запуск' : 'run', data: runs, showLine: false, pointRadius: 5, pointBackgroundColor: COLORS.write, borderColor: COLORS.write, order: 1 },
          // Centred over the spread (not grouped beside it), and in the legend only when drawn: a
          // repeat's spread chart has no prediction.
          ...(predicted.some((p) => p !== null)
            ? [{ type: 'bar' as const, label: ru ? 'предсказанный интервал' : 'predicted interval', data: predicted, backgroundColor: 'rgba(0,0,0,0)', borderColor: COLORS.writeErr, borderWidth: 2, borderSkipped: false, barPercentage: 0.6, grouped: false, pointStyle: 'rect', order: 2 }]
            : []),
        ],
      },
      options: {
        ...baseOptions(),
        interaction: { mode: 'nearest', intersect: true },
        scales: {
          x: { type: 'category', ticks: { color: COLORS.text } },
          y: { type: 'linear', beginAtZero: true, grace: '10%', title: { display: true, text: chart.axis, color: COLORS.muted }, grid: { color: COLORS.grid } },
        },
        plugins: { legend: { position: 'top', labels: { usePointStyle: true, color: COLORS.text } } },
      },
    } as ChartConfiguration,
  };
}

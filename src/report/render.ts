import { readdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { htmlPage } from '../render/page.js';
import { compareTopologies, type TopologySide } from './topologies.js';
import { renderTemplate } from '../render/templates.js';
import { chartScripts } from './assets.js';
import { outageComparisonChart, reportCharts, type ChartSpec, type ExperimentOutages } from './charts.js';
import { conclude } from './conclusions.js';
import { classifyFault } from './faults.js';
import { fmtNumber, fmtS, strings, type Lang } from './i18n.js';
import { loadResults, loadRun, RESULTS_FILE } from './load.js';
import { renderPng } from './png.js';
import { bucketHistory } from './series.js';
import { buildReportView, pngName } from './view.js';
import { distribution } from '../experiment/repeat.js';
import { longestWindow } from '../analysis/summary.js';
import type { Window } from '../analysis/types.js';

export interface ReportOptions {
  lang?: Lang;
}

export interface Rendered {
  md: string;
  html: string;
  /** Paths of the chart PNGs written beside the Markdown. */
  pngs: string[];
}

export const REPORT_MD = 'report.md';
export const REPORT_HTML = 'report.html';
export const INDEX_MD = 'index.md';
export const INDEX_HTML = 'index.html';

/** Chart PNGs a previous render left that this one no longer draws (say, a lag chart). */
async function removeStaleCharts(dir: string, keep: readonly string[]): Promise<void> {
  for (const f of await readdir(dir)) {
    if (/^chart-[\w-]+\.png$/.test(f) && !keep.includes(f)) await unlink(path.join(dir, f));
  }
}

async function writePngs(dir: string, charts: readonly ChartSpec[]): Promise<string[]> {
  const files: string[] = [];
  for (const spec of charts) {
    const file = path.join(dir, pngName(spec));
    await writeFile(file, await renderPng(spec));
    files.push(file);
  }
  await removeStaleCharts(dir, charts.map(pngName));
  return files;
}

function chartUi(lang: Lang) {
  return { lang, s: lang === 'ru' ? 'с' : 's' };
}

/**
 * Renders one run folder's report from its recorded files alone (results.json, history.ndjson):
 * writes report.md with its chart PNGs and a self-contained report.html into the folder.
 */
export async function renderRunReport(runDir: string, opts: ReportOptions = {}): Promise<Rendered> {
  const lang = opts.lang ?? 'en';
  const run = await loadRun(runDir);
  const series = run.history ? bucketHistory(run.history, run.results.duration_ms) : null;
  const fault = classifyFault(run.results);
  const conclusions = conclude(run.results, series, lang, run.missing);
  const charts = reportCharts(run.results, series, fault, lang);
  const view = buildReportView({ results: run.results, series, fault, conclusions, charts, missing: run.missing, lang });
  const md = renderTemplate('report/report.md.hbs', view);
  const body = renderTemplate('report/report.html.hbs', { ...view, specs: charts, ui: chartUi(lang) });
  const html = htmlPage({ title: `${run.results.experiment}: ${view.verdict_label}`, body, head: chartScripts(), lang });
  const pngs = await writePngs(runDir, charts);
  await writeFile(path.join(runDir, REPORT_MD), md);
  await writeFile(path.join(runDir, REPORT_HTML), html);
  return { md, html, pngs };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Run folders (those holding results.json) under a reports folder, one or two levels down (suites nest runs). */
export async function findRunDirs(reportsDir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const sub = path.join(dir, entry.name);
      if (!(await isDir(sub))) continue;
      try {
        await stat(path.join(sub, RESULTS_FILE));
        out.push(sub);
      } catch {
        if (depth < 2) await visit(sub, depth + 1);
      }
    }
  };
  await visit(reportsDir, 1);
  return out;
}

/** Relative link from the index to a run's file, with forward slashes for Markdown and HTML. */
function link(reportsDir: string, runDir: string, file: string): string {
  return path.relative(reportsDir, path.join(runDir, file)).split(path.sep).map(encodeURIComponent).join('/');
}

/**
 * Writes index.md (with its chart PNG) and index.html into the reports folder: every run, newest
 * first, with its verdict and key figures, and the write outage compared across experiments.
 */
export async function renderIndex(reportsDir: string, opts: ReportOptions = {}): Promise<Rendered> {
  const lang = opts.lang ?? 'en';
  const t = strings(lang);
  const dirs = await findRunDirs(reportsDir);
  const loaded = await Promise.all(dirs.map(async (dir) => ({ dir, ...(await loadResults(dir)) })));
  loaded.sort((a, b) => b.results.started_at.localeCompare(a.results.started_at) || b.dir.localeCompare(a.dir));
  const longest = (ws: Window[]) => longestWindow(ws)?.duration_ms ?? 0;
  const runs = loaded.map(({ dir, results: r, missing }) => {
    const w = r.analysis.writes;
    const pred = r.analysis.faults.find((f) => f.predicted && !f.explained_by);
    const noAnalysis = missing.includes('analysis');
    return {
      experiment: r.experiment,
      description: r.description,
      folder: path.relative(reportsDir, dir).split(path.sep).join('/'),
      href_md: link(reportsDir, dir, REPORT_MD),
      href_html: link(reportsDir, dir, REPORT_HTML),
      verdict: r.verdict,
      verdict_label: t.verdicts[r.verdict],
      started: r.started_at ? r.started_at.slice(0, 16).replace('T', ' ') : '—',
      duration: fmtS(lang, r.duration_ms, 0),
      write_outage: noAnalysis ? '—' : fmtS(lang, longest(w.windows), 2),
      read_outage: noAnalysis ? '—' : fmtS(lang, longest(r.analysis.reads.windows), 2),
      bound: pred?.predicted ? `${fmtS(lang, pred.predicted.lo_ms, 1)} … ${fmtS(lang, pred.predicted.hi_ms, 1)}` : '—',
      within: pred ? pred.within : null,
      lost: noAnalysis || !w.accounted ? '—' : fmtNumber(lang, w.lost),
      lost_any: w.accounted && w.lost > 0,
      indeterminate: noAnalysis ? '—' : fmtNumber(lang, w.indeterminate),
      // As analysis counts them: a leader demoted and promoted again is two changes.
      leader_changes: noAnalysis ? '—' : fmtNumber(lang, r.analysis.leader_changes.length),
      split_brain: r.analysis.split_brain.length ? fmtS(lang, r.analysis.split_brain_ms, 1) : '',
      error: r.error ?? '',
      outage_ms: noAnalysis ? null : longest(w.windows),
      predicted: pred?.predicted ?? null,
    };
  });

  const byExperiment = new Map<string, typeof runs>();
  for (const run of runs) (byExperiment.get(run.experiment) ?? byExperiment.set(run.experiment, []).get(run.experiment)!).push(run);
  const comparison: ExperimentOutages[] = [];
  const experiments = [...byExperiment].sort((a, b) => a[0].localeCompare(b[0])).map(([experiment, list]) => {
    const outages = list.map((r) => r.outage_ms).filter((x): x is number => x !== null);
    // A prediction can depend on the run (how long the fault was held): the span of them all.
    const intervals = list.flatMap((r) => (r.predicted ? [r.predicted] : []));
    const predicted = intervals.length ? { lo_ms: Math.min(...intervals.map((p) => p.lo_ms)), hi_ms: Math.max(...intervals.map((p) => p.hi_ms)) } : null;
    if (outages.length) comparison.push({ experiment, outages_ms: outages, predicted });
    const d = distribution(outages);
    return {
      experiment,
      runs: fmtNumber(lang, list.length),
      passes: fmtNumber(lang, list.filter((r) => r.verdict === 'pass').length),
      // The same drill with different verdicts is not a measurement to trust yet.
      flaky: new Set(list.map((r) => r.verdict)).size > 1,
      min: fmtS(lang, d?.min, 2),
      median: fmtS(lang, d?.median, 2),
      p95: fmtS(lang, d?.p95, 2),
      max: fmtS(lang, d?.max, 2),
      bound: predicted ? `${fmtS(lang, predicted.lo_ms, 1)} … ${fmtS(lang, predicted.hi_ms, 1)}` : '—',
    };
  });
  const charts = comparison.length ? [outageComparisonChart(comparison, lang)] : [];
  const fmtSide = (s: TopologySide) => ({ experiment: s.experiment, runs: fmtNumber(lang, s.runs), outage: fmtS(lang, s.write_outage_ms, 2), errors: fmtNumber(lang, s.client_errors) });
  const topologies = compareTopologies(loaded.map((l) => l.results)).map((c) => ({ fault: c.fault, course: fmtSide(c.course), production: fmtSide(c.production) }));
  const view = { t, lang, runs, experiments, topologies, chart: charts[0] ? { ...charts[0], png: pngName(charts[0]) } : null };
  const md = renderTemplate('index/index.md.hbs', view);
  const body = renderTemplate('index/index.html.hbs', { ...view, specs: charts, ui: chartUi(lang) });
  const html = htmlPage({ title: t.index_title, body, head: charts.length ? chartScripts() : '', lang });
  const pngs = await writePngs(reportsDir, charts);
  await writeFile(path.join(reportsDir, INDEX_MD), md);
  await writeFile(path.join(reportsDir, INDEX_HTML), html);
  return { md, html, pngs };
}

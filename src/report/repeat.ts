import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Distribution, RepeatSummary } from '../experiment/repeat.js';
import { htmlPage } from '../render/page.js';
import { renderTemplate } from '../render/templates.js';
import { chartScripts } from './assets.js';
import { outageComparisonChart } from './charts.js';
import { fmtNumber, fmtS, strings, type Lang } from './i18n.js';
import { renderPng } from './png.js';
import { pngName } from './view.js';

export const SUMMARY_MD = 'summary.md';
export const SUMMARY_HTML = 'summary.html';

const WORDS = {
  en: {
    title: (name: string, n: number) => `${name}: ${n} repeats`,
    flaky: 'Flaky: the verdict differs between repeats.',
    stable: 'The same verdict in every repeat.',
    differing: 'Runs that differ',
    measure: 'Measure',
    write_outage: 'write outage',
    phase: { detection: 'detection', promotion: 'promotion', routing: 'routing', first_write: 'first acknowledged write' } as Record<string, string>,
    lost: (n: number) => `Acknowledged writes lost, all runs together: ${n}.`,
    chart: 'Spread over the repeats',
    caption: 'Each point is one run; the bar spans the fastest to the slowest. Phases are instants counted from the moment the fault took effect.',
    axis: 'duration, s',
    run: 'Run',
    verdicts: 'Verdicts',
  },
  ru: {
    title: (name: string, n: number) => `${name}: ${n} повторов`,
    flaky: 'Нестабильно: вердикт отличается между повторами.',
    stable: 'Во всех повторах один и тот же вердикт.',
    differing: 'Отличающиеся запуски',
    measure: 'Величина',
    write_outage: 'простой записи',
    phase: { detection: 'обнаружение', promotion: 'повышение', routing: 'маршрутизация', first_write: 'первая подтверждённая запись' } as Record<string, string>,
    lost: (n: number) => `Потеряно подтверждённых записей во всех запусках: ${n}.`,
    chart: 'Разброс по повторам',
    caption: 'Каждая точка — один запуск; полоса — от самого быстрого до самого медленного. Фазы — моменты, отсчитанные от срабатывания отказа.',
    axis: 'длительность, с',
    run: 'Запуск',
    verdicts: 'Вердикты',
  },
} as const;

/** Writes summary.md (with its chart PNG) and summary.html into a repeated drill's folder. */
export async function renderRepeatSummary(dir: string, summary: RepeatSummary, lang: Lang = 'en'): Promise<void> {
  const w = WORDS[lang];
  const t = strings(lang);
  const label = (name: string) => (name === 'write_outage' ? w.write_outage : (w.phase[name] ?? name));
  const row = (name: string, d: Distribution) => ({
    name: label(name),
    n: fmtNumber(lang, d.n),
    min: fmtS(lang, d.min, 2),
    median: fmtS(lang, d.median, 2),
    p95: fmtS(lang, d.p95, 2),
    max: fmtS(lang, d.max, 2),
  });
  const measures = [
    ...(summary.write_outage_ms ? [['write_outage', summary.write_outage_ms] as const] : []),
    ...Object.entries(summary.phases_ms),
  ];
  const series = [
    { experiment: label('write_outage'), outages_ms: summary.runs.flatMap((r) => (r.write_outage_ms === null ? [] : [r.write_outage_ms])), predicted: null },
    ...Object.keys(summary.phases_ms).map((name) => ({ experiment: label(name), outages_ms: summary.runs.flatMap((r) => (name in r.phases_ms ? [r.phases_ms[name]!] : [])), predicted: null })),
  ].filter((s) => s.outages_ms.length > 0);
  const charts = series.length ? [outageComparisonChart(series, lang, { id: 'repeat-spread', title: w.chart, caption: w.caption, axis: w.axis })] : [];
  const href = (folder: string, file: string) => [...folder.split('/'), file].map(encodeURIComponent).join('/');
  const view = {
    title: w.title(summary.experiment, summary.repeat),
    verdict_line: summary.flaky ? w.flaky : w.stable,
    flaky: summary.flaky,
    verdicts: (['pass', 'fail', 'error'] as const).filter((v) => summary.verdicts[v] > 0).map((v) => `${t.verdicts[v]} ${summary.verdicts[v]}`).join(', '),
    differing: summary.differing.map((folder) => ({ folder, href_md: href(folder, 'report.md'), href_html: href(folder, 'report.html') })),
    lost: w.lost(summary.lost_writes),
    rows: measures.map(([name, d]) => row(name, d)),
    runs: summary.runs.map((r) => ({
      folder: r.folder,
      href_md: href(r.folder, 'report.md'),
      href_html: href(r.folder, 'report.html'),
      verdict: r.verdict,
      verdict_label: t.verdicts[r.verdict],
      outage: fmtS(lang, r.write_outage_ms, 2),
      lost: r.lost === null ? '—' : fmtNumber(lang, r.lost),
      error: r.error ?? '',
    })),
    w,
    t,
    chart: charts[0] ? { ...charts[0], png: pngName(charts[0]) } : null,
  };
  for (const spec of charts) await writeFile(path.join(dir, pngName(spec)), await renderPng(spec));
  await writeFile(path.join(dir, SUMMARY_MD), renderTemplate('repeat/summary.md.hbs', view));
  const body = renderTemplate('repeat/summary.html.hbs', { ...view, specs: charts, ui: { lang, s: lang === 'ru' ? 'с' : 's' } });
  await writeFile(path.join(dir, SUMMARY_HTML), htmlPage({ title: view.title, body, head: charts.length ? chartScripts() : '', lang }));
}

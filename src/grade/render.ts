import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toCsv } from '../render/csv.js';
import { markdownToHtml } from '../render/markdown.js';
import { htmlPage } from '../render/page.js';
import { renderTemplate } from '../render/templates.js';
import { FAULTS } from './experiments.js';
import { formatClock } from './extract/logs.js';
import { FAULT_NAMES, STATE_NAMES, WHY_RU, WORDS, type Lang } from './i18n.js';
import type { GradeSheet } from './types.js';

function sheetView(g: GradeSheet, lang: Lang) {
  const o = g.observed;
  const t = WORDS[lang];
  return {
    ...g,
    t,
    criteria: g.criteria.map((c) => ({ ...c, title: lang === 'ru' ? (c.title_ru ?? c.title) : c.title, state_name: c.state ? STATE_NAMES[lang][c.state] : '' })),
    flags: g.flags.map((f) => ({ ...f, message: lang === 'ru' ? WHY_RU[f.rule] : f.message })),
    experiment_rows: FAULTS.map((f) => {
      const e = g.experiments[f];
      const decided = [...e.evidence.map((x) => `line ${x.line}: ${x.note}`), ...e.mentions.slice(0, 4).map((m) => `line ${m.line} (${m.via}, ${m.mood}): ${m.text}`)];
      return { name: FAULT_NAMES[lang][f], state: STATE_NAMES[lang][e.state], decided: decided.join('; ') || '—', failed: e.failed };
    }),
    ports: g.setup.expected,
    tables: o.tables.map((x) => ({
      lines: `${x.line}–${x.end_line}`,
      format: x.format === 'lsn' ? 'Receive/Replay LSN' : 'Lag in MB',
      leader: x.leader ?? 'none',
      timeline: x.timeline ?? '',
      members: x.members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', '),
    })),
    segments: o.segments.map((s) => ({
      lines: `${s.start_line}–${s.end_line}`,
      client: s.kind === 'generator' ? 'traffic generator' : 'HAtester',
      stream: s.stream,
      port: s.port ?? '',
      ok: s.events.filter((e) => e.kind === 'ok_write' || e.kind === 'ok_read').length,
      failed: s.events.filter((e) => e.kind === 'failure').length,
    })),
    outages: o.comparisons.map((c) => ({
      line: c.window.line,
      fault: c.fault ?? '—',
      from: formatClock(c.window.first_fail ?? c.window.last_ok),
      to: c.window.first_ok_after === null ? 'not in the log' : formatClock(c.window.first_ok_after),
      duration: c.window.duration_s !== null ? `${c.window.duration_s} s` : c.window.at_least_s !== null ? `≥ ${c.window.at_least_s} s` : '?',
      expected: c.expected,
      verdict: `${c.verdict.replace(/_/g, ' ')}${c.note ? `: ${c.note}` : ''}`,
    })),
    images_total: g.images.length,
    images_note: g.images_checked ? t.images_checked : t.images_not_checked,
  };
}

export function renderSheetMarkdown(g: GradeSheet, lang: Lang = 'en'): string {
  return renderTemplate('grade/sheet.md.hbs', sheetView(g, lang));
}

export function renderSheetHtml(g: GradeSheet, lang: Lang = 'en'): string {
  return htmlPage({ title: `${WORDS[lang].sheet}: ${g.source}`, body: markdownToHtml(renderSheetMarkdown(g, lang)) });
}

const yes = (b: boolean) => (b ? 'yes' : 'no');
const wrongClaims = (g: GradeSheet) => g.flags.filter((f) => f.severity === 'error').length;

/** The class summary an instructor's spreadsheet reads: one row per submission, fixed columns first. */
export function renderSummaryCsv(sheets: GradeSheet[]): string {
  const criteria = sheets[0]?.criteria.map((c) => c.id) ?? [];
  const header = ['submission', 'points', 'max', ...FAULTS, 'spof_named', 'remedy_named', 'wrong_claims', 'false_evidence', 'needs_person', ...criteria.map((c) => `points_${c}`)];
  const rows = sheets.map((g) => [
    g.source,
    g.total,
    g.max,
    ...FAULTS.map((f) => g.experiments[f].state),
    yes(g.spof.named !== null),
    yes(g.spof.remedy !== null),
    wrongClaims(g),
    g.false_evidence.length,
    yes(g.needs_person.length > 0),
    ...g.criteria.map((c) => c.awarded),
  ]);
  return toCsv([header, ...rows]);
}

function summaryView(sheets: GradeSheet[], ext: 'md' | 'html', lang: Lang) {
  const t = WORDS[lang];
  const first = sheets[0];
  return {
    t,
    rubric: first?.rubric ?? { title: '', file: '' },
    truth_source: first?.truth_source ?? '',
    faults: FAULTS.map((f) => FAULT_NAMES[lang][f]),
    columns: first?.criteria.map((c) => c.id) ?? [],
    rows: sheets.map((g) => ({
      source: g.source,
      href: `${encodeURIComponent(g.id)}.${ext}`,
      total: g.total,
      max: g.max,
      states: FAULTS.map((f) => g.experiments[f].state),
      spof: g.spof.named ? t.yes : t.no,
      remedy: g.spof.remedy ? t.yes : t.no,
      wrong: wrongClaims(g),
      false_evidence: g.false_evidence.length,
      person: g.needs_person.length ? t.yes : t.no,
      points: g.criteria.map((c) => c.awarded),
    })),
  };
}

export function renderSummaryMarkdown(sheets: GradeSheet[], ext: 'md' | 'html' = 'md', lang: Lang = 'en'): string {
  return renderTemplate('grade/summary.md.hbs', summaryView(sheets, ext, lang));
}

export function renderSummaryHtml(sheets: GradeSheet[], lang: Lang = 'en'): string {
  return htmlPage({ title: WORDS[lang].summary, body: markdownToHtml(renderSummaryMarkdown(sheets, 'html', lang)) });
}

/** Per criterion, the lines and words that decided it: for `grade --explain`. */
export function explain(g: GradeSheet): string {
  const out: string[] = [`${g.source}: ${g.total}/${g.max}`];
  for (const c of g.criteria) {
    out.push(`  ${c.id}: ${c.awarded}/${c.points}${c.state ? ` [${c.state}]` : ''}`);
    if (c.fault) {
      const e = g.experiments[c.fault];
      for (const x of e.evidence) out.push(`    evidence line ${x.line} (${x.kind}): ${x.note}`);
      for (const m of e.mentions) out.push(`    ${m.via} line ${m.line} (${m.mood}): ${m.text}`);
    } else {
      for (const q of c.evidence) out.push(`    line ${q.line}: ${q.text}`);
      for (const n of c.notes) out.push(`    note: ${n}`);
    }
  }
  for (const f of g.flags) out.push(`  flag ${f.severity} ${f.rule} line ${f.line}: ${f.quote}`);
  for (const f of g.false_evidence) out.push(`  false evidence line ${f.line}: ${f.note}`);
  return out.join('\n');
}

/** Writes one sheet per submission (Markdown and HTML), the class summary and its CSV. */
export function writeGrades(sheets: GradeSheet[], outDir: string, lang: Lang = 'en'): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, text: string) => {
    const p = path.join(outDir, name);
    writeFileSync(p, text);
    written.push(p);
  };
  for (const g of sheets) {
    write(`${g.id}.md`, renderSheetMarkdown(g, lang));
    write(`${g.id}.html`, renderSheetHtml(g, lang));
  }
  write('summary.csv', renderSummaryCsv(sheets));
  write('index.md', renderSummaryMarkdown(sheets, 'md', lang));
  write('index.html', renderSummaryHtml(sheets, lang));
  return written;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toCsv } from '../render/csv.js';
import { markdownToHtml } from '../render/markdown.js';
import { htmlPage } from '../render/page.js';
import { renderTemplate } from '../render/templates.js';
import { formatClock } from './extract/logs.js';
import type { GradeSheet, ImageProblem } from './types.js';

const PROBLEM_TEXT: Record<ImageProblem, string> = {
  wiki_embed: 'Obsidian-style embed',
  in_code_fence: 'inside a code fence',
  does_not_render: 'not parsed as an image',
  missing_file: 'file missing',
  name_case_mismatch: 'file name differs in case',
  wrong_path: 'file is elsewhere',
};

function sheetView(g: GradeSheet) {
  const o = g.observed;
  return {
    ...g,
    experiments: o.experiments.map((e) => ({
      line: e.line,
      fault: e.fault,
      mode: e.fault === 'leader' ? e.mode : '',
      observations:
        [...new Set(e.observations.map((x) => `${x.positive ? '' : 'not '}${x.kind.replace(/_/g, ' ')} (line ${x.line})`))].join('; ') || 'nothing said',
    })),
    tables: o.tables.map((t) => ({
      lines: `${t.line}–${t.end_line}`,
      format: t.format === 'lsn' ? 'Receive/Replay LSN' : 'Lag in MB',
      cluster: t.system_id ? `${t.cluster} (${t.system_id})` : (t.cluster ?? ''),
      leader: t.leader ?? 'none',
      timeline: t.timeline ?? '',
      members: t.members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', '),
    })),
    changes: [
      ...o.leader_changes.map((c) => `Leader ${c.from} → ${c.to} between the tables at lines ${c.from_line} and ${c.to_line}, timeline ${c.timeline_from ?? '?'} → ${c.timeline_to ?? '?'}.`),
      ...o.rejoins.map((j) => `${j.member}, leader in the table at line ${j.leader_line}, is a ${j.state} replica at line ${j.replica_line}.`),
    ],
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
      stream: c.window.stream,
      fault: c.fault ? `${c.fault}${c.fault === 'leader' && c.mode !== 'unknown' ? ` (${c.mode})` : ''}${c.inferred ? `, inferred: ${c.inferred}` : ''}` : '—',
      from: formatClock(c.window.first_fail ?? c.window.last_ok),
      to: c.window.first_ok_after === null ? 'not in the log' : formatClock(c.window.first_ok_after),
      duration: c.window.duration_s !== null ? `${c.window.duration_s} s` : c.window.at_least_s !== null ? `≥ ${c.window.at_least_s} s` : '?',
      expected: c.expected,
      verdict: c.verdict.replace(/_/g, ' '),
      note: c.note,
    })),
    id_gaps: o.id_gaps,
    vanished: o.vanished_ids,
    reconnects: o.reconnects,
    restarts: o.restarts,
    images: {
      total: g.images.length,
      one: g.images.length === 1,
      remote: g.images.filter((i) => i.remote).length,
      broken: g.images
        .filter((i) => i.problem)
        .map((i) => ({ line: i.line, target: i.target, problem: `${PROBLEM_TEXT[i.problem!]}${i.detail ? `: ${i.detail}` : ''}` })),
    },
  };
}

export function renderSheetMarkdown(g: GradeSheet): string {
  return renderTemplate('grade/sheet.md.hbs', sheetView(g));
}

export function renderSheetHtml(g: GradeSheet): string {
  return htmlPage({ title: `Grade sheet: ${g.source}`, body: markdownToHtml(renderSheetMarkdown(g)) });
}

function summaryView(sheets: GradeSheet[], ext: 'md' | 'html') {
  const first = sheets[0];
  const criteria = first?.criteria ?? [];
  return {
    rubric: first?.rubric ?? { title: '', file: '' },
    truth_source: first?.truth_source ?? '',
    columns: criteria.map((c) => c.id),
    legend: criteria.map((c) => `${c.id}: ${c.title} (${c.points})`),
    rows: sheets.map((g) => ({
      source: g.source,
      href: `${encodeURIComponent(g.id)}.${ext}`,
      total: g.total,
      max: g.max,
      pending: g.pending,
      points: g.criteria.map((c) => `${c.awarded}${c.needs_person ? '*' : ''}`),
      errors: g.flags.filter((f) => f.severity === 'error').length,
      warnings: g.flags.filter((f) => f.severity === 'warning').length,
      broken: g.images.filter((i) => i.problem).length,
    })),
  };
}

export function renderSummaryMarkdown(sheets: GradeSheet[], ext: 'md' | 'html' = 'md'): string {
  return renderTemplate('grade/summary.md.hbs', summaryView(sheets, ext));
}

export function renderSummaryHtml(sheets: GradeSheet[]): string {
  return htmlPage({ title: 'Grades', body: markdownToHtml(renderSummaryMarkdown(sheets, 'html')) });
}

export function renderSummaryCsv(sheets: GradeSheet[]): string {
  const criteria = sheets[0]?.criteria ?? [];
  const header = ['submission', 'points', 'max', 'pending', ...criteria.map((c) => c.id), 'errors', 'warnings', 'needs_person', 'broken_images'];
  const rows = sheets.map((g) => [
    g.source,
    g.total,
    g.max,
    g.pending,
    ...g.criteria.map((c) => c.awarded),
    g.flags.filter((f) => f.severity === 'error').length,
    g.flags.filter((f) => f.severity === 'warning').length,
    g.needs_person.length,
    g.images.filter((i) => i.problem).length,
  ]);
  return toCsv([header, ...rows]);
}

/** Writes one Markdown/HTML pair per submission and the class summary (CSV, Markdown, HTML) into `out`. */
export function writeGrades(sheets: GradeSheet[], out: string): string[] {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, content: string) => {
    const p = path.join(out, name);
    writeFileSync(p, content);
    written.push(p);
  };
  for (const g of sheets) {
    write(`${g.id}.md`, renderSheetMarkdown(g));
    write(`${g.id}.html`, renderSheetHtml(g));
  }
  write('summary.csv', renderSummaryCsv(sheets));
  write('index.md', renderSummaryMarkdown(sheets, 'md'));
  write('index.html', renderSummaryHtml(sheets));
  return written;
}

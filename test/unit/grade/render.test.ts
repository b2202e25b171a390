import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../../src/render/csv.js';
import { gradeSubmission } from '../../../src/grade/grade.js';
import { explain, renderSheetHtml, renderSheetMarkdown, renderSummaryCsv, renderSummaryHtml, writeGrades } from '../../../src/grade/render.js';
import { resolveSubmissions } from '../../../src/grade/submissions.js';
import { gradeText, rubric, SUBMISSIONS, truth } from './helpers.js';

const gradeAll = () => resolveSubmissions([SUBMISSIONS]).map((d) => gradeSubmission(d, { rubric, rubricFile: 'rubrics/default.yaml', truth }));

function writeTo(): Map<string, string> {
  const out = mkdtempSync(path.join(tmpdir(), 'grades-'));
  writeGrades(gradeAll(), out);
  return new Map(readdirSync(out).sort().map((f) => [f, readFileSync(path.join(out, f), 'utf8')]));
}

describe('output', () => {
  it('is byte-identical when the same input is graded twice', () => {
    const a = writeTo();
    const b = writeTo();
    const ids = resolveSubmissions([SUBMISSIONS]).map((d) => d.id);
    expect([...a.keys()]).toEqual([...ids.flatMap((id) => [`${id}.html`, `${id}.md`]), 'index.html', 'index.md', 'summary.csv'].sort());
    for (const [name, content] of a) expect(b.get(name), name).toBe(content);
  });

  it('carries no date, time of grading or absolute path', () => {
    for (const [name, content] of writeTo()) {
      expect(content, name).not.toContain(SUBMISSIONS);
      expect(content, name).not.toMatch(new RegExp(String(new Date().getFullYear()) + '-\\d\\d-\\d\\d'));
    }
  });

  it('escapes student text in the HTML sheet', () => {
    const g = gradeText(
      [
        'Остановил лидера <script>alert(1)</script> — ничего не произошло.',
        'Скрипт читает с реплик <img src=x onerror=alert(2)> | и всё.',
        '[x](javascript:alert(3))',
      ].join('\n'),
      'xss',
    );
    expect(g.flags.length).toBeGreaterThan(0);
    const html = renderSheetHtml(g);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // A pipe in a quote stays inside its table cell.
    expect(renderSheetMarkdown(g)).toContain('\\|');
  });

  it('writes the class summary as CSV and as a table linking each sheet', () => {
    const sheets = gradeAll();
    const csv = renderSummaryCsv(sheets).split('\r\n');
    expect(csv[0]).toBe(
      'submission,points,max,replica,leader,etcd_one,etcd_quorum,haproxy,spof_named,remedy_named,wrong_claims,false_evidence,needs_person,points_replica,points_leader,points_etcd_one,points_etcd_quorum,points_haproxy,points_spof,points_claims',
    );
    expect(csv.find((r) => r.includes('004_'))).toBe('submissions/004_875e7d040a9bf069.md,18,20,evidenced,evidenced,evidenced,evidenced,evidenced,no,no,0,0,no,3,4,2,4,3,0,2');
    expect(csv.find((r) => r.includes('Xelerezex'))).toMatch(/,claimed,claimed,claimed,claimed,claimed,yes,yes,0,5,no,/);
    const html = renderSummaryHtml(sheets);
    expect(html).toContain('href="000_9605b719e4a8489b.html"');
    expect(html).toContain('<table>');
  });

  it('writes Russian sheets with --lang ru and explains each criterion by its lines', () => {
    const g = gradeText(['## Остановка реплики', 'Остановил patroni2, запись продолжилась.', '```', '| patroni2 | Replica | stopped | |', '```'].join('\n'));
    const ru = renderSheetMarkdown(g, 'ru');
    expect(ru).toContain('# Оценка: sample.md');
    expect(ru).toContain('| остановка реплики | подтверждено |');
    expect(renderSheetMarkdown(g)).toContain('| replica stopped | evidenced |');
    const planted = gradeText('Генератор нагрузки читает данные с реплик.');
    expect(renderSheetMarkdown(planted, 'ru')).toContain('Генератор курса делает READ check в том же read-write соединении');
    expect(renderSheetMarkdown(planted)).toContain('runs its READ check on the same read-write connection');
    const text = explain(g);
    expect(text).toContain('replica: 3/3 [evidenced]');
    expect(text).toContain('evidence line 3 (output)');
    expect(text).toContain('sentence line 2 (done): Остановил patroni2, запись продолжилась.');
  });

  it('quotes CSV cells and defuses formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell(-1)).toBe('-1');
    expect(toCsv([['a', 1], ['b\nc', null]])).toBe('a,1\r\n"b\nc",\r\n');
  });
});

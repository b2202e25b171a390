import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellsOf, CELLS, evaluate, loadLabels } from '../../../src/grade/evaluate.js';
import { gradeSubmission } from '../../../src/grade/grade.js';
import { resolveSubmissions } from '../../../src/grade/submissions.js';
import type { GradeSheet } from '../../../src/grade/types.js';
import { PROJECT, rubric, SUBMISSIONS, truth } from './helpers.js';

// Every report of the development set against what a careful reader finds in it (labels.yaml,
// transcribed from ../shared/submissions/LABELS.md and the reading of the numbered samples).
const labels = loadLabels(`${PROJECT}test/unit/grade/labels.yaml`);
const docs = resolveSubmissions([SUBMISSIONS]);
const options = { rubric, rubricFile: 'rubrics/default.yaml', truth };
const sheets = new Map<string, GradeSheet>(docs.map((d) => [path.basename(d.file), gradeSubmission(d, options)]));
const wrongAt = (g: GradeSheet) => g.flags.filter((f) => f.severity === 'error').map((f) => `${f.rule}@${f.line}`);

describe('the development set', () => {
  it('has a label for every report and a report for every label', () => {
    expect([...sheets.keys()].sort()).toEqual(Object.keys(labels).sort());
  });

  it.each(Object.keys(labels))('%s: evidence states, SPOF, remedy, wrong claims, needs a person', (file) => {
    const got = cellsOf(sheets.get(file)!);
    const want = Object.fromEntries(CELLS.map((c) => [c, String(labels[file]![c])]));
    expect(got).toEqual(want);
  });

  it('names the wrong claims the labels list, quoting their lines', () => {
    expect(wrongAt(sheets.get('aayagzhov-HW2_PRACTICE_SOLUTION.md')!)).toEqual(['synchronous_replication@89']);
    expect(wrongAt(sheets.get('Pavloffff-HW_2_PRACTICE_SOLUTION.md')!)).toEqual(['quorum_keeps_writing@165']);
    const f = sheets.get('aayagzhov-HW2_PRACTICE_SOLUTION.md')!.flags[0]!;
    expect(f.quote).toContain('синхронная репликация');
    expect(f.source).toContain('EXPECTED-BEHAVIOUR.md');
  });

  it('judges ports by the report itself: no port warning where the student reads their own compose', () => {
    for (const file of ['Hierugu-HW_2_SOLUTION.md', 'Pavloffff-HW_2_PRACTICE_SOLUTION.md', 'stepanpopov-HW_2_SOLUTION.md']) {
      expect(sheets.get(file)!.flags.filter((f) => f.rule === 'port_mismatch'), file).toEqual([]);
    }
  });

  it('does not take the illustrative tables and timelines of Xelerezex for evidence', () => {
    const g = sheets.get('Xelerezex-HW_4_SOLUTION.md')!;
    expect(g.false_evidence.map((e) => e.line)).toEqual([162, 361, 382, 414, 452]);
    expect(g.false_evidence[0]!.note).toContain('Lag in MB');
  });

  it('ranks the class as an instructor would: evidence outranks narrative, a fabricated-looking report is not on top', () => {
    const total = (f: string) => sheets.get(f)!.total;
    const best = Math.max(...[...sheets.values()].map((g) => g.total));
    expect(total('stepanpopov-HW_2_SOLUTION.md')).toBeGreaterThan(total('Xelerezex-HW_4_SOLUTION.md'));
    expect(total('aayagzhov-HW2_PRACTICE_SOLUTION.md')).toBeGreaterThan(total('Xelerezex-HW_4_SOLUTION.md'));
    expect(total('Xelerezex-HW_4_SOLUTION.md')).toBeLessThan(best);
    expect(total('004_875e7d040a9bf069.md')).toBeGreaterThan(total('000_9605b719e4a8489b.md'));
  });
});

describe('leave-one-out evaluation', () => {
  it('agrees with the labels on at least 90% of the cells, in sample and with each report held out', () => {
    const e = evaluate(docs, labels, options);
    expect(e.reports).toBe(12);
    expect(e.cells).toBe(12 * CELLS.length);
    expect(e.in_sample).toBe((e.cells - e.disagreements.length) / e.cells);
    expect(e.in_sample).toBeGreaterThanOrEqual(0.9);
    expect(e.leave_one_out).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(e.chosen)).toHaveLength(12);
  }, 180_000);

  it('counts a disagreement when a label is changed', () => {
    const small = docs.filter((d) => /^00[01]_/.test(path.basename(d.file)));
    const changed = { ...labels, '001_6f899263feb6ddfd.md': { ...labels['001_6f899263feb6ddfd.md']!, etcd_one: 'claimed' as const } };
    const e = evaluate(small, changed, options);
    expect(e.disagreements).toEqual([{ file: '001_6f899263feb6ddfd.md', cell: 'etcd_one', expected: 'claimed', got: 'evidenced' }]);
    expect(e.in_sample).toBe(17 / 18);
  }, 60_000);
});

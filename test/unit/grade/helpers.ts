import { fileURLToPath } from 'node:url';
import { gradeSubmission } from '../../../src/grade/grade.js';
import { readSubmission } from '../../../src/grade/observe.js';
import { loadRubric } from '../../../src/grade/rubric.js';
import { loadSubmission } from '../../../src/grade/submissions.js';
import { loadTruth } from '../../../src/grade/truth.js';
import type { GradeSheet } from '../../../src/grade/types.js';
import { FAULTS } from '../../../src/grade/experiments.js';

export const PROJECT = fileURLToPath(new URL('../../../', import.meta.url));
export const SUBMISSIONS = fileURLToPath(new URL('../../../../shared/submissions/', import.meta.url));
export const rubric = loadRubric(`${PROJECT}rubrics/default.yaml`);
export const truth = loadTruth(`${PROJECT}rubrics/measured-truth.yaml`);

/** A submission made of the given Markdown, graded with the shipped rubric and truth. */
export function gradeText(md: string, id = 'sample'): GradeSheet {
  const doc = loadSubmission(`/virtual/${id}.md`, { id, source: `${id}.md`, root: null }, md);
  return gradeSubmission(doc, { rubric, rubricFile: 'rubrics/default.yaml', truth });
}

export function readText(md: string) {
  return readSubmission(loadSubmission('/virtual/sample.md', { id: 'sample', source: 'sample.md', root: null }, md), truth);
}

export function criterion(g: GradeSheet, id: string) {
  const c = g.criteria.find((x) => x.id === id);
  if (!c) throw new Error(`no criterion ${id}`);
  return c;
}

/** The evidence state of every experiment, in the CSV's order. */
export function states(g: GradeSheet): string[] {
  return FAULTS.map((f) => g.experiments[f].state);
}

export function rules(g: GradeSheet): string[] {
  return g.flags.map((f) => `${f.rule}@${f.line}`);
}

/** Rules of the flags that count as wrong claims. */
export function wrong(g: GradeSheet): string[] {
  return g.flags.filter((f) => f.severity === 'error').map((f) => f.rule);
}

import { checkClaims } from './claims.js';
import { imageTopics, runDetector } from './criteria.js';
import { findImages } from './extract/images.js';
import { readSubmission } from './observe.js';
import { partialPoints, type Rubric } from './rubric.js';
import type { Truth } from './truth.js';
import type { CriterionResult, GradeSheet, SubmissionDoc } from './types.js';

export interface GradeOptions {
  rubric: Rubric;
  /** Shown on the sheet: where the rubric came from. */
  rubricFile: string;
  truth: Truth;
}

/** Points are kept to halves so that sums print the same everywhere. */
function round(x: number): number {
  return Math.round(x * 2) / 2;
}

/** Grades one submission: a pure function of its text (and its folder's file names) and the options. */
export function gradeSubmission(doc: SubmissionDoc, opts: GradeOptions): GradeSheet {
  const reading = readSubmission(doc, opts.truth);
  const flags = checkClaims(reading, opts.truth, opts.rubric.disabled_rules ?? []);
  const images = findImages(doc.lines, doc.file, doc.root);
  const inputs = { reading, flags, images, topics: imageTopics(reading, images) };
  const criteria: CriterionResult[] = opts.rubric.criteria.map((c) => {
    const f = runDetector(c.detector, inputs);
    const awarded = round(f.level === 'full' ? c.points : f.level === 'partial' ? partialPoints(c) : 0);
    const needsPerson = f.images.length > 0 && awarded < c.points;
    return {
      id: c.id,
      title: c.title,
      points: c.points,
      awarded,
      level: f.level,
      pending: needsPerson ? round(c.points - awarded) : 0,
      evidence: f.evidence,
      notes: f.notes,
      needs_person: needsPerson ? `look at the screenshot${f.images.length > 1 ? 's' : ''} at line${f.images.length > 1 ? 's' : ''} ${f.images.join(', ')}` : null,
    };
  });
  const unexplained = images.filter((i) => !i.problem && !i.remote && !inputs.topics.get(i.line)?.size).map((i) => i.line);
  const broken = images.filter((i) => i.problem);
  const needsPerson = criteria.filter((c) => c.needs_person).map((c) => `${c.title}: ${c.needs_person}`);
  if (unexplained.length) {
    needsPerson.push(`no text says what the screenshot${unexplained.length > 1 ? 's' : ''} at line${unexplained.length > 1 ? 's' : ''} ${unexplained.join(', ')} show${unexplained.length > 1 ? '' : 's'}`);
  }
  if (broken.length) needsPerson.push(`${broken.length} image link${broken.length > 1 ? 's' : ''} will not render (lines ${[...new Set(broken.map((i) => i.line))].join(', ')}): ask for the screenshots`);
  return {
    id: doc.id,
    source: doc.source,
    rubric: { title: opts.rubric.title, file: opts.rubricFile },
    truth_source: opts.truth.source,
    total: round(criteria.reduce((s, c) => s + c.awarded, 0)),
    max: round(criteria.reduce((s, c) => s + c.points, 0)),
    pending: round(criteria.reduce((s, c) => s + c.pending, 0)),
    criteria,
    flags,
    images,
    needs_person: needsPerson,
    observed: reading.observed,
  };
}

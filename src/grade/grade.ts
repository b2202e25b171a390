import { checkClaims } from './claims.js';
import type { ExperimentFinding, Fault } from './experiments.js';
import { readSubmission, type Reading } from './observe.js';
import { DEFAULT_PARAMS, type Params } from './params.js';
import type { Criterion, Rubric } from './rubric.js';
import { findSpof } from './spof.js';
import type { Truth } from './truth.js';
import type { CriterionResult, Flag, GradeSheet, Quote, SubmissionDoc } from './types.js';

export interface GradeOptions {
  rubric: Rubric;
  /** Shown on the sheet: where the rubric came from. */
  rubricFile: string;
  truth: Truth;
  /** The grader's tunable choices; the defaults unless an evaluation is fitting them. */
  params?: Params;
}

/** Points are kept to halves so that sums print the same everywhere. */
function round(x: number): number {
  return Math.round(x * 2) / 2;
}

function lines(xs: number[]): string {
  const u = [...new Set(xs)].sort((a, b) => a - b);
  return `line${u.length > 1 ? 's' : ''} ${u.join(', ')}`;
}

function experimentCriterion(c: Criterion, e: ExperimentFinding, rubric: Rubric, flags: Flag[], r: Reading): CriterionResult {
  const share = { evidenced: 1, claimed: rubric.claimed_fraction, hypothetical: rubric.hypothetical_fraction, absent: 0 }[e.state];
  const notes: string[] = [];
  for (const ev of e.evidence) notes.push(`line ${ev.line}: ${ev.note}`);
  let awarded = c.points * share;
  if (e.failed) {
    awarded = 0;
    notes.push(`the student says it did not work (line ${e.failed.line}): no credit`);
  }
  const wrong = flags.filter((f) => f.severity === 'error' && r.attribution.statements.some((s) => s.line === f.line && s.fault === e.fault));
  if (wrong.length && awarded > 0) {
    awarded = Math.max(0, awarded - c.points / 2);
    notes.push(`wrong conclusion at ${lines(wrong.map((f) => f.line))}`);
  }
  const images = e.evidence.filter((x) => x.kind === 'image').map((x) => x.line);
  return {
    id: c.id,
    title: c.title,
    title_ru: c.title_ru ?? null,
    points: c.points,
    awarded: round(awarded),
    fault: e.fault,
    state: e.state,
    evidence: e.mentions.filter((m) => m.mood === 'done').slice(0, 3).map((m) => ({ line: m.line, text: m.text })),
    notes,
    needs_person: e.images_only ? `look at the screenshot${images.length > 1 ? 's' : ''} at ${lines(images)}: they are this experiment's only evidence` : null,
  };
}

/** Grades one submission: a pure function of its text (and its folder's file names) and the options. */
export function gradeSubmission(doc: SubmissionDoc, opts: GradeOptions): GradeSheet {
  const params = opts.params ?? DEFAULT_PARAMS;
  const r = readSubmission(doc, opts.truth, params);
  const flags = checkClaims(doc, r.attribution, r.setup, r.observed.segments, opts.truth, opts.rubric.disabled_rules ?? []);
  const spof = findSpof(r.attribution.statements, params.spof_window, r.setup.keepalived);
  const errors = flags.filter((f) => f.severity === 'error');
  const tried = Object.values(r.attribution.experiments).some((e) => e.state === 'evidenced' || e.state === 'claimed');
  const criteria: CriterionResult[] = opts.rubric.criteria.map((c) => {
    if (c.measures === 'spof') {
      const notes = [spof.named ? 'names HAProxy a single point of failure' : 'does not name HAProxy a single point of failure', spof.remedy ? 'gives a concrete remedy' : 'gives no concrete remedy (keepalived + VIP, a cloud or Kubernetes load balancer, DNS, multi-host connection strings)'];
      const awarded = round(((spof.named ? 1 : 0) + (spof.remedy ? 1 : 0)) * (c.points / 2));
      return { id: c.id, title: c.title, title_ru: c.title_ru ?? null, points: c.points, awarded, fault: null, state: null, evidence: [spof.named, spof.remedy].filter((q, i, all) => q !== null && all.findIndex((x) => x?.line === q.line && x?.text === q.text) === i) as Quote[], notes, needs_person: null };
    }
    if (c.measures === 'claims') {
      // No experiment, nothing to be wrong about: no points for an empty report.
      const share = !tried ? 0 : errors.length === 0 ? 1 : errors.length === 1 ? 0.5 : 0;
      const notes = !tried ? ['no experiment is described, so nothing was checked'] : errors.length ? errors.map((f) => `line ${f.line}: ${f.rule}`) : ['no wrong claim found'];
      return { id: c.id, title: c.title, title_ru: c.title_ru ?? null, points: c.points, awarded: round(c.points * share), fault: null, state: null, evidence: errors.map((f) => ({ line: f.line, text: f.quote })), notes, needs_person: null };
    }
    return experimentCriterion(c, r.attribution.experiments[c.measures as Fault], opts.rubric, flags, r);
  });
  const needsPerson = criteria.filter((c) => c.needs_person).map((c) => `${c.title}: ${c.needs_person}`);
  return {
    id: doc.id,
    source: doc.source,
    rubric: { title: opts.rubric.title, file: opts.rubricFile },
    truth_source: opts.truth.source,
    total: round(criteria.reduce((s, c) => s + c.awarded, 0)),
    max: round(criteria.reduce((s, c) => s + c.points, 0)),
    criteria,
    experiments: r.attribution.experiments,
    spof,
    flags,
    images: r.images,
    images_checked: doc.root !== null,
    false_evidence: r.attribution.false_evidence,
    setup: r.setup,
    needs_person: needsPerson,
    observed: r.observed,
  };
}

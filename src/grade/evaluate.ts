import path from 'node:path';
import { z } from 'zod';
import { FAULTS, STATES } from './experiments.js';
import { gradeSubmission, type GradeOptions } from './grade.js';
import { paramGrid, type Params } from './params.js';
import type { GradeSheet, SubmissionDoc } from './types.js';
import { loadYaml } from './yaml.js';

/**
 * Agreement with a careful human reading, per (submission, criterion) cell, in sample and
 * leave-one-out: for each report, the parameters are fitted on all the others and then used on it.
 */

const yesNo = z.enum(['yes', 'no']);
const state = z.enum(STATES);
const LabelSchema = z
  .object({
    replica: state,
    leader: state,
    etcd_one: state,
    etcd_quorum: state,
    haproxy: state,
    spof_named: yesNo,
    remedy_named: yesNo,
    wrong_claims: z.number().int().nonnegative(),
    needs_person: yesNo,
  })
  .strict();
export const LabelsSchema = z.record(z.string(), LabelSchema);
export type Label = z.infer<typeof LabelSchema>;
export const CELLS = [...FAULTS, 'spof_named', 'remedy_named', 'wrong_claims', 'needs_person'] as const;
export type Cell = (typeof CELLS)[number];

export function loadLabels(file: string): Record<string, Label> {
  return loadYaml(file, LabelsSchema);
}

/** The grader's answer in the labels' terms. */
export function cellsOf(g: GradeSheet): Record<Cell, string> {
  return {
    ...(Object.fromEntries(FAULTS.map((f) => [f, g.experiments[f].state])) as Record<(typeof FAULTS)[number], string>),
    spof_named: g.spof.named ? 'yes' : 'no',
    remedy_named: g.spof.remedy ? 'yes' : 'no',
    wrong_claims: String(g.flags.filter((f) => f.severity === 'error').length),
    needs_person: g.needs_person.length ? 'yes' : 'no',
  };
}

export interface Disagreement {
  file: string;
  cell: Cell;
  expected: string;
  got: string;
}

export interface Evaluation {
  reports: number;
  cells: number;
  /** Defaults, on every report. */
  in_sample: number;
  /** Each report graded with the parameters that fit the others best. */
  leave_one_out: number;
  disagreements: Disagreement[];
  /** Parameters chosen for each held-out report. */
  chosen: Record<string, Params>;
}

function compare(file: string, got: Record<Cell, string>, label: Label): Disagreement[] {
  return CELLS.filter((c) => String(label[c]) !== got[c]).map((c) => ({ file, cell: c, expected: String(label[c]), got: got[c] }));
}

export function evaluate(docs: SubmissionDoc[], labels: Record<string, Label>, opts: GradeOptions): Evaluation {
  const labelled = docs.filter((d) => labels[path.basename(d.file)]);
  const grid = paramGrid();
  // misses[p][i]: cells report i gets wrong with parameters p.
  const runs = grid.map((params) => labelled.map((d) => compare(path.basename(d.file), cellsOf(gradeSubmission(d, { ...opts, params })), labels[path.basename(d.file)]!)));
  const total = labelled.length * CELLS.length;
  const defaults = runs[0]!;
  const chosen: Record<string, Params> = {};
  let looMisses = 0;
  labelled.forEach((d, held) => {
    let best = 0;
    let bestMiss = Infinity;
    runs.forEach((r, p) => {
      const miss = r.reduce((s, x, i) => (i === held ? s : s + x.length), 0);
      if (miss < bestMiss) [best, bestMiss] = [p, miss];
    });
    chosen[path.basename(d.file)] = grid[best]!;
    looMisses += runs[best]![held]!.length;
  });
  const inMisses = defaults.reduce((s, x) => s + x.length, 0);
  return {
    reports: labelled.length,
    cells: total,
    in_sample: total ? (total - inMisses) / total : 0,
    leave_one_out: total ? (total - looMisses) / total : 0,
    disagreements: defaults.flat(),
    chosen,
  };
}

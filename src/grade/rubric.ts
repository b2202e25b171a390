import { z } from 'zod';
import { loadYaml } from './yaml.js';

/** Checks the grader knows; a rubric criterion names one of them. */
export const DETECTORS = [
  'cluster_started',
  'haproxy_page',
  'load_ran',
  'fault_replica',
  'fault_leader',
  'fault_etcd_one',
  'fault_etcd_quorum',
  'fault_haproxy',
  'haproxy_spof',
  'claims_correct',
] as const;
export type DetectorId = (typeof DETECTORS)[number];

/** Claim checks; a rubric may switch some off. */
export const RULES = [
  'id_gap_as_loss',
  'data_loss_claim',
  'reads_to_replicas',
  'quorum_no_effect',
  'quorum_new_leader',
  'etcd_count_unclear',
  'etcd_one_outage',
  'replica_leader_change',
  'leader_no_effect',
  'haproxy_no_effect',
  'zero_loss_guarantee',
  'port_mismatch',
  'outage_unexpected',
  'outage_longer',
] as const;
export type RuleId = (typeof RULES)[number];

const CriterionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and _'),
    title: z.string().min(1),
    points: z.number().nonnegative(),
    /** Points for a partial answer; half the points when absent. */
    partial: z.number().nonnegative().optional(),
    detector: z.enum(DETECTORS),
  })
  .strict()
  .refine((c) => c.partial === undefined || c.partial <= c.points, { message: 'partial must not exceed points', path: ['partial'] });

export const RubricSchema = z
  .object({
    title: z.string().min(1),
    criteria: z.array(CriterionSchema).min(1),
    /** Claim checks to skip. */
    disabled_rules: z.array(z.enum(RULES)).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    r.criteria.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', message: `duplicate criterion id "${c.id}"`, path: ['criteria', i, 'id'] });
      seen.add(c.id);
    });
  });

export type Rubric = z.infer<typeof RubricSchema>;
export type Criterion = z.infer<typeof CriterionSchema>;

export function loadRubric(file: string): Rubric {
  return loadYaml(file, RubricSchema);
}

export function partialPoints(c: Criterion): number {
  return c.partial ?? c.points / 2;
}

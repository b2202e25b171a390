import { z } from 'zod';
import { RULES } from './claims.js';
import { FAULTS } from './experiments.js';
import { loadYaml } from './yaml.js';

/** What a rubric criterion measures: one of the five experiments, the SPOF answer, or the claims. */
export const MEASURES = [...FAULTS, 'spof', 'claims'] as const;
export type Measure = (typeof MEASURES)[number];

const CriterionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and _'),
    title: z.string().min(1),
    /** The title on Russian sheets (`--lang ru`); the English one when absent. */
    title_ru: z.string().min(1).optional(),
    points: z.number().nonnegative(),
    measures: z.enum(MEASURES),
  })
  .strict();

const fraction = z.number().min(0).max(1);

export const RubricSchema = z
  .object({
    title: z.string().min(1),
    /** Share of an experiment's points earned when it is only described, with nothing shown. */
    claimed_fraction: fraction.default(0.5),
    /** Share earned when the report only says what would happen ("если выключить…"). */
    hypothetical_fraction: fraction.default(0),
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

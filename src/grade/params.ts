/**
 * The grader's tunable choices: the only things leave-one-out evaluation fits. Everything else is
 * fixed vocabulary and structure.
 */
export interface Params {
  /** Pieces of evidence an experiment needs before it counts as evidenced. */
  min_evidence: 1 | 2;
  /** A later timeline or a log that reconnects to a new primary evidences a described failover. */
  failover_trace: boolean;
  /** Statements inside an experiment's passage say it was done, even without a verb of stopping. */
  passage_claims: boolean;
  /** Sentences this far away that name HAProxy make a SPOF or remedy sentence about it. */
  spof_window: 1 | 2;
}

export const DEFAULT_PARAMS: Params = { min_evidence: 1, failover_trace: true, passage_claims: true, spof_window: 2 };

/** Every combination, the defaults first so that ties keep them. */
export function paramGrid(): Params[] {
  const out: Params[] = [];
  for (const min_evidence of [1, 2] as const)
    for (const failover_trace of [true, false])
      for (const passage_claims of [true, false])
        for (const spof_window of [2, 1] as const) out.push({ min_evidence, failover_trace, passage_claims, spof_window });
  return out;
}

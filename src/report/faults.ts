import type { Scenario as ModelScenario } from '../analysis/model.js';
import type { Results } from '../results/types.js';

/** What kind of trouble a run caused, as the fault model names it; 'none' for a run without faults. */
export type Scenario = ModelScenario | 'none';

/** One fault (or switchover) from the moment it took effect to its heal (end_ms null: never healed within the run). */
export interface FaultInterval {
  step: number;
  id?: string;
  /** Fault kind ('kill', 'stop', ...) or 'switchover'. */
  fault: string;
  target: string;
  nodes: string[];
  roles: string[];
  start_ms: number;
  end_ms: number | null;
}

export interface FaultInfo {
  scenario: Scenario;
  /** The first fault injected (the one the course's questions are about), if any. */
  primary: FaultInterval | null;
  all: FaultInterval[];
}

/** The run's faults as analysis' fault model classified them (analysis.faults): the report re-derives nothing. */
export function classifyFault(results: Results): FaultInfo {
  const faults = results.analysis.faults;
  const all: FaultInterval[] = faults.map((f) => ({
    step: f.step,
    ...(f.id !== undefined ? { id: f.id } : {}),
    fault: f.kind,
    target: f.target,
    nodes: f.nodes,
    roles: f.roles,
    start_ms: f.effective_ms,
    end_ms: f.healed_ms,
  }));
  return { scenario: faults[0]?.scenario ?? 'none', primary: all[0] ?? null, all };
}

import { leaderCrash } from '../../test/support/scenarios.js';
import type { Scenario } from '../../test/support/synth.js';

export const DURATION_MS = 120_000;
const KILL_AT_MS = 40_000;

/** The benches' common run: a 120-s leader crash at 1,000 operations per second, observers every 250 ms. */
export function benchScenario(folder: string): Scenario {
  return leaderCrash({
    folder,
    started_at: new Date().toISOString(),
    seed: 1,
    renewed_before_ms: 800,
    kill_at_ms: KILL_AT_MS,
    // leaderCrash's steps end 30.1 s after the kill; the steady tail fills the rest of the 120 s.
    tail_ms: DURATION_MS - KILL_AT_MS - 30_100,
    load: { writers: 4, write_interval_ms: 8, readers: 4, read_interval_ms: 8 },
    observe_interval_ms: 250,
  });
}

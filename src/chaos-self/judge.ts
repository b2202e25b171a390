import type { Attack, KillPoint, PlannedCase } from './plan.js';

/** What one case saw: the runner's exit, the files it left, the machine before and after `down`. */
export interface CaseObservation {
  plan: PlannedCase;
  /** The blow landed (its marker line came); false = the drill ended first. */
  struck: boolean;
  /** The runner's phase when the blow landed (its last marker line). */
  phaseAtStrike: KillPoint | null;
  /** The runner said the cluster was up (a provisional results.json exists from then on). */
  pastUp: boolean;
  exitCode: number | null;
  exitSignal: string | null;
  /** The runner's stderr (its progress and messages). */
  stderr: string;
  timedOut: boolean;
  results: { verdict: string; error?: string } | 'missing' | 'invalid';
  /** Lost acknowledged writes and rows without a record, for a run whose final read was written. */
  ack: { acknowledged: number; lost: number; unexpected: number } | null;
  /** Command lines that showed one of the cluster's passwords, sampled just before the blow; null = not sampled. */
  secretsInArgv: string[] | null;
  leftoversBefore: string[];
  leftoversAfter: string[];
  downExitCode: number | null;
}

export interface Check {
  name: 'bounded' | 'exit' | 'self-teardown' | 'clean-after-down' | 'results' | 'acknowledged-writes' | 'no-secret-in-argv';
  ok: boolean;
  detail: string;
}

const EXPECTED_EXIT: Record<Exclude<Attack, 'disk-full' | 'SIGKILL'>, number> = { SIGINT: 130, SIGTERM: 143, SIGINTx3: 130 };
/** The runner removes everything itself after these; after SIGKILL or a forced exit it cannot. */
const TEARS_DOWN_ITSELF: ReadonlySet<Attack> = new Set(['SIGINT', 'SIGTERM', 'disk-full']);
const DOWN_COMMAND = 'npm run cluster -- down';
const NOT_WRITTEN = 'could not be written';

/** The checks of one case, each with what it saw. Pure. */
export function judge(o: CaseObservation): Check[] {
  const checks: Check[] = [];
  const attack = o.plan.attack;
  checks.push({ name: 'bounded', ok: !o.timedOut, detail: o.timedOut ? 'the runner did not exit in time and was killed' : 'exited in time' });

  const exitSeen = o.exitSignal ? `signal ${o.exitSignal}` : `exit ${o.exitCode}`;
  if (!o.struck) {
    checks.push({ name: 'exit', ok: o.exitCode === 0 || o.exitCode === 1, detail: `not struck (the drill ended first): ${exitSeen}` });
  } else if (attack === 'SIGKILL') {
    checks.push({ name: 'exit', ok: o.exitSignal === 'SIGKILL', detail: exitSeen });
  } else if (attack === 'disk-full') {
    checks.push({ name: 'exit', ok: o.exitCode === 2, detail: `${exitSeen} (expected 2: an error)` });
  } else {
    const want = EXPECTED_EXIT[attack];
    const hint = attack !== 'SIGINTx3' || o.stderr.includes(DOWN_COMMAND);
    checks.push({
      name: 'exit',
      ok: o.exitCode === want && hint,
      detail: `${exitSeen} (expected ${want}${attack === 'SIGINTx3' ? `, naming \`${DOWN_COMMAND}\`` : ''})${hint ? '' : '; no cleanup command printed'}`,
    });
  }

  if (o.struck && TEARS_DOWN_ITSELF.has(attack)) {
    checks.push({
      name: 'self-teardown',
      ok: o.leftoversBefore.length === 0,
      detail: o.leftoversBefore.length ? `left before down: ${o.leftoversBefore.join('; ')}` : 'nothing left when the runner exited',
    });
  }
  checks.push({
    name: 'clean-after-down',
    ok: o.leftoversAfter.length === 0 && o.downExitCode === 0,
    detail: o.leftoversAfter.length ? `left after down: ${o.leftoversAfter.join('; ')}` : o.downExitCode === 0 ? 'nothing left' : `down exited ${o.downExitCode}`,
  });

  if (o.pastUp || !o.struck) {
    const r = o.results;
    const shown = typeof r === 'string' ? r : `verdict ${r.verdict}${r.error ? ` (${r.error})` : ''}`;
    let ok: boolean;
    if (!o.struck) ok = typeof r !== 'string';
    else ok = typeof r !== 'string' && r.verdict === 'error' && Boolean(r.error);
    // A full disk may leave no readable results.json; then the runner must say so.
    if (!ok && attack === 'disk-full' && o.struck) ok = o.stderr.includes(NOT_WRITTEN);
    checks.push({ name: 'results', ok, detail: `results.json: ${shown}${attack === 'disk-full' && o.stderr.includes(NOT_WRITTEN) ? '; the runner said it could not be written' : ''}` });
  }

  if (o.secretsInArgv) {
    checks.push({
      name: 'no-secret-in-argv',
      ok: o.secretsInArgv.length === 0,
      detail: o.secretsInArgv.length ? `a password on a command line: ${o.secretsInArgv.join('; ')}` : 'no password in any command line',
    });
  }
  if (o.ack) {
    checks.push({
      name: 'acknowledged-writes',
      ok: o.ack.lost === 0 && o.ack.unexpected === 0,
      detail: `${o.ack.acknowledged} acknowledged, ${o.ack.lost} lost, ${o.ack.unexpected} rows without a record`,
    });
  }
  return checks;
}

import { InvalidArgumentError } from 'commander';
import { LAB } from '../cluster/local/lab.js';
import type { DriverName } from '../cluster/index.js';

/** Conventional exit status of a process ended by a signal: 128 + its number. */
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };
/** A run that ended in error (not a failed assertion, which is 1). */
export const ERROR_EXIT = 2;

/** What a forced exit may leave behind and the one command that removes it. */
export function leftoverHint(driver: DriverName, source?: string): string {
  if (driver === 'hosts') {
    return `a fault may still be in force on a host until its dead-man timer heals it; heal it now and remove the tool's timers, rules and scratch database with: npm run cluster -- down --hosts ${source ?? '<inventory>'}`;
  }
  const compose = source;
  if (driver === 'docker' || compose) {
    const how = compose ? `--compose ${compose}` : '--driver docker';
    return `the Docker project's containers (possibly paused or cut off their network) and volumes may be left; remove them with: npm run cluster -- down ${how}`;
  }
  const lab = process.env.PATRONI_DRILL_LAB ? `PATRONI_DRILL_LAB=${process.env.PATRONI_DRILL_LAB} ` : '';
  return (
    `processes of the local cluster (possibly frozen or cut off: cgroup ${LAB.cgroup}), its network namespaces ${LAB.prefix}*, ` +
    `its route and links, and ${LAB.base} may be left; remove them with: ${lab}npm run cluster -- down`
  );
}

export interface CliOptions {
  /** Run after the body failed (not after it returned): e.g. `down` after a failed `up`. */
  cleanup?: () => Promise<void>;
  /** Printed when a third signal forces an exit before cleanup finished. */
  leftovers: string;
}

/**
 * Runs a command's body with signal handling and clean error output. The first SIGINT/SIGTERM aborts
 * the body, which heals and tears down; the second says cleanup is still running; the third exits at
 * once and says what may be left and how to remove it. After a signal the exit status is 130 (SIGINT)
 * or 143 (SIGTERM) once cleanup is done, whatever the body's verdict.
 */
export async function runCli(body: (signal: AbortSignal) => Promise<unknown>, opts: CliOptions): Promise<void> {
  const controller = new AbortController();
  let first: NodeJS.Signals | null = null;
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      first = sig;
      console.error(`\n${sig}: stopping, healing and cleaning up… (${sig === 'SIGINT' ? 'Ctrl-C' : sig} twice more to exit at once)`);
      controller.abort(new Error(`interrupted by ${sig}`));
    } else if (count === 2) {
      console.error(`\n${sig}: still cleaning up (healing, final read, teardown can take minutes); once more to exit at once`);
    } else {
      console.error(`\n${sig}: exiting before cleanup finished; ${opts.leftovers}`);
      process.exit(SIGNAL_EXIT[first ?? sig] ?? 130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await body(controller.signal);
  } catch (err) {
    if (opts.cleanup) await opts.cleanup().catch((e: unknown) => console.error(`cleanup failed: ${(e as Error).message}; ${opts.leftovers}`));
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = ERROR_EXIT;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (first) process.exitCode = SIGNAL_EXIT[first] ?? 130;
}

/** Top level of every command: clear one-line errors (a file, line and field, not a stack trace). */
export async function main(parse: () => Promise<unknown>): Promise<void> {
  try {
    await parse();
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = process.exitCode || 1;
  }
}

/** 0 when every run passed, 1 when an assertion failed, ERROR_EXIT when any run ended in error. */
export function exitCodeOf(results: ReadonlyArray<{ verdict: 'pass' | 'fail' | 'error' }>): number {
  if (results.some((r) => r.verdict === 'error')) return ERROR_EXIT;
  return results.some((r) => r.verdict === 'fail') ? 1 : 0;
}

/** commander parser for a count option ("--repeat 3"). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  return n;
}

import { InvalidArgumentError } from 'commander';

/**
 * Runs a command's body with Ctrl-C handling and clean error output: the first SIGINT/SIGTERM aborts
 * the body and runs its cleanup; a second one during cleanup is ignored so cleanup always finishes.
 */
export async function runCli(body: (signal: AbortSignal) => Promise<unknown>, cleanup?: () => Promise<void>): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping and cleaning up…`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await body(controller.signal);
  } catch (err) {
    if (cleanup) await cleanup().catch((e: unknown) => console.error(`cleanup failed: ${(e as Error).message}`));
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = interrupted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
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

/** commander parser for a count option ("--repeat 3"). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got "${value}"`);
  return n;
}

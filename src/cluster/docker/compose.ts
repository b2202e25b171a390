import { execa } from 'execa';

/**
 * Docker Compose as the user has it: the v2 plugin (`docker compose`) or Debian's v1
 * (`docker-compose` 1.29). Both label what they create with the project and service names, which is
 * how the driver finds containers afterwards; neither is asked for anything else.
 */
export interface Compose {
  argv: string[];
  version: string;
}

let found: Compose | undefined;

export async function findCompose(): Promise<Compose> {
  if (found) return found;
  for (const argv of [['docker', 'compose'], ['docker-compose']]) {
    const r = await execa(argv[0]!, [...argv.slice(1), 'version', '--short'], { reject: false, timeout: 20_000 });
    if (r.exitCode === 0 && r.stdout.trim()) {
      found = { argv, version: r.stdout.trim() };
      return found;
    }
  }
  throw new Error('Docker Compose is not installed: `apt-get install docker-compose` (Debian) or install the compose plugin');
}

export interface ComposeTarget {
  file: string;
  /** -p; null lets compose name the project (a user's own file keeps its usual name). */
  project: string | null;
  env?: Record<string, string>;
}

export async function compose(target: ComposeTarget, args: string[], timeoutMs = 300_000): Promise<string> {
  const c = await findCompose();
  const argv = [...c.argv.slice(1), '-f', target.file, ...(target.project ? ['-p', target.project] : []), ...args];
  const r = await execa(c.argv[0]!, argv, { env: target.env, reject: false, timeout: timeoutMs, all: true });
  if (r.exitCode !== 0) {
    const output = (r.all ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(`\`${c.argv.join(' ')} ${argv.join(' ')}\` failed${r.timedOut ? ' (timed out)' : ''}:\n${output}`);
  }
  return r.stdout;
}

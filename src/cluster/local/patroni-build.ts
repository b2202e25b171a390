import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Where `npm run setup -- --patroni <version>` unpacks a second build (scripts/setup.sh). */
export const PATRONI_PREFIX = '/opt/patroni-drill';

/** A Patroni build the local driver can run: its two programs and the environment they need. */
export interface PatroniBuild {
  /** As chosen: "system", a version or a path. */
  choice: string;
  patroni: string;
  patronictl: string;
  /** PYTHONPATH for a build unpacked beside the system's, so its own modules win. */
  env: Record<string, string>;
}

const SYSTEM: PatroniBuild = { choice: 'system', patroni: '/usr/bin/patroni', patronictl: '/usr/bin/patronictl', env: {} };
const VERSION_RE = /^\d+\.\d+(\.\d+)?$/;

const executable = (file: string) => access(file, constants.X_OK).then(() => true, () => false);

/** A build unpacked with dpkg -x into <root>: <root>/usr/bin/patroni and its modules in <root>/usr/lib/python3/dist-packages. */
async function fromBin(choice: string, bin: string): Promise<PatroniBuild> {
  const modules = path.join(bin, '..', 'lib', 'python3', 'dist-packages');
  const unpacked = path.basename(bin) === 'bin' && (await executable(path.join(modules, 'patroni')));
  return {
    choice,
    patroni: path.join(bin, 'patroni'),
    patronictl: path.join(bin, 'patronictl'),
    env: unpacked ? { PYTHONPATH: path.resolve(modules) } : {},
  };
}

export async function buildVersion(b: PatroniBuild): Promise<string | null> {
  const r = await execa(b.patroni, ['--version'], { env: { PATH: '/usr/bin:/bin', ...b.env }, extendEnv: false, reject: false, timeout: 10_000 });
  return /patroni (\S+)/.exec(r.stdout)?.[1] ?? null;
}

/**
 * The build an experiment or `--patroni` chose: nothing = the system's; a version = the system's if
 * it is that version, else the one setup unpacked under PATRONI_PREFIX; a path = that executable.
 */
export async function resolvePatroniBuild(choice: string | undefined): Promise<PatroniBuild> {
  if (!choice || choice === 'system') return SYSTEM;
  if (choice.includes('/')) {
    const file = path.resolve(choice);
    if (!(await executable(file))) throw new Error(`Patroni build ${choice}: ${file} is not an executable`);
    return fromBin(choice, path.dirname(file));
  }
  if (!VERSION_RE.test(choice)) throw new Error(`Patroni build "${choice}": expected a version (e.g. 3.0.2) or the path of a patroni executable`);
  const side = await fromBin(choice, path.join(PATRONI_PREFIX, `patroni-${choice}`, 'usr', 'bin'));
  if (await executable(side.patroni)) return side;
  if ((await buildVersion(SYSTEM)) === choice) return { ...SYSTEM, choice };
  throw new Error(`Patroni ${choice} is not installed (neither the system's nor ${side.patroni}): run \`npm run setup -- --patroni ${choice}\``);
}

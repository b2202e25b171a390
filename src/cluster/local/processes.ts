import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { cgroupPath } from './cgroup.js';
import { nsName } from './netns.js';
import { sleep, waitFor } from '../../util/time.js';

export interface LaunchSpec {
  /** The node whose network namespace it runs in. */
  node: string;
  /** The cgroup it joins: "<node>/<component>". */
  group: string;
  argv: string[];
  /** Run as this system user (PostgreSQL refuses root). */
  user?: string;
  env?: Record<string, string>;
  logFile: string;
}

/**
 * Starts a daemon inside the node's namespace and cgroup, detached from the runner's session so a
 * Ctrl-C in the terminal reaches the runner (which heals and tears down), never the cluster directly.
 * The shell joins the cgroup before exec'ing, so not even an early fork escapes it; every step execs,
 * so the PID returned is the daemon's own.
 *
 * Above it runs `tini -s`, outside the cgroup, as the daemon's child subreaper: Patroni double-forks
 * its postmaster, and an orphan is reaped by whoever adopts it. Under systemd that is at once; this
 * machine's PID 1 left an exited process a zombie for 1.2–1.6 s, and Patroni, which polls the
 * postmaster with psutil (a zombie counts as running), then took its slower shutdown path (sleep 1 s,
 * ask the replicas) before releasing the leader key: a leader-stop measured about 1 s longer here
 * than on a systemd host. tini exits with the daemon and forwards nothing it is not sent.
 */
export async function launch(spec: LaunchSpec): Promise<number> {
  const procs = path.join(await cgroupPath(spec.group), 'cgroup.procs');
  // A clean environment (an inherited PGPASSWORD once beat Patroni's password file for replication),
  // handed over as the environment, not as `env K=V` arguments that `ps` would show.
  const env = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', ...spec.env };
  const argv = [
    'ip', 'netns', 'exec', nsName(spec.node),
    ...(spec.user ? ['setpriv', `--reuid=${spec.user}`, `--regid=${spec.user}`, '--init-groups'] : []),
    ...spec.argv,
  ];
  const pidFile = `${spec.logFile}.pid`;
  await rm(pidFile, { force: true });
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn('tini', ['-s', '--', 'sh', '-c', 'echo $$ > "$0" && echo $$ > "$1" && shift && exec "$@"', procs, pidFile, ...argv], {
      detached: true,
      stdio: ['ignore', log, log],
      env,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${spec.argv[0]} on ${spec.node}`);
  } finally {
    closeSync(log);
  }
  const pid = await waitFor(
    `${spec.argv[0]} on ${spec.node} to start (its PID in ${pidFile})`,
    async () => {
      const text = await readFile(pidFile, 'utf8').catch(() => '');
      return /^\d+\n$/.test(text) ? Number(text) : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 10 },
  );
  await rm(pidFile, { force: true });
  return pid;
}

/** Alive = exists and is not a zombie (a zombie still answers kill -0). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function signalAndWait(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await sleep(50);
  }
  return false;
}

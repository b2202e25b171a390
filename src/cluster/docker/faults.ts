import type Docker from 'dockerode';
import { execa } from 'execa';
import type { NetNs } from '../local/net-faults.js';
import type { FaultTag } from '../types.js';
import { execIn, inspect, sh } from './engine.js';

/**
 * The partial faults on a container. Network faults act inside the container's own network
 * namespace, entered from the host by the container's PID (the runner is root), with the same
 * iptables/htb rules as the local driver: they need nothing in the image and go with the container.
 */
export async function containerNs(docker: Docker, container: string, name: string, address: string): Promise<NetNs> {
  const info = await inspect(docker, container);
  if (!info.State.Running || !info.State.Pid) throw new Error(`${name} is not running: its network namespace cannot be entered`);
  if (info.State.Paused) throw new Error(`${name} is paused: a fault in its network namespace would wait for it`);
  const enter = ['nsenter', '-t', String(info.State.Pid), '-n'];
  // A container reconnected to its network (isolate's heal) has a new interface, named eth1 or
  // later: the interface is the one that holds the node's address now.
  const addrs = await execa(enter[0]!, [...enter.slice(1), 'ip', '-o', '-4', 'addr', 'show']);
  const rows = addrs.stdout.split('\n').map((l) => l.trim().split(/\s+/));
  const dev = (rows.find((r) => r[3]?.split('/')[0] === address) ?? rows.find((r) => r[1] !== 'lo'))?.[1];
  if (!dev) throw new Error(`${name} has no network interface`);
  return { label: `the network namespace of container ${name}`, enter, dev };
}

/**
 * The postmasters in a container: processes named postgres whose parent is not one (the backends'
 * parent is the postmaster). Plain sh and /proc, so it also works in a user's image without procps.
 */
const POSTMASTERS = `for d in /proc/[0-9]*; do
  [ "$(cat "$d/comm" 2>/dev/null)" = postgres ] || continue
  pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$d/status" 2>/dev/null)
  [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = postgres ] && continue
  echo "\${d#/proc/}"
done`;

/** SIGKILL of the postmaster only, from inside the container: Patroni stays and acts on it. */
export async function crashPostgres(docker: Docker, container: string, name: string): Promise<string> {
  const found = await execIn(docker, container, sh(POSTMASTERS));
  const pids = found.stdout.split('\n').filter(Boolean);
  if (pids.length !== 1) throw new Error(`postgres-crash: expected one postmaster in ${name}, found ${pids.length ? pids.join(', ') : 'none'}`);
  const pid = pids[0]!;
  // The verdict asks "a zombie?" before "gone?": asked the other way round, a zombie reaped between
  // the two questions (its directory still there, its status file gone) read as a survivor (CI,
  // twice, 0.4 s into the test).
  const script = 'kill -KILL "$1"; i=0; while [ $i -lt 100 ] && [ -d /proc/$1 ] && ! grep -q "^State:.*Z" /proc/$1/status 2>/dev/null; do sleep 0.05; i=$((i+1)); done; grep -q "^State:.*Z" /proc/$1/status 2>/dev/null || [ ! -d /proc/$1 ]';
  const r = await execIn(docker, container, sh(script, pid));
  if (r.exitCode !== 0) throw new Error(`postmaster ${pid} in ${name} survived SIGKILL for 5 s`);
  return `SIGKILL to the postmaster (PID ${pid} in container ${name}); Patroni left running`;
}

const PERIOD_US = 100_000;

/**
 * A CPU quota on the container through the engine (docker update: cgroup v1 cpu.cfs_quota_us).
 * With several cpu-starve injections open on one container the quota is the smallest of theirs;
 * `open` is the record of them (tag → percent), kept in the driver's state.
 */
export async function setCpuQuota(docker: Docker, container: string, open: Record<FaultTag, number>): Promise<string> {
  const pcts = Object.values(open);
  // -1 is cgroup v1's "no quota"; 0 would mean "leave as is" to the engine.
  const quota = pcts.length ? Math.max(1000, Math.round((PERIOD_US * Math.min(...pcts)) / 100)) : -1;
  await docker.getContainer(container).update({ CpuPeriod: PERIOD_US, CpuQuota: quota });
  return quota < 0 ? 'no CPU quota' : `docker update CpuQuota ${quota}/${PERIOD_US} (${Math.min(...pcts)}% of one core)`;
}

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/**
 * What a lab's cluster may leave behind, looked for by the lab's own names only (its namespace and
 * link prefix, its /24, its cgroup, its folder): another lab on the machine is never counted.
 */
export interface LabNames {
  prefix: string;
  /** "10.213.11." */
  net: string;
  cgroup: string;
  base: string;
}

export interface ProcessInfo {
  pid: number;
  /** /proc/<pid>/cgroup */
  cgroup: string;
  /** /proc/<pid>/cmdline with NULs as spaces */
  cmdline: string;
  /** One letter from /proc/<pid>/stat: R, S, D, T (stopped), Z... */
  state: string;
}

export interface LabSnapshot {
  netns: string;
  links: string;
  routes: string;
  iptables: string;
  processes: ProcessInfo[];
  /** Folders under the lab's cgroup (relative), with their cgroup.freeze value. */
  cgroups: Array<{ group: string; frozen: boolean }>;
  baseExists: boolean;
}

/** Every leftover as one readable line ("process 123 (patroni ...) in cgroup ..."); [] = clean. */
export function findLeftovers(s: LabSnapshot, lab: LabNames): string[] {
  const out: string[] = [];
  for (const ns of s.netns.split('\n').map((l) => l.split(' ')[0] ?? '')) if (ns.startsWith(lab.prefix)) out.push(`network namespace ${ns}`);
  for (const l of s.links.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(l)?.[1];
    if (name?.startsWith(lab.prefix)) out.push(`link ${name}`);
  }
  for (const r of s.routes.split('\n')) if (r.includes(lab.net)) out.push(`route ${r.trim()}`);
  for (const r of s.iptables.split('\n')) {
    if (r.startsWith('-A') && (r.includes(lab.net) || r.includes(`${lab.cgroup}/`))) out.push(`iptables rule ${r.trim()}`);
  }
  const cgroupRe = new RegExp(`/${lab.cgroup.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/|$)`, 'm');
  for (const p of s.processes) {
    // A zombie is dead and holds nothing: it waits for its parent (PID 1, once the runner that
    // started it was killed) to reap it, which no teardown can do for it.
    if (p.state === 'Z' || p.state === 'X') continue;
    const inGroup = cgroupRe.test(p.cgroup);
    if (inGroup || p.cmdline.includes(`${lab.base}/`)) {
      const what = p.state === 'T' ? 'stopped process' : 'process';
      out.push(`${what} ${p.pid} (${p.cmdline.slice(0, 80).trim()})${inGroup ? ` in cgroup ${lab.cgroup}` : ''}`);
    }
  }
  for (const g of s.cgroups) out.push(`cgroup ${lab.cgroup}${g.group ? `/${g.group}` : ''}${g.frozen ? ' (frozen)' : ''}`);
  if (s.baseExists) out.push(`folder ${lab.base}`);
  return out;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const r = await execa(cmd, args, { reject: false });
  return r.stdout ?? '';
}

async function processes(): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const [cgroup, cmdline, statText] = await Promise.all([
        readFile(`/proc/${pid}/cgroup`, 'utf8'),
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
        readFile(`/proc/${pid}/stat`, 'utf8'),
      ]);
      const state = statText.slice(statText.lastIndexOf(')') + 2, statText.lastIndexOf(')') + 3);
      out.push({ pid, cgroup, cmdline: cmdline.replace(/\0/g, ' '), state });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

async function cgroupTree(root: string): Promise<Array<{ group: string; frozen: boolean }>> {
  const out: Array<{ group: string; frozen: boolean }> = [];
  const walk = async (dir: string) => {
    const frozen = (await readFile(path.join(dir, 'cgroup.freeze'), 'utf8').catch(() => '0')).trim() === '1';
    out.push({ group: path.relative(root, dir), frozen });
    for (const d of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (d.isDirectory()) await walk(path.join(dir, d.name));
  };
  if (await stat(root).then(() => true, () => false)) await walk(root);
  return out;
}

/** The machine as it is now, seen through the lab's names; `labCgroup` is the lab's cgroup v2 folder. */
export async function snapshot(lab: LabNames, labCgroup: string): Promise<LabSnapshot> {
  const [netns, links, routes, iptables, procs, cgroups, baseExists] = await Promise.all([
    run('ip', ['netns', 'list']),
    run('ip', ['-o', 'link', 'show']),
    run('ip', ['route', 'show', 'table', 'all']),
    run('iptables-save', []),
    processes(),
    cgroupTree(labCgroup),
    stat(lab.base).then(() => true, () => false),
  ]);
  return { netns, links, routes, iptables, processes: procs, cgroups, baseExists };
}

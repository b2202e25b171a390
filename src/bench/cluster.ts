/**
 * Cold start, teardown and idle memory of the local cluster, measured on the real thing.
 * Run: npm run bench -- cluster [--runs N] [--profile course|production]
 */
import { readFile } from 'node:fs/promises';
import * as cgroup from '../cluster/local/cgroup.js';
import { LocalDriver } from '../cluster/local/driver.js';
import { profileSpec } from '../cluster/profiles.js';
import { sleep } from '../util/time.js';

interface Memory {
  rssMb: number;
  pssMb: number;
  byComponent: Record<string, number>;
}

async function kb(file: string, field: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** RSS double-counts PostgreSQL's shared memory in every backend; PSS shares it out fairly. */
async function clusterMemory(groups: string[]): Promise<Memory> {
  let rss = 0;
  let pss = 0;
  const byComponent: Record<string, number> = {};
  for (const g of groups) {
    const component = g.split('/')[1] ?? g;
    for (const pid of await cgroup.pids(g)) {
      const r = await kb(`/proc/${pid}/status`, 'VmRSS');
      const p = await kb(`/proc/${pid}/smaps_rollup`, 'Pss');
      rss += r;
      pss += p;
      byComponent[component] = (byComponent[component] ?? 0) + p / 1024;
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, byComponent };
}

export async function benchCluster(runs: number, profile: string): Promise<void> {
  const driver = new LocalDriver();
  const ups: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await driver.down();
    let t = performance.now();
    const access = await driver.up(profileSpec(profile));
    ups.push(performance.now() - t);
    await sleep(10_000);
    const groups = access.nodes.flatMap((n) => {
      const components = n.kind === 'patroni' ? ['patroni', 'pgbouncer'] : n.kind === 'haproxy' ? ['haproxy', 'keepalived'] : ['etcd'];
      return components.map((c) => `${n.name}/${c}`);
    });
    const mem = await clusterMemory(groups);
    t = performance.now();
    await driver.down();
    downs.push(performance.now() - t);
    const parts = Object.entries(mem.byComponent).map(([c, mb]) => `${c} ${mb.toFixed(0)}`).join(', ');
    console.log(
      `run ${i + 1}: up ${(ups[i]! / 1000).toFixed(1)} s, down ${(downs[i]! / 1000).toFixed(1)} s, idle memory RSS ${mem.rssMb.toFixed(0)} MB, PSS ${mem.pssMb.toFixed(0)} MB (${parts})`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`median of ${runs}: cold start to healthy ${(median(ups) / 1000).toFixed(1)} s, teardown ${(median(downs) / 1000).toFixed(1)} s`);
}

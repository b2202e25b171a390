/**
 * How long a report of a long, busy run takes: synthesises a 120-s leader crash at 1,000
 * operations per second (500 writes/s + 500 reads/s, observers every 250 ms) into a temporary
 * folder, renders it twice, and prints wall and CPU time, peak RSS and the report's sizes.
 * Run: npm run bench -- report
 *
 * The run is written by a child process, so the render is measured as `npm run report` sees it:
 * a process holding nothing but the report. CPU time is printed beside wall time because a busy
 * machine (clusters running beside) stretches the wall time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRunReport } from '../report/render.js';
import { synthesise, writeRun } from '../../test/support/synth.js';
import { benchScenario } from './scenario.js';

async function writeBenchRun(dir: string): Promise<void> {
  const scenario = benchScenario(path.basename(dir));
  const run = synthesise(scenario);
  await writeRun(dir, run, scenario);
  const ops = run.history.filter((r) => r.type === 'op').length;
  console.log(`run: ${(scenario.duration_ms / 1000).toFixed(1)} s, ${ops} operations (${Math.round(ops / (scenario.duration_ms / 1000))}/s), ${run.history.length} records`);
}

if (process.argv[2] === 'write') {
  await writeBenchRun(process.argv[3]!);
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'patroni-drill-bench-'));
  try {
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'write', dir], { stdio: 'inherit' });
    console.log(`history.ndjson ${((await stat(path.join(dir, 'history.ndjson'))).size / 1e6).toFixed(1)} MB`);
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    // The first render also loads Chart.js into each canvas renderer and compiles the templates;
    // the second is what each further run costs when many are rendered in one process.
    for (const label of ['first render', 'second render']) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await renderRunReport(dir);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      let png = 0;
      for (const f of out.pngs) png += (await stat(f)).size;
      console.log(
        `${label}: ${Math.round(wall)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU; ` +
          `report.html ${mb(Buffer.byteLength(out.html))}, report.md ${(Buffer.byteLength(out.md) / 1e3).toFixed(1)} KB, ${out.pngs.length} PNGs ${mb(png)}`,
      );
    }
    console.log(`peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

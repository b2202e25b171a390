/**
 * Time and memory of analyse() on a synthetic 120 s run at 1,000 writes/s with observers at 4 Hz on
 * 3 nodes. Run: npx tsx src/analysis/bench.ts [runs]
 */
import { syntheticRun } from '../../test/unit/analysis/synthetic.js';
import { analyse } from './index.js';

const MB = 1024 * 1024;
const rssMb = (): string => (process.memoryUsage().rss / MB).toFixed(0);
const peakMb = (): string => (process.resourceUsage().maxRSS / 1024).toFixed(0);

const runs = Number(process.argv[2] ?? 5);
let t = performance.now();
const run = syntheticRun({ durationMs: 120_000, writesPerSecond: 1000, observerHz: 4 });
const ops = run.history.filter((r) => r.type === 'op').length;
console.log(
  `synthetic run: ${run.history.length} records (${ops} ops, ${run.final?.rows.length ?? 0} rows) ` +
    `built in ${(performance.now() - t).toFixed(0)} ms; RSS ${rssMb()} MB, peak ${peakMb()} MB`,
);

// CPU time next to wall time: on a busy machine the wall clock mostly measures the neighbours.
const times: Array<{ wall: number; cpu: number }> = [];
let windows = 0;
for (let i = 0; i < runs; i++) {
  t = performance.now();
  const cpu = process.cpuUsage();
  const a = analyse(run);
  const used = process.cpuUsage(cpu);
  times.push({ wall: performance.now() - t, cpu: (used.user + used.system) / 1000 });
  windows = a.writes.windows.length;
}
const median = (k: 'wall' | 'cpu'): string => [...times].sort((a, b) => a[k] - b[k])[Math.floor(runs / 2)]![k].toFixed(0);
console.log(
  `analyse(): first ${times[0]!.wall.toFixed(0)} ms (${times[0]!.cpu.toFixed(0)} ms CPU), ` +
    `median of ${runs} ${median('wall')} ms (${median('cpu')} ms CPU), ${windows} write window; ` +
    `RSS ${rssMb()} MB, peak RSS ${peakMb()} MB`,
);

/**
 * Time and memory of analyse() on a synthetic 120-s leader crash at 1,000 operations per second
 * with observers every 250 ms — the same run the report bench renders.
 * Run: npm run bench -- analysis
 */
import os from 'node:os';
import { analyse } from '../analysis/index.js';
import { synthesise } from '../../test/support/synth.js';
import { benchScenario } from './scenario.js';

const MB = 1024 * 1024;
const RUNS = 5;

const scenario = benchScenario('bench');
const { meta, history, final } = synthesise(scenario);
const ops = history.filter((r) => r.type === 'op').length;
console.log(`run: ${history.length} records (${ops} operations, ${final?.rows.length ?? 0} rows); RSS ${(process.memoryUsage().rss / MB).toFixed(0)} MB`);

// CPU time beside wall time: on a busy machine the wall clock mostly measures the neighbours.
const times: Array<{ wall: number; cpu: number }> = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  analyse({ meta, history, final });
  const used = process.cpuUsage(cpu);
  times.push({ wall: performance.now() - t, cpu: (used.user + used.system) / 1000 });
}
const median = (k: 'wall' | 'cpu') => [...times].sort((a, b) => a[k] - b[k])[Math.floor(RUNS / 2)]![k].toFixed(0);
console.log(`analyse(): median of ${RUNS} ${median('wall')} ms wall, ${median('cpu')} ms CPU; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${os.loadavg()[0]!.toFixed(1)}`);

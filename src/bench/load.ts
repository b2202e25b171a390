/**
 * How fast the load generator can sample: writers (and one reader) at rate 'max' for 5 s against
 * a throwaway local PostgreSQL 15. Run as root: `npm run bench -- load`.
 */
import { History } from '../history/store.js';
import type { OperationRecord } from '../history/types.js';
import { prepareTable, startLoad } from '../load/index.js';
import { ScratchPostgres } from '../../test/support/scratch-postgres.js';
import type { LoadOptions } from '../load/types.js';

const DURATION_MS = 5000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function measure(pg: ScratchPostgres, label: string, shape: Pick<LoadOptions, 'writers' | 'readers'>): Promise<void> {
  await prepareTable(pg.endpoint, pg.credentials);
  const history = new History();
  const load = await startLoad(
    {
      ...shape,
      rw_readers: { count: 0, rate: 'max' },
      op_timeout_ms: 2000,
      connect_timeout_ms: 2000,
      backoff: { initial_ms: 50, max_ms: 1000 },
      max_in_flight: 1,
    },
    { write: pg.endpoint, read: pg.endpoint, credentials: pg.credentials, nodeByAddress: { [pg.endpoint.host]: 'scratch' } },
    history,
  );
  await new Promise((r) => setTimeout(r, DURATION_MS));
  await load.stop();
  const ops = history.records.filter((r): r is OperationRecord => r.type === 'op');
  const ok = ops.filter((r) => r.outcome === 'ok');
  const latencies = ok.map((r) => r.end_ms - r.start_ms).sort((a, b) => a - b);
  const span_s = (Math.max(...ops.map((r) => r.end_ms)) - Math.min(...ops.map((r) => r.start_ms))) / 1000;
  console.log(
    [
      label.padEnd(22),
      `${(ok.length / span_s).toFixed(0).padStart(6)} ops/s`,
      `p50 ${percentile(latencies, 50).toFixed(2)} ms`,
      `p99 ${percentile(latencies, 99).toFixed(2)} ms`,
      `not ok ${ops.length - ok.length}`,
    ].join('  '),
  );
}

const port = Number(process.argv[2] ?? 55433);
const pg = await ScratchPostgres.create(port);
try {
  console.log(`PostgreSQL 15 on ${pg.endpoint.host}:${port}, ${DURATION_MS / 1000} s per shape, rate 'max'`);
  await measure(pg, '1 writer', { writers: { count: 1, rate: 'max' }, readers: { count: 0, rate: 'max' } });
  await measure(pg, '4 writers', { writers: { count: 4, rate: 'max' }, readers: { count: 0, rate: 'max' } });
  await measure(pg, '1 reader', { writers: { count: 0, rate: 'max' }, readers: { count: 1, rate: 'max' } });
} finally {
  await pg.destroy();
}

import type { OperationRecord, Port } from '../history/types.js';
import { classifyConnectError, classifyQueryError, classifyTimeout, resolveNode, type Classified } from './classify.js';
import { PgConnection, type Settled } from './connection.js';
import { backoffMs, mayStart, nextSlot } from './schedule.js';
import { INSERT_SQL, READ_SQL } from './table.js';
import type { BackoffSpec, DbCredentials, Endpoint, OpSink } from './types.js';

export interface WorkerConfig {
  /** e.g. "writer-1", "reader-2", "rw-reader-1" */
  name: string;
  op: 'write' | 'read';
  port: Exclude<Port, 'direct'>;
  endpoint: Endpoint;
  credentials: DbCredentials;
  nodeByAddress: Record<string, string>;
  /** Prefix of every key this worker writes, unique to the run. */
  run_tag: string;
  interval_ms: number;
  first_ms: number;
  /** This worker's place among the `lanes` workers of its kind, staggered over one interval. */
  lane: number;
  lanes: number;
  op_timeout_ms: number;
  connect_timeout_ms: number;
  backoff: BackoffSpec;
  /** Attempts a worker may have going at once (1 at rate 'max'). */
  max_in_flight: number;
}

interface WriteRow {
  id: string | null;
  addr: string | null;
}

interface ReadRow extends WriteRow {
  rec: boolean | null;
}

/**
 * One client doing one kind of operation on a schedule until stopped. Every attempt becomes exactly
 * one OperationRecord; nothing a server or the network does makes it throw.
 *
 * Attempts keep starting while earlier ones hang connecting: behind HAProxy a connection can hang
 * for its whole connect timeout (the 1 s turn-around before a retry to a server that refused), and a
 * worker that waited for it would leave that second unsampled, blind to the moment the new primary
 * took connections. But each hung connection is a session HAProxy keeps working on after the client
 * gave up, so while its attempts hang a worker takes only every lanes-th of its slots, in turn with
 * the others of its kind: together they still sample the hang every interval × (1 + 1/lanes), at a
 * lanes-th of the rate (an attempt every slot piled 200 abandoned sessions onto HAProxy during a
 * PostgreSQL crash and held writes out 8 s after PostgreSQL was back). A query holds a server
 * backend, so none starts while one of the worker's own is unanswered: a server that stalls its
 * queries is sampled by the stalled query, which returns the moment the server does.
 */
export class Worker {
  /** A connection kept for the next attempt; more are opened only while attempts overlap. */
  private idle: PgConnection | null = null;
  private readonly running = new Set<Promise<void>>();
  private readonly closing = new Set<Promise<void>>();
  private querying = 0;
  private failures = 0;
  private lastFailEnd = -Infinity;
  private stopping = false;
  private wake: (() => void) | null = null;
  private seq = 0;

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly sink: OpSink,
  ) {}

  /** Resolves after stop() once the last attempt is recorded and every connection is closed. */
  async run(): Promise<void> {
    const { cfg } = this;
    let planned = cfg.first_ms;
    try {
      for (;;) {
        await this.sleepUntil(planned);
        // A slot due within the backoff after a failure waits for its end rather than being skipped:
        // skipping would thin the sampling exactly where the outage ends.
        await this.sleepUntil(this.lastFailEnd + backoffMs(this.failures, cfg.backoff));
        if (this.stopping) break;
        const start = mayStart({
          in_flight: this.running.size,
          querying: this.querying,
          max_in_flight: cfg.interval_ms > 0 ? cfg.max_in_flight : 1,
          turn: cfg.interval_ms > 0 ? Math.round((planned - cfg.first_ms) / cfg.interval_ms) % cfg.lanes === cfg.lane : true,
        });
        const launched = start ? this.launch() : null;
        if (cfg.interval_ms > 0) {
          planned = nextSlot(planned, cfg.interval_ms, this.sink.now());
        } else {
          // Back to back: the next attempt follows this one (after the backoff above if it failed).
          await launched;
          planned = this.sink.now();
        }
      }
      await Promise.all(this.running);
    } finally {
      const c = this.idle;
      this.idle = null;
      await Promise.all([c?.close(Math.min(cfg.op_timeout_ms, 1000)), ...this.closing]);
    }
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private launch(): Promise<void> {
    const p = this.attempt().then((rec) => {
      this.sink.add(rec);
      if (rec.outcome === 'ok') this.failures = 0;
      else {
        this.failures++;
        this.lastFailEnd = Math.max(this.lastFailEnd, rec.end_ms);
      }
    });
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }

  private sleepUntil(t_ms: number): Promise<void> {
    const delay = t_ms - this.sink.now();
    if (delay <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, delay);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** The kept connection if it is still good, else a new one. */
  private async connection(): Promise<Settled<PgConnection>> {
    const kept = this.idle;
    this.idle = null;
    if (kept?.usable) return { kind: 'ok', value: kept };
    kept?.destroy();
    const { cfg } = this;
    return PgConnection.open(cfg.endpoint, cfg.credentials, `patroni-drill ${cfg.name}`, cfg.connect_timeout_ms);
  }

  /** Keeps one connection for the next attempt; those overlapping attempts opened are closed. */
  private release(conn: PgConnection): void {
    if (!this.idle && !this.stopping) {
      this.idle = conn;
      return;
    }
    const p = conn.close(Math.min(this.cfg.op_timeout_ms, 1000));
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  private async attempt(): Promise<OperationRecord> {
    const { cfg } = this;
    const rec: OperationRecord = {
      type: 'op',
      worker: cfg.name,
      op: cfg.op,
      port: cfg.port,
      start_ms: this.sink.now(),
      end_ms: 0,
      outcome: 'ok',
    };
    if (cfg.op === 'write') rec.key = `${cfg.run_tag}-${cfg.name}-${++this.seq}`;
    const fail = (c: Classified): OperationRecord => {
      rec.end_ms = this.sink.now();
      rec.outcome = c.outcome;
      rec.error = c.error;
      return rec;
    };

    let sent = false;
    let conn: PgConnection | null = null;
    try {
      const opened = await this.connection();
      if (opened.kind === 'timeout') return fail(classifyTimeout('connect', cfg.op, cfg.connect_timeout_ms));
      if (opened.kind === 'error') return fail(classifyConnectError(opened.error));
      conn = opened.value;

      sent = true;
      const query =
        cfg.op === 'write' ? { text: INSERT_SQL, values: [rec.key, cfg.name] } : { text: READ_SQL };
      this.querying++;
      const res = await conn.query<ReadRow>(query, cfg.op_timeout_ms).finally(() => this.querying--);
      if (res.kind !== 'ok') {
        // Whatever the error, a fresh connection is the safer next step: after a read-only error it
        // may reach the new leader, after a timeout the old one is gone.
        conn.destroy();
        return fail(
          res.kind === 'timeout'
            ? classifyTimeout('query', cfg.op, cfg.op_timeout_ms)
            : classifyQueryError(res.error, cfg.op),
        );
      }

      rec.end_ms = this.sink.now();
      this.release(conn);
      const row = res.value.rows[0];
      if (row?.id != null) rec.id = Number(row.id);
      const node = resolveNode(row?.addr, cfg.nodeByAddress);
      if (node !== undefined) rec.node = node;
      if (cfg.op === 'read' && row?.rec != null) rec.in_recovery = row.rec;
      return rec;
    } catch (err) {
      // Not a server's answer but a client-side surprise: doubt for a write that may have gone out.
      conn?.destroy();
      const message = err instanceof Error ? err.message : String(err);
      return fail({
        outcome: sent && cfg.op === 'write' ? 'indeterminate' : 'failed',
        error: { class: 'other', message },
      });
    }
  }
}

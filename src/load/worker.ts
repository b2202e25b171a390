import type { History } from '../history/store.js';
import type { OperationRecord, Port } from '../history/types.js';
import { classifyConnectError, classifyQueryError, classifyTimeout, resolveNode, type Classified } from './classify.js';
import { PgConnection } from './connection.js';
import { nextStart } from './schedule.js';
import { INSERT_SQL, READ_SQL } from './table.js';
import type { BackoffSpec, DbCredentials, Endpoint } from './types.js';

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
  op_timeout_ms: number;
  connect_timeout_ms: number;
  backoff: BackoffSpec;
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
 */
export class Worker {
  private conn: PgConnection | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private seq = 0;

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly history: History,
    private readonly onRecord: () => void,
  ) {}

  /** Resolves after stop() once the last attempt is recorded and the connection is closed. */
  async run(): Promise<void> {
    let planned = this.cfg.first_ms;
    let failures = 0;
    try {
      for (;;) {
        await this.sleepUntil(planned);
        if (this.stopping) break;
        const rec = await this.attempt();
        this.history.add(rec);
        this.onRecord();
        failures = rec.outcome === 'ok' ? 0 : failures + 1;
        planned = nextStart({
          planned_ms: planned,
          ended_ms: rec.end_ms,
          interval_ms: this.cfg.interval_ms,
          failures,
          backoff: this.cfg.backoff,
        });
      }
    } finally {
      const c = this.conn;
      this.conn = null;
      await c?.close(Math.min(this.cfg.op_timeout_ms, 1000));
    }
  }

  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private sleepUntil(t_ms: number): Promise<void> {
    const delay = t_ms - this.history.now();
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

  private dropConnection(): void {
    this.conn?.destroy();
    this.conn = null;
  }

  private async attempt(): Promise<OperationRecord> {
    const { cfg } = this;
    const rec: OperationRecord = {
      type: 'op',
      worker: cfg.name,
      op: cfg.op,
      port: cfg.port,
      start_ms: this.history.now(),
      end_ms: 0,
      outcome: 'ok',
    };
    if (cfg.op === 'write') rec.key = `${cfg.run_tag}-${cfg.name}-${++this.seq}`;
    const fail = (c: Classified): OperationRecord => {
      rec.end_ms = this.history.now();
      rec.outcome = c.outcome;
      rec.error = c.error;
      return rec;
    };

    let sent = false;
    try {
      if (!this.conn?.usable) {
        this.dropConnection();
        const opened = await PgConnection.open(
          cfg.endpoint,
          cfg.credentials,
          `patroni-drill ${cfg.name}`,
          cfg.connect_timeout_ms,
        );
        if (opened.kind === 'timeout') return fail(classifyTimeout('connect', cfg.op, cfg.connect_timeout_ms));
        if (opened.kind === 'error') return fail(classifyConnectError(opened.error));
        this.conn = opened.value;
      }

      sent = true;
      const query =
        cfg.op === 'write' ? { text: INSERT_SQL, values: [rec.key, cfg.name] } : { text: READ_SQL };
      const res = await this.conn.query<ReadRow>(query, cfg.op_timeout_ms);
      if (res.kind !== 'ok') {
        // Whatever the error, a fresh connection is the safer next step: after a read-only error it
        // may reach the new leader, after a timeout the old one is gone.
        this.dropConnection();
        return fail(
          res.kind === 'timeout'
            ? classifyTimeout('query', cfg.op, cfg.op_timeout_ms)
            : classifyQueryError(res.error, cfg.op),
        );
      }

      rec.end_ms = this.history.now();
      const row = res.value.rows[0];
      if (row?.id != null) rec.id = Number(row.id);
      const node = resolveNode(row?.addr, cfg.nodeByAddress);
      if (node !== undefined) rec.node = node;
      if (cfg.op === 'read' && row?.rec != null) rec.in_recovery = row.rec;
      return rec;
    } catch (err) {
      // Not a server's answer but a client-side surprise: doubt for a write that may have gone out.
      this.dropConnection();
      const message = err instanceof Error ? err.message : String(err);
      return fail({
        outcome: sent && cfg.op === 'write' ? 'indeterminate' : 'failed',
        error: { class: 'other', message },
      });
    }
  }
}

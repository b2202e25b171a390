/** What the runner hands the load generator, and what it gets back. */

import type { DbCredentials, Endpoint } from '../cluster/types.js';
import type { OperationRecord } from '../history/types.js';

export type { DbCredentials, Endpoint };

/** `rate` is operations per second per worker; 'max' runs them back to back. */
export interface WorkerSpec {
  count: number;
  rate: number | 'max';
}

export interface BackoffSpec {
  initial_ms: number;
  max_ms: number;
}

export interface LoadOptions {
  writers: WorkerSpec;
  /** Read through the read port (replicas). */
  readers: WorkerSpec;
  /** Read through the write port, as the course's traffic generator does. */
  rw_readers: WorkerSpec;
  op_timeout_ms: number;
  connect_timeout_ms: number;
  backoff: BackoffSpec;
  /** Attempts one worker may have going at once while earlier ones hang connecting. */
  max_in_flight: number;
}

export interface LoadTarget {
  write: Endpoint;
  read: Endpoint;
  credentials: DbCredentials;
  /** inet_server_addr() text → node name, to record which member served an operation */
  nodeByAddress: Record<string, string>;
}

/** Where workers read the run's clock and leave their records. */
export interface OpSink {
  now(): number;
  add(record: OperationRecord): void;
}

export interface LoadHandle {
  /**
   * Stops scheduling, lets in-flight attempts finish or time out (at most connect_timeout_ms +
   * op_timeout_ms), closes every connection. Safe to call more than once.
   */
  stop(): Promise<void>;
  /** ops recorded so far */
  readonly count: number;
}

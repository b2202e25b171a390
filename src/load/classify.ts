import type { ClientError, Outcome } from '../history/types.js';

/**
 * Turns what the PostgreSQL client saw into Jepsen's three outcomes. The rule that matters: a write
 * is 'failed' only when it certainly did not commit; when in doubt it is 'indeterminate', and the
 * final read decides. Reads change nothing, so a read that got no answer is simply 'failed' (as
 * Jepsen does for idempotent operations).
 */

export type OpKind = 'write' | 'read';

/** Where the attempt was when it went wrong: before the statement was sent, or after. */
export type Phase = 'connect' | 'query';

export interface Classified {
  outcome: Outcome;
  error: ClientError;
}

/**
 * SQLSTATE classes whose errors abort an autocommit statement before it commits: data exception,
 * integrity violation, invalid transaction state (25006 read-only), transaction rollback, syntax or
 * access rule violation.
 */
const DEFINITE_CLASSES = new Set(['22', '23', '25', '40', '42']);
/** Class 40's statement_completion_unknown says, by name, that nobody knows. */
const UNKNOWN_COMPLETION = '40003';

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  severity?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : {};
}

function messageOf(err: unknown): string {
  const m = asErrorLike(err).message;
  if (typeof m === 'string' && m !== '') return m;
  return String(err);
}

/**
 * The SQLSTATE if the server sent one. Node's socket errors also carry a `code` (EPIPE is five
 * capitals too), so only an error with the server's severity field counts.
 */
export function sqlstateOf(err: unknown): string | undefined {
  const e = asErrorLike(err);
  if (typeof e.severity !== 'string' || typeof e.code !== 'string') return undefined;
  return /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}

function syscallCode(err: unknown): string | undefined {
  const code = asErrorLike(err).code;
  return typeof code === 'string' && sqlstateOf(err) === undefined ? code : undefined;
}

function clientError(cls: string, err: unknown, sqlstate?: string): ClientError {
  const e: ClientError = { class: cls, message: messageOf(err) };
  if (sqlstate !== undefined) e.sqlstate = sqlstate;
  return e;
}

/** Nothing was sent before the connection was ready, so every connect error is a definite failure. */
export function classifyConnectError(err: unknown): Classified {
  const sqlstate = sqlstateOf(err);
  if (sqlstate !== undefined) {
    // 28000 invalid_authorization_specification, 28P01 invalid_password.
    const cls = sqlstate.startsWith('28') ? 'auth' : 'other';
    return { outcome: 'failed', error: clientError(cls, err, sqlstate) };
  }
  const code = syscallCode(err);
  let cls = 'other';
  if (code === 'ECONNREFUSED') cls = 'connect_refused';
  else if (code === 'ETIMEDOUT') cls = 'connect_timeout';
  else if (code === 'ECONNRESET' || code === 'EPIPE' || /terminated/i.test(messageOf(err))) {
    // A proxy with no backend accepts the TCP connection and closes it at once.
    cls = 'connect_reset';
  }
  return { outcome: 'failed', error: clientError(cls, err) };
}

/** An error after the statement was sent. */
export function classifyQueryError(err: unknown, op: OpKind): Classified {
  const sqlstate = sqlstateOf(err);
  const doubt: Outcome = op === 'write' ? 'indeterminate' : 'failed';
  if (sqlstate === undefined) {
    // No answer from the server: the socket broke or the client gave up; the commit may have happened.
    return { outcome: doubt, error: clientError('connection_lost', err) };
  }
  if (DEFINITE_CLASSES.has(sqlstate.slice(0, 2)) && sqlstate !== UNKNOWN_COMPLETION) {
    return { outcome: 'failed', error: clientError(sqlstate === '25006' ? 'read_only' : 'sql', err, sqlstate) };
  }
  // Everything else stays in doubt for a write: 57P01/57P02 end the session even while a commit
  // waits for a synchronous standby, after it is already durable locally.
  const severity = asErrorLike(err).severity;
  const fatal = severity === 'FATAL' || severity === 'PANIC';
  return { outcome: doubt, error: clientError(fatal ? 'connection_lost' : 'sql', err, sqlstate) };
}

/** The client-side timer expired. Before the statement was sent nothing can have happened. */
export function classifyTimeout(phase: Phase, op: OpKind, timeoutMs: number): Classified {
  if (phase === 'connect') {
    return {
      outcome: 'failed',
      error: { class: 'connect_timeout', message: `no connection within ${timeoutMs} ms` },
    };
  }
  return {
    outcome: op === 'write' ? 'indeterminate' : 'failed',
    error: { class: 'timeout', message: `no answer within ${timeoutMs} ms` },
  };
}

/**
 * Name of the member that served an operation. `inet_server_addr()::text` carries a prefix length
 * ("10.0.0.2/32"), while a driver may key its map either way.
 */
export function resolveNode(addr: string | null | undefined, nodeByAddress: Record<string, string>): string | undefined {
  if (addr == null || addr === '') return undefined;
  const bare = addr.replace(/\/\d+$/, '');
  return nodeByAddress[addr] ?? nodeByAddress[bare] ?? bare;
}

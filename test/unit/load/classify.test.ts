import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  classifyConnectError,
  classifyQueryError,
  classifyTimeout,
  resolveNode,
  sqlstateOf,
} from '../../../src/load/classify.js';

/** What pg rejects with when the server sends an ErrorResponse. */
function serverError(code: string, message: string, severity = 'ERROR'): pg.DatabaseError {
  const err = new pg.DatabaseError(message, 0, 'error');
  err.code = code;
  err.severity = severity;
  return err;
}

/** What Node's net module rejects with. */
function socketError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno: -1, syscall: 'connect' });
}

describe('sqlstateOf', () => {
  it('takes the code of a server error', () => {
    expect(sqlstateOf(serverError('25006', 'read-only'))).toBe('25006');
  });
  it('does not mistake a socket error code for a SQLSTATE', () => {
    expect(sqlstateOf(socketError('EPIPE', 'write EPIPE'))).toBeUndefined();
    expect(sqlstateOf(socketError('ECONNRESET', 'read ECONNRESET'))).toBeUndefined();
  });
  it('accepts plain objects shaped like a pg error', () => {
    expect(sqlstateOf({ code: '57P01', severity: 'FATAL', message: 'x' })).toBe('57P01');
    expect(sqlstateOf({ code: 'not-a-state', severity: 'ERROR' })).toBeUndefined();
    expect(sqlstateOf('boom')).toBeUndefined();
  });
});

describe('classifyConnectError: nothing was sent, so always failed', () => {
  it.each([
    [socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5000'), 'connect_refused'],
    [socketError('ETIMEDOUT', 'connect ETIMEDOUT'), 'connect_timeout'],
    [socketError('ECONNRESET', 'read ECONNRESET'), 'connect_reset'],
    [new Error('Connection terminated unexpectedly'), 'connect_reset'],
    [socketError('EHOSTUNREACH', 'connect EHOSTUNREACH'), 'other'],
  ])('%s → %s', (err, cls) => {
    const c = classifyConnectError(err);
    expect(c.outcome).toBe('failed');
    expect(c.error.class).toBe(cls);
    expect(c.error.sqlstate).toBeUndefined();
    expect(c.error.message).toBe(err.message);
  });

  it('authentication errors are auth, with the SQLSTATE', () => {
    const c = classifyConnectError(serverError('28P01', 'password authentication failed for user "x"', 'FATAL'));
    expect(c).toEqual({
      outcome: 'failed',
      error: { class: 'auth', sqlstate: '28P01', message: 'password authentication failed for user "x"' },
    });
  });

  it('a server still starting up keeps its SQLSTATE under class other', () => {
    const c = classifyConnectError(serverError('57P03', 'the database system is starting up', 'FATAL'));
    expect(c.outcome).toBe('failed');
    expect(c.error).toMatchObject({ class: 'other', sqlstate: '57P03' });
  });
});

describe('classifyQueryError', () => {
  it.each(['22P02', '23505', '25006', '40001', '40P01', '42P01'])('%s is a definite failure of a write', (code) => {
    expect(classifyQueryError(serverError(code, 'no'), 'write').outcome).toBe('failed');
  });

  it('read-only gets its own class', () => {
    const c = classifyQueryError(serverError('25006', 'cannot execute INSERT in a read-only transaction'), 'write');
    expect(c.error).toMatchObject({ class: 'read_only', sqlstate: '25006' });
  });

  it('other definite errors are class sql', () => {
    expect(classifyQueryError(serverError('42P01', 'relation does not exist'), 'write').error.class).toBe('sql');
  });

  it('statement_completion_unknown (40003) stays in doubt despite its class', () => {
    expect(classifyQueryError(serverError('40003', 'unknown'), 'write').outcome).toBe('indeterminate');
  });

  it.each(['57P01', '57P02'])('%s (shutdown while the commit may be local) is indeterminate for a write', (code) => {
    const c = classifyQueryError(serverError(code, 'terminating connection', 'FATAL'), 'write');
    expect(c.outcome).toBe('indeterminate');
    expect(c.error).toMatchObject({ class: 'connection_lost', sqlstate: code });
  });

  it('a lost connection without SQLSTATE is indeterminate for a write, failed for a read', () => {
    const err = new Error('Connection terminated unexpectedly');
    expect(classifyQueryError(err, 'write')).toEqual({
      outcome: 'indeterminate',
      error: { class: 'connection_lost', message: 'Connection terminated unexpectedly' },
    });
    expect(classifyQueryError(err, 'read').outcome).toBe('failed');
    expect(classifyQueryError(socketError('ECONNRESET', 'read ECONNRESET'), 'write').outcome).toBe('indeterminate');
  });

  it('an error of a class not known to abort stays in doubt for a write', () => {
    const c = classifyQueryError(serverError('57014', 'canceling statement due to user request'), 'write');
    expect(c.outcome).toBe('indeterminate');
    expect(c.error).toMatchObject({ class: 'sql', sqlstate: '57014' });
    expect(classifyQueryError(serverError('57014', 'cancel'), 'read').outcome).toBe('failed');
  });

  it('a thrown non-Error still gives a message', () => {
    expect(classifyQueryError('weird', 'write').error.message).toBe('weird');
  });
});

describe('classifyTimeout', () => {
  it('before the statement was sent it is a failed connect', () => {
    expect(classifyTimeout('connect', 'write', 500)).toEqual({
      outcome: 'failed',
      error: { class: 'connect_timeout', message: 'no connection within 500 ms' },
    });
  });
  it('after it was sent a write is indeterminate, a read failed', () => {
    expect(classifyTimeout('query', 'write', 500)).toMatchObject({ outcome: 'indeterminate', error: { class: 'timeout' } });
    expect(classifyTimeout('query', 'read', 500)).toMatchObject({ outcome: 'failed', error: { class: 'timeout' } });
  });
});

describe('resolveNode', () => {
  const map = { '10.0.0.2': 'patroni2' };
  it('strips the prefix length inet::text adds', () => {
    expect(resolveNode('10.0.0.2/32', map)).toBe('patroni2');
  });
  it('takes an exact key first', () => {
    expect(resolveNode('10.0.0.3/32', { '10.0.0.3/32': 'exact', '10.0.0.3': 'bare' })).toBe('exact');
  });
  it('falls back to the bare address, or nothing without one', () => {
    expect(resolveNode('10.0.0.9/32', map)).toBe('10.0.0.9');
    expect(resolveNode(null, map)).toBeUndefined();
    expect(resolveNode('', map)).toBeUndefined();
  });
});

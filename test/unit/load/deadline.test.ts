import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../../src/load/connection.js';

describe('withDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes a value through and leaves no timer behind', async () => {
    const onTimeout = vi.fn();
    await expect(withDeadline(Promise.resolve(42), 100, onTimeout)).resolves.toEqual({ kind: 'ok', value: 42 });
    expect(vi.getTimerCount()).toBe(0);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('turns a rejection into a value', async () => {
    const err = new Error('boom');
    await expect(withDeadline(Promise.reject(err), 100, () => undefined)).resolves.toEqual({ kind: 'error', error: err });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up at the deadline, calls onTimeout once, and ignores a late rejection', async () => {
    let rejectLate!: (e: Error) => void;
    const pending = new Promise<number>((_, reject) => {
      rejectLate = reject;
    });
    const onTimeout = vi.fn();
    const settled = withDeadline(pending, 100, onTimeout);
    await vi.advanceTimersByTimeAsync(99);
    expect(onTimeout).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(settled).resolves.toEqual({ kind: 'timeout' });
    expect(onTimeout).toHaveBeenCalledTimes(1);
    // pg rejects the query once its socket is destroyed; that must not surface as unhandled.
    rejectLate(new Error('Connection terminated unexpectedly'));
    await vi.runAllTimersAsync();
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });
});

/** Hand-built runs and analyses for the assertion and JUnit tests. */
import type { Analysis, Availability, Window } from '../../../src/analysis/types.js';
import type { EventRecord, HistoryRecord, OperationRecord, RecordedRun } from '../../../src/history/types.js';
import { expect } from 'vitest';
import { ExperimentFileError, parseExperimentText, type Experiment } from '../../../src/experiment/load.js';

/** The problems a refused file lists, one "file:line:col: field: message" string each. */
export function problems(text: string, file = 'experiments/t.yaml'): string[] {
  try {
    parseExperimentText(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ExperimentFileError);
    return (err as ExperimentFileError).message.split('\n');
  }
  throw new Error('expected the file to be rejected');
}

/** An experiment injecting f1 at 3 s and healing it 30 s later, with the given assertions (YAML list items). */
export function experiment(assertions: string[], steps?: string): Experiment {
  const timeline =
    steps ??
    `  - at: 3s
    inject: stop
    target: etcd:majority
    id: f1
  - after: 30s
    heal: f1
  - wait: healthy
`;
  return parseExperimentText(
    `name: t\ndescription: test\nsteps:\n${timeline}assertions:\n${assertions.map((a) => `  - ${a}\n`).join('')}`,
    'experiments/t.yaml',
  );
}

export function window(start_ms: number, end_ms: number): Window {
  return { start_ms, end_ms, duration_ms: end_ms - start_ms, resolution_ms: 50, start_resolution_ms: 50, end_resolution_ms: 20, failed_ops: 3, workers: ['writer-1'] };
}

export function availability(windows: Window[], attempts = 1000): Availability {
  const total = windows.reduce((n, w) => n + w.duration_ms, 0);
  return { windows, resolution_ms: 50, attempts, ok: attempts, failed: 0, indeterminate: 0, total_unavailable_ms: total };
}

export function analysis(over: Partial<Analysis> = {}, writes: Partial<Analysis['writes']> = {}): Analysis {
  return {
    writes: {
      ...availability([]),
      acknowledged: 1000,
      lost: 0,
      lost_keys: [],
      recovered: 0,
      indeterminate_absent: 0,
      unexpected: 0,
      duplicates: 0,
      failed_present: 0,
      accounted: true,
      ...writes,
    },
    reads: availability([]),
    id_gaps: [],
    leader_changes: [{ t_ms: 0, from: null, to: 'patroni1' }],
    timelines: [],
    split_brain: [],
    split_brain_ms: 0,
    outages: [],
    faults: [],
    promotions: [],
    log_events: [],
    errors: [],
    ...over,
  };
}

export function write(start_ms: number, outcome: OperationRecord['outcome'], duration = 5): OperationRecord {
  return { type: 'op', worker: 'writer-1', op: 'write', port: 'write', start_ms, end_ms: start_ms + duration, outcome };
}

export function event(t_ms: number, action: EventRecord['action'], phase: EventRecord['phase'], step: number, id?: string): EventRecord {
  return { type: 'event', t_ms, action, phase, step, ...(id ? { id } : {}) };
}

/** The events of the default timeline: f1 injected at 3 s, healed at 33 s (heal ends at 33.1 s). */
export const FAULT_EVENTS: EventRecord[] = [
  event(3000, 'inject', 'begin', 0, 'f1'),
  event(3010, 'inject', 'end', 0, 'f1'),
  event(33_000, 'heal', 'begin', 1, 'f1'),
  event(33_100, 'heal', 'end', 1, 'f1'),
];

export function run(history: HistoryRecord[]): RecordedRun {
  return {
    meta: {
      experiment: 't',
      description: 'test',
      driver: 'local',
      started_at: '2025-01-01T00:00:00.000Z',
      ended_ms: 60_000,
      load_interval_ms: 50,
      versions: { postgres: '15.10', patroni: '4.0.7', etcd: '3.4.23', haproxy: '2.6.12' },
      topology: { etcd: ['etcd1', 'etcd2', 'etcd3'], patroni: ['patroni1', 'patroni2', 'patroni3'], haproxy: ['haproxy1'], pgbouncer: false, keepalived: false },
      config: { ttl: 20, loop_wait: 2, retry_timeout: 9, maximum_lag_on_failover: 1048576, failsafe_mode: false, synchronous_mode: false, haproxy: { inter_ms: 500, fall: 2, rise: 1 } },
    },
    history: [...history].sort((a, b) => ('t_ms' in a ? a.t_ms : a.start_ms) - ('t_ms' in b ? b.t_ms : b.start_ms)),
    final: null,
  };
}

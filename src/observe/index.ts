import type { ClusterAccess } from '../cluster/types.js';
import type { History } from '../history/store.js';
import { observeHaproxy } from './haproxy.js';
import { observePatroni } from './patroni.js';
import { observeRecovery } from './recovery.js';

export interface ObserverOptions {
  /** Patroni REST and HAProxy polling interval: 200 ms = 5 Hz. */
  patroniMs: number;
  haproxyMs: number;
  /** Direct pg_is_in_recovery() polling interval. */
  recoveryMs: number;
  timeoutMs: number;
}

export const DEFAULT_OBSERVERS: ObserverOptions = { patroniMs: 200, haproxyMs: 200, recoveryMs: 100, timeoutMs: 400 };

export function startObservers(access: ClusterAccess, history: History, o: ObserverOptions = DEFAULT_OBSERVERS) {
  const all = [
    observePatroni(access.patroni, history, o.patroniMs, o.timeoutMs),
    observeHaproxy(access.stats, history, o.haproxyMs, o.timeoutMs),
    observeRecovery(access.direct, access.superuser, history, o.recoveryMs, o.timeoutMs),
  ];
  return { stop: () => Promise.all(all.map((x) => x.stop())).then(() => {}) };
}

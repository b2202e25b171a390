import type { ClusterAccess } from '../cluster/types.js';
import type { History } from '../history/store.js';
import { observeHaproxy } from './haproxy.js';
import { observePatroni } from './patroni.js';
import { DEFAULT_OBSERVERS, type ObserverOptions } from './options.js';
import { observeRecovery } from './recovery.js';

export { DEFAULT_OBSERVERS, type ObserverOptions };

export function startObservers(access: ClusterAccess, history: History, o: ObserverOptions = DEFAULT_OBSERVERS) {
  const all = [
    observePatroni(access.patroni, history, o.patroniMs, o.timeoutMs),
    observeHaproxy(access.stats, history, o.haproxyMs, o.timeoutMs),
    observeRecovery(access.direct, access.superuser, history, o.recoveryMs, o.timeoutMs),
  ];
  return { stop: () => Promise.all(all.map((x) => x.stop())).then(() => {}) };
}

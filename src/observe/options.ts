/** How the observers poll; a module of its own so that analysis can read it without the pollers. */

export interface ObserverOptions {
  /** Patroni REST and HAProxy polling interval: 200 ms = 5 Hz. */
  patroniMs: number;
  haproxyMs: number;
  /** Direct pg_is_in_recovery() polling interval. */
  recoveryMs: number;
  timeoutMs: number;
}

export const DEFAULT_OBSERVERS: ObserverOptions = { patroniMs: 200, haproxyMs: 200, recoveryMs: 100, timeoutMs: 400 };

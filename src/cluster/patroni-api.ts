/** Patroni's REST API, read-only: what observers, status and waits ask. */

export interface PatroniMember {
  name: string;
  role: string;
  state: string;
  host: string;
  port: number;
  timeline?: number;
  /** Bytes behind the leader, or "unknown". */
  lag?: number | string;
}

export interface PatroniClusterView {
  members: PatroniMember[];
}

/** GET /patroni: the node's own view. */
export interface PatroniNodeView {
  state?: string;
  role?: string;
  timeline?: number;
  replication_state?: string;
  /** The leader's pg_stat_replication. */
  replication?: Array<{ application_name?: string; state?: string }>;
  patroni?: { version?: string; scope?: string; name?: string };
  xlog?: { location?: number; received_location?: number; replayed_location?: number };
}

export async function getJson<T>(url: string, timeoutMs = 1000, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  // Patroni answers 503 with a JSON body for a replica asked a leader question; the body is what we want.
  return (await res.json()) as T;
}

export const getClusterView = (base: string, timeoutMs?: number, signal?: AbortSignal) => getJson<PatroniClusterView>(`${base}/cluster`, timeoutMs, signal);
export const getNodeView = (base: string, timeoutMs?: number, signal?: AbortSignal) => getJson<PatroniNodeView>(`${base}/patroni`, timeoutMs, signal);

export { isLeaderRole, normaliseRole } from './roles.js';

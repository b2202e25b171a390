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

export async function getJson<T>(url: string, timeoutMs = 1000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  // Patroni answers 503 with a JSON body for a replica asked a leader question; the body is what we want.
  return (await res.json()) as T;
}

export const getClusterView = (base: string, timeoutMs?: number) => getJson<PatroniClusterView>(`${base}/cluster`, timeoutMs);
export const getNodeView = (base: string, timeoutMs?: number) => getJson<PatroniNodeView>(`${base}/patroni`, timeoutMs);

export { isLeaderRole, normaliseRole } from './roles.js';

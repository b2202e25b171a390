import type { MemberRow } from '../results/types.js';
import { clusterView } from './health.js';
import { normaliseRole } from './patroni-api.js';
import type { ClusterAccess } from './types.js';

/** The members as `patronictl list` shows them, read from Patroni's REST API (it never blocks on etcd). */
export async function memberRows(access: ClusterAccess): Promise<MemberRow[]> {
  const view = await clusterView(access);
  const seen = new Map((view?.members ?? []).map((m) => [m.name, m]));
  return access.nodes
    .filter((n) => n.kind === 'patroni')
    .map((n) => {
      const m = seen.get(n.name);
      return {
        name: n.name,
        host: n.address,
        role: m ? (normaliseRole(m.role) ?? 'unknown') : 'unknown',
        state: m?.state ?? 'unreachable',
        timeline: m?.timeline ?? null,
        lag: typeof m?.lag === "number" ? m.lag : null,
      };
    });
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');

/** A fixed-width table like patronictl's. */
export function formatMembers(rows: MemberRow[]): string {
  const header = ['Member', 'Host', 'Role', 'State', 'TL', 'Lag in MB'];
  const body = rows.map((r) => [
    r.name,
    r.host,
    capitalise(r.role),
    r.state,
    r.timeline === null ? '' : String(r.timeline),
    r.lag === null ? '' : (r.lag / 1048576).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(header), rule, ...body.map(line), rule].join('\n');
}

export interface HaproxyServerRow {
  backend: string;
  server: string;
  status: string;
}

/**
 * HAProxy's stats page as CSV: one row per backend server (frontends and BACKEND totals dropped),
 * the write and read backends named "primary" and "replicas" whatever the configuration calls them.
 */
export async function readHaproxyStats(
  s: { url: string; user: string; password: string; backends?: { write: string; read: string } },
  timeoutMs = 1000,
): Promise<HaproxyServerRow[]> {
  const res = await fetch(`${s.url};csv`, {
    headers: { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`HAProxy stats answered ${res.status}`);
  const rows = parseHaproxyCsv(await res.text());
  const b = s.backends;
  if (!b) return rows;
  return rows.map((r) => ({ ...r, backend: r.backend === b.write ? 'primary' : r.backend === b.read ? 'replicas' : r.backend }));
}

export function parseHaproxyCsv(csv: string): HaproxyServerRow[] {
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  const [px, sv, st] = [col('pxname'), col('svname'), col('status')];
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((c) => c[sv] !== 'FRONTEND' && c[sv] !== 'BACKEND' && c[px] !== 'stats')
    .map((c) => ({ backend: c[px] ?? '', server: c[sv] ?? '', status: c[st] ?? '' }));
}

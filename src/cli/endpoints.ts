import type { ClusterAccess } from '../cluster/types.js';

/** How a secret is printed unless --show-secrets: its presence is visible, its value is not. */
export const MASK = '****';

/** Where clients connect, with every password masked unless `showSecrets`. */
export function endpoints(a: ClusterAccess, showSecrets: boolean) {
  const secret = (s: string) => (showSecrets ? s : MASK);
  const url = (e: { host: string; port: number }) =>
    `postgresql://${a.app.user}:${secret(encodeURIComponent(a.app.password))}@${e.host}:${e.port}/${a.app.database}`;
  return {
    write: { ...a.write, url: url(a.write) },
    read: { ...a.read, url: url(a.read) },
    stats: a.stats.map((s) => ({ haproxy: s.haproxy, url: s.url, user: s.user, password: secret(s.password) })),
    superuser: { ...a.superuser, password: secret(a.superuser.password) },
  };
}

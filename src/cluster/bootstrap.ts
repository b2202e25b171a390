import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ClusterAccess, Endpoint } from './types.js';
import { waitFor } from '../util/time.js';

/**
 * What every driver does the same way once its processes run: the cluster's secrets, etcd's root
 * user and authentication, and the load's own role and database. Secrets travel in request bodies
 * and SQL literals escaped by the client library, never on a command line (`ps` shows argv to every
 * user of the machine).
 */

export interface Passwords {
  etcd: string;
  superuser: string;
  replication: string;
  rewind: string;
  rest: string;
  app: string;
  stats: string;
}

const secret = () => randomBytes(18).toString('base64url');

export function newPasswords(): Passwords {
  return { etcd: secret(), superuser: secret(), replication: secret(), rewind: secret(), rest: secret(), app: secret(), stats: secret() };
}

export const newClusterToken = () => `drill-${randomBytes(4).toString('hex')}`;

/** A password for a role made on a cluster the drill did not create (a user's compose project). */
export const newPassword = secret;

/** Every member answers /health with health "true". */
export async function etcdHealthy(clientUrls: string[]): Promise<boolean> {
  const checks = await Promise.allSettled(
    clientUrls.map(async (url) => {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
      return ((await res.json()) as { health?: string }).health === 'true';
    }),
  );
  return checks.every((c) => c.status === 'fulfilled' && c.value);
}

/**
 * etcd trusts nobody either: a root user with the cluster's password, and authentication on. Through
 * etcd's JSON gateway (what `etcdctl user add root:<password>` does, without the password in argv).
 */
export async function enableEtcdAuth(clientUrls: string[], rootPassword: string): Promise<void> {
  const base = clientUrls[0];
  if (!base) throw new Error('no etcd member to enable authentication on');
  const call = async (endpoint: string, body: Record<string, unknown>) => {
    const res = await fetch(`${base}/v3/auth/${endpoint}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    const answer = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    if (!res.ok || answer.error) throw new Error(`etcd ${endpoint} failed: ${answer.message ?? answer.error ?? `HTTP ${res.status}`}`);
  };
  // etcd refuses to enable authentication unless root exists and holds the root role.
  await call('role/add', { name: 'root' });
  await call('user/add', { name: 'root', password: rootPassword });
  await call('user/grant', { user: 'root', role: 'root' });
  await call('enable', {});
}

/**
 * The load's own role and database; on a cluster that ran the drill before, the password is renewed.
 * Done once every member has replayed them: readers start on the replicas right away.
 */
export async function createAppDatabase(access: ClusterAccess, signal?: AbortSignal): Promise<void> {
  const { user, password, database } = access.app;
  const client = new pg.Client({ ...access.write, ...access.superuser, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const role = client.escapeIdentifier(user);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).rowCount;
    // Utility statements take no parameters: the literal is escaped by the client library.
    await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    if (!(await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${role}`);
    }
  } finally {
    await client.end();
  }
  const hasDatabase = async (endpoint: Endpoint) => {
    const c = new pg.Client({ ...endpoint, ...access.superuser, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    await c.connect();
    try {
      return Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount);
    } finally {
      await c.end();
    }
  };
  await waitFor(
    `database "${database}" on every member`,
    async () => ((await Promise.all(Object.values(access.direct).map(hasDatabase))).every(Boolean) ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100, signal },
  );
}

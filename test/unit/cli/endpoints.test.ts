import { describe, expect, it } from 'vitest';
import { endpoints, MASK } from '../../../src/cli/endpoints.js';
import type { ClusterAccess } from '../../../src/cluster/types.js';

const access = {
  write: { host: '10.213.11.31', port: 5000 },
  read: { host: '10.213.11.31', port: 5001 },
  stats: [{ haproxy: 'haproxy', url: 'http://10.213.11.31:7000/', user: 'admin', password: 'stats-secret' }],
  app: { user: 'app', password: 'app/secret+1', database: 'app' },
  superuser: { user: 'postgres', password: 'super-secret', database: 'postgres' },
} as unknown as ClusterAccess;

describe('cluster status endpoints', () => {
  it('never carry a password unless asked', () => {
    const text = JSON.stringify(endpoints(access, false));
    for (const secret of ['stats-secret', 'app/secret+1', 'app%2Fsecret%2B1', 'super-secret']) expect(text).not.toContain(secret);
    expect(endpoints(access, false).write.url).toBe(`postgresql://app:${MASK}@10.213.11.31:5000/app`);
  });

  it('show them with --show-secrets, URL-encoded in URLs', () => {
    const e = endpoints(access, true);
    expect(e.write.url).toBe('postgresql://app:app%2Fsecret%2B1@10.213.11.31:5000/app');
    expect(e.stats[0]!.password).toBe('stats-secret');
    expect(e.superuser.password).toBe('super-secret');
  });
});

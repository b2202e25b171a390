import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget, type TargetSpec } from '../../../src/experiment/schema.js';

describe('parseTarget', () => {
  it.each<[string, TargetSpec]>([
    ['leader', { kind: 'role', role: 'leader' }],
    ['replica', { kind: 'role', role: 'replica' }],
    ['replicas', { kind: 'role', role: 'replicas' }],
    ['sync_standby', { kind: 'role', role: 'sync_standby' }],
    ['etcd:1', { kind: 'etcd', count: 1 }],
    ['etcd:2', { kind: 'etcd', count: 2 }],
    ['etcd:majority', { kind: 'etcd', count: 'majority' }],
    ['etcd:minority', { kind: 'etcd', count: 'minority' }],
    ['etcd:all', { kind: 'etcd', count: 'all' }],
    ['haproxy', { kind: 'haproxy', which: 'active' }],
    ['haproxy:all', { kind: 'haproxy', which: 'all' }],
    ['haproxy:backup', { kind: 'haproxy', which: 'backup' }],
    ['patroni:all', { kind: 'patroni_all' }],
    ['pgbouncer:leader', { kind: 'pgbouncer', on: 'leader' }],
    ['keepalived:active', { kind: 'keepalived', which: 'active' }],
    ['patroni2', { kind: 'node', name: 'patroni2' }],
    ['etcd3', { kind: 'node', name: 'etcd3' }],
    ['haproxy1', { kind: 'node', name: 'haproxy1' }],
    ['pg-node-12', { kind: 'node', name: 'pg-node-12' }],
  ])('%s', (text, spec) => {
    expect(parseTarget(text)).toEqual(spec);
    expect(formatTarget(spec)).toBe(text);
  });

  it.each(['leder', 'etcd', 'etcd:0', 'etcd:-1', 'haproxy:primary', 'Patroni2', 'patroni', '', 'patroni:1'])(
    'rejects %j',
    (text) => {
      expect(() => parseTarget(text)).toThrow(/unknown target/);
    },
  );

  it('suggests the keyword a typo meant', () => {
    expect(() => parseTarget('leder')).toThrow('unknown target "leder" (did you mean "leader"? expected leader, replica,');
  });
});

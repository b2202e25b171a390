import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../../src/cluster/types.js';
import { grudge } from '../../../src/faults/grudge.js';

const node = (name: string): NodeInfo => ({ name, kind: name.replace(/\d+$/, '') as NodeInfo['kind'], address: name });
const COURSE = ['etcd1', 'etcd2', 'etcd3', 'patroni1', 'patroni2', 'patroni3', 'haproxy1'].map(node);
const FIVE_ETCD = ['etcd1', 'etcd2', 'etcd3', 'etcd4', 'etcd5', 'patroni1', 'patroni2'].map(node);

describe('partition shapes (Jepsen grudges)', () => {
  it('isolate cuts the node from every other node, HAProxy too', () => {
    expect(grudge('isolate', 'patroni1', COURSE)).toEqual({ cut: ['patroni1'], from: ['etcd1', 'etcd2', 'etcd3', 'patroni2', 'patroni3', 'haproxy1'] });
  });

  it('split leaves the node in a minority of etcd and the rest in the majority; HAProxy reaches both', () => {
    expect(grudge('split', 'patroni1', COURSE)).toEqual({ cut: ['patroni1', 'etcd1'], from: ['etcd2', 'etcd3', 'patroni2', 'patroni3'] });
    // Around an etcd member, it is its own minority's etcd.
    expect(grudge('split', 'etcd2', COURSE)).toEqual({ cut: ['etcd2'], from: ['etcd1', 'etcd3', 'patroni1', 'patroni2', 'patroni3'] });
    expect(grudge('split', 'patroni2', FIVE_ETCD)).toEqual({ cut: ['patroni2', 'etcd1', 'etcd2'], from: ['etcd3', 'etcd4', 'etcd5', 'patroni1'] });
  });

  it('bridge splits the others in two halves; the node reaches both, and around etcd each half sees a majority', () => {
    const b = grudge('bridge', 'etcd1', COURSE);
    expect(b).toEqual({ cut: ['etcd2', 'patroni1', 'patroni3'], from: ['etcd3', 'patroni2'] });
    for (const half of [b.cut, b.from]) expect(['etcd1', ...half].filter((n) => n.startsWith('etcd')).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses what cannot be shaped', () => {
    expect(() => grudge('split', 'haproxy1', COURSE)).toThrow(/etcd or Patroni node, not haproxy1/);
    expect(() => grudge('bridge', 'etcd1', ['etcd1', 'etcd2', 'haproxy1'].map(node))).toThrow(/at least two other nodes/);
    expect(() => grudge('isolate', 'patroni9', COURSE)).toThrow(/no node named patroni9/);
  });
});

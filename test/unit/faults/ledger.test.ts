import { describe, expect, it } from 'vitest';
import type { ClusterAccess, ClusterDriver, FaultKind, FaultParams, FaultTag } from '../../../src/cluster/types.js';
import { parseTarget } from '../../../src/experiment/schema.js';
import { FaultLedger } from '../../../src/faults/interpreter.js';

/** A driver that records what it is asked; node targets resolve without a cluster. */
function recordingDriver() {
  const calls: string[] = [];
  const driver = {
    kind: 'local',
    inject: async (fault: FaultKind, target: string, params?: FaultParams) => {
      calls.push(`inject ${fault} ${target} ${params?.tag}`);
    },
    heal: async (fault: FaultKind, target: string, tag?: FaultTag) => {
      calls.push(`heal ${fault} ${target} ${tag}`);
    },
  } as unknown as ClusterDriver;
  const access = {
    nodes: ['etcd1', 'etcd2', 'etcd3', 'patroni1', 'patroni2'].map((name) => ({ name, kind: name.replace(/\d$/, ''), address: name })),
    // No Patroni to ask: a Patroni node's role is then just "patroni".
    patroni: {},
  } as unknown as ClusterAccess;
  return { calls, ledger: new FaultLedger(driver, access) };
}

describe('FaultLedger: every injection has its identity', () => {
  it('passes the step id as the tag to inject and to heal, and a serial for anonymous ones', async () => {
    const { calls, ledger } = recordingDriver();
    const p1 = await ledger.inject('partition', parseTarget('patroni1'), 'p1', { from: [parseTarget('etcd1')] });
    await ledger.inject('partition', parseTarget('patroni1'), 'p2', { from: [parseTarget('patroni2')] });
    const loss = await ledger.inject('loss', parseTarget('patroni2'), null, { loss_pct: 5 });
    // The other side is kept for the record (the fault model reads it); none named means every peer.
    expect([p1.peers, loss.peers]).toEqual([['etcd1'], undefined]);
    await ledger.heal('p1');
    expect(calls).toEqual(['inject partition patroni1 p1', 'inject partition patroni1 p2', 'inject loss patroni2 #1', 'heal partition patroni1 p1']);
    await ledger.healAll();
    expect(calls.slice(4)).toEqual(['heal loss patroni2 #1', 'heal partition patroni1 p2']);
  });

  it('a partition shape is one fault: rules on every node of the cutting side, one heal for them all', async () => {
    const { calls, ledger } = recordingDriver();
    const split = await ledger.inject('partition', parseTarget('patroni1'), 's', { shape: 'split' });
    // One etcd member of three goes with the node: the minority; the rest is the other side.
    expect(split.targets.map((t) => t.node)).toEqual(['patroni1', 'etcd1']);
    expect(split.peers).toEqual(['etcd2', 'etcd3', 'patroni2']);
    await ledger.heal('s');
    expect(calls).toEqual(['inject partition patroni1 s', 'inject partition etcd1 s', 'heal partition patroni1 s', 'heal partition etcd1 s']);
  });

  it('a state fault (pause, stop...) still held by another open one is not undone by the first heal', async () => {
    const { calls, ledger } = recordingDriver();
    await ledger.inject('pause', parseTarget('patroni1'), 'a');
    await ledger.inject('pause', parseTarget('patroni1'), 'b');
    await ledger.heal('a');
    expect(calls.filter((c) => c.startsWith('heal'))).toEqual([]);
    await ledger.heal('b');
    expect(calls.filter((c) => c.startsWith('heal'))).toEqual(['heal pause patroni1 b']);
  });
});

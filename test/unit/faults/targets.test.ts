import { describe, expect, it } from 'vitest';
import { parseTarget, type TargetSpec } from '../../../src/experiment/schema.js';
import { chooseMembers, emptyMemory, haproxyRole, type Member } from '../../../src/faults/targets.js';

const members = (leader: string): Member[] =>
  ['patroni1', 'patroni2', 'patroni3'].map((node) => ({ node, role: node === leader ? 'leader' : 'replica', state: node === leader ? 'running' : 'streaming' }));
const bound = (iteration: number): TargetSpec & { kind: 'bound' } => ({ kind: 'bound', name: 'member', block: 4, iteration });

describe('chooseMembers', () => {
  it('replica picks the same node twice: the rolling restart a DBA tried never reached the second replica', () => {
    const memory = emptyMemory();
    const first = chooseMembers({ kind: 'role', role: 'replica' }, members('patroni1'), memory);
    const second = chooseMembers({ kind: 'role', role: 'replica' }, members('patroni1'), memory);
    expect(first.map((m) => m.node)).toEqual(['patroni2']);
    expect(second.map((m) => m.node)).toEqual(['patroni2']);
  });

  it('replica:other leaves out every node an earlier inject hit', () => {
    const memory = emptyMemory();
    memory.hit.add('patroni2');
    expect(chooseMembers(parseTarget('replica:other') as TargetSpec & { kind: 'role' }, members('patroni1'), memory).map((m) => m.node)).toEqual(['patroni3']);
    memory.hit.add('patroni3');
    expect(chooseMembers(parseTarget('replica:other') as TargetSpec & { kind: 'role' }, members('patroni1'), memory)).toEqual([]);
  });

  it('not: leaves out the nodes the named faults hit, and refuses an id never injected', () => {
    const memory = emptyMemory();
    memory.hitBy.set('r1', ['patroni2']);
    expect(chooseMembers({ kind: 'role', role: 'replicas', not: ['r1'] }, members('patroni1'), memory).map((m) => m.node)).toEqual(['patroni3']);
    expect(() => chooseMembers({ kind: 'role', role: 'replica', not: ['r9'] }, members('patroni1'), memory)).toThrow('not: fault "r9" has not been injected in this run');
  });

  it('$member: each iteration takes a replica no earlier one had, and keeps it while that node is down', () => {
    const memory = emptyMemory();
    expect(chooseMembers(bound(1), members('patroni1'), memory).map((m) => m.node)).toEqual(['patroni2']);
    // patroni2 stopped: it is no replica now, but iteration 1 still means it.
    const down = members('patroni1').map((m) => (m.node === 'patroni2' ? { ...m, role: 'replica', state: 'stopped' } : m));
    expect(chooseMembers(bound(1), down.filter((m) => m.node !== 'patroni2'), memory).map((m) => m.node)).toEqual(['patroni2']);
    expect(chooseMembers(bound(2), members('patroni1'), memory).map((m) => m.node)).toEqual(['patroni3']);
    // After a switchover the old leader is a replica no iteration had yet; the others are used up.
    expect(chooseMembers(bound(3), members('patroni3'), memory).map((m) => m.node)).toEqual(['patroni1']);
    expect(chooseMembers(bound(4), members('patroni3'), memory)).toEqual([]);
  });

  it('leader is whoever leads now', () => {
    expect(chooseMembers({ kind: 'role', role: 'leader' }, members('patroni3'), emptyMemory()).map((m) => m.node)).toEqual(['patroni3']);
  });
});

describe('haproxyRole', () => {
  it('names the HAProxy that does not hold the VIP a backup, and every HAProxy without keepalived plain haproxy', () => {
    expect([haproxyRole('haproxy1', 'haproxy1', true), haproxyRole('haproxy2', 'haproxy1', true)]).toEqual(['haproxy', 'haproxy_backup']);
    expect([haproxyRole('haproxy2', 'haproxy1', false), haproxyRole('haproxy2', null, true)]).toEqual(['haproxy', 'haproxy']);
  });
});

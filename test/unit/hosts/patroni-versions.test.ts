import { describe, expect, it } from 'vitest';
import { compareVersions, isLeader, isReplicating, memberRole, patronictlArgs, postgresVersion } from '../../../src/cluster/hosts/patroni-versions.js';

// GET /patroni recorded on the test bed (Debian 13's Patroni 4.0.7), trimmed to the fields read.
const v4Replica = { state: 'running', role: 'replica', server_version: 150020, timeline: 2, replication_state: 'streaming', patroni: { version: '4.0.7' } };
const v4Leader = { state: 'running', role: 'primary', server_version: 150020, timeline: 2, patroni: { version: '4.0.7' } };
// Patroni 3.0.2 (Debian 12) and 2.1 (Ubuntu 22.04): role master, replicas only say running.
const v3Leader = { state: 'running', role: 'master', timeline: 43, patroni: { version: '3.0.2' } };
const v3Replica = { state: 'running', role: 'replica', timeline: 43, patroni: { version: '3.0.2' } };
// A 4.x replica whose PostgreSQL runs but does not follow (its WAL receiver is down).
const v4Stalled = { ...v4Replica, replication_state: 'in archive recovery' };

describe('Patroni vocabulary across 2.1 – 4.x', () => {
  it('one word for the leader, whatever the version called it', () => {
    for (const r of ['master', 'primary', 'leader', 'Leader', 'standby_leader', 'Standby Leader']) expect(memberRole(r)).toBe('leader');
    expect(memberRole('Sync Standby')).toBe('sync_standby');
    expect(memberRole('replica')).toBe('replica');
    expect(memberRole(undefined)).toBe('unknown');
    expect([isLeader(v4Leader.role), isLeader(v3Leader.role), isLeader(v3Replica.role)]).toEqual([true, true, false]);
  });

  it('a 3.0.2 replica that says running counts as replicating; a 4.x one needs streaming', () => {
    expect(isReplicating(v3Replica)).toBe(true);
    expect(isReplicating(v4Replica)).toBe(true);
    expect(isReplicating(v4Stalled)).toBe(false);
    expect(isReplicating(v3Leader)).toBe(false);
    expect(isReplicating({ role: 'replica', state: 'starting' })).toBe(false);
  });

  it('patronictl options by version', () => {
    expect(patronictlArgs(['switchover', '--leader', 'a', '--candidate', 'b'], '2.1.7')).toEqual(['switchover', '--master', 'a', '--candidate', 'b']);
    expect(patronictlArgs(['switchover', '--leader', 'a'], '3.0.2')).toEqual(['switchover', '--leader', 'a']);
    expect(compareVersions('3.10.0', '3.2.1')).toBeGreaterThan(0);
  });

  it("PostgreSQL's version number as people write it", () => {
    expect(postgresVersion(150020)).toBe('15.20');
    expect(postgresVersion(90624)).toBe('9.6.24');
    expect(postgresVersion(undefined)).toBe('unknown');
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTablesInOutput } from '../../../src/grade/extract/patronictl.js';
import { compareVersions, isLeaderRole, isPrimaryRole, isReplicating, normaliseRole, patronictlArgs, postgresVersion, streamingReplicas } from '../../../src/cluster/roles.js';

const fixture = (version: string, file: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', `patroni-${version}`, file), 'utf8');
const json = <T>(version: string, file: string) => JSON.parse(fixture(version, file)) as T;
type PatroniView = { role?: string; state?: string; replication_state?: string; server_version?: number; patroni?: { version?: string } };
type ClusterView = { members: Array<{ name: string; role: string; state: string }> };

// GET /patroni, GET /cluster and `patronictl list` recorded on the test bed: Debian 13's Patroni 4.0.7.
const v4 = {
  leader: json<PatroniView>('4.0.7', 'leader.patroni.json'),
  replica: json<PatroniView>('4.0.7', 'replica.patroni.json'),
  cluster: json<ClusterView>('4.0.7', 'cluster.json'),
  list: fixture('4.0.7', 'list.txt'),
};
// Patroni 3.0.2 (Debian 12) and 2.1 (Ubuntu 22.04): role master, and a replica only says running.
const v3Leader = { state: 'running', role: 'master', timeline: 43, patroni: { version: '3.0.2' } };
const v3Replica = { state: 'running', role: 'replica', timeline: 43, patroni: { version: '3.0.2' } };

describe('Patroni vocabulary across 2.1 – 4.x', () => {
  it('one word for the leader, whatever the version or the output called it', () => {
    for (const r of ['master', 'primary', 'leader', 'Leader']) expect(normaliseRole(r)).toBe('leader');
    for (const r of ['standby_leader', 'Standby Leader', 'standby-leader']) expect(normaliseRole(r)).toBe('standby_leader');
    for (const r of ['replica', 'Replica', 'Sync Standby', 'sync_standby', 'Quorum Standby']) expect(normaliseRole(r)).toBe('replica');
    expect(normaliseRole(undefined)).toBeUndefined();
    expect([isLeaderRole(v4.leader.role), isLeaderRole(v3Leader.role), isLeaderRole(v3Replica.role), isLeaderRole('Standby Leader')]).toEqual([true, true, false, true]);
    expect(isPrimaryRole('Standby Leader')).toBe(false);
  });

  it('4.0.7 as recorded: GET /patroni says primary, GET /cluster and patronictl say leader', () => {
    expect(v4.leader.patroni?.version).toBe('4.0.7');
    expect(normaliseRole(v4.leader.role)).toBe('leader');
    expect(v4.cluster.members.map((m) => normaliseRole(m.role)).sort()).toEqual(['leader', 'replica', 'replica']);
    const table = findTablesInOutput(v4.list)[0]!;
    expect(table.members.map((m) => normaliseRole(m.role)).sort()).toEqual(['leader', 'replica', 'replica']);
    expect(table.members.filter((m) => normaliseRole(m.role) === 'replica').map((m) => m.state)).toEqual(['streaming', 'streaming']);
  });

  it('a 3.0.2 replica that says running counts as replicating; a 4.x one needs replication_state streaming', () => {
    expect(isReplicating(v3Replica)).toBe(true);
    expect(isReplicating(v4.replica)).toBe(true);
    // The same 4.x replica with its WAL receiver down: PostgreSQL runs, it does not follow.
    expect(isReplicating({ ...v4.replica, replication_state: 'in archive recovery' })).toBe(false);
    expect(isReplicating(v3Leader)).toBe(false);
    expect(isReplicating(v4.leader)).toBe(false);
    expect(isReplicating({ role: 'replica', state: 'starting' })).toBe(false);
  });

  it("which replicas stream: /cluster's word from 3.0.4, the leader's pg_stat_replication before", () => {
    const v4Replicas = v4.cluster.members.filter((m) => !isLeaderRole(m.role));
    expect([...streamingReplicas(v4Replicas, v4.leader)].sort()).toEqual(v4Replicas.map((m) => m.name).sort());
    // 4.x: `running` is a replica not connected yet, whatever the leader's view lags behind with.
    const connecting = v4Replicas.map((m, i) => (i === 0 ? { ...m, state: 'running' } : m));
    expect(streamingReplicas(connecting, v4.leader).has(connecting[0]!.name)).toBe(false);
    // 3.0.2 says `running` for both; only the one in the leader's pg_stat_replication streams.
    const v3Replicas = [{ name: 'node2', state: 'running' }, { name: 'node3', state: 'running' }];
    const v3LeaderView = { ...v3Leader, replication: [{ application_name: 'node2', state: 'streaming' }, { application_name: 'node3', state: 'startup' }] };
    expect([...streamingReplicas(v3Replicas, v3LeaderView)]).toEqual(['node2']);
    expect(streamingReplicas(v3Replicas, {}).size).toBe(0);
  });

  it('patronictl options by version', () => {
    expect(patronictlArgs(['switchover', '--leader', 'a', '--candidate', 'b'], '2.1.7')).toEqual(['switchover', '--master', 'a', '--candidate', 'b']);
    expect(patronictlArgs(['switchover', '--leader', 'a'], '3.0.2')).toEqual(['switchover', '--leader', 'a']);
    expect(compareVersions('3.10.0', '3.2.1')).toBeGreaterThan(0);
    expect(compareVersions('4.0.7', '4.0.7')).toBe(0);
  });

  it("PostgreSQL's version number as people write it", () => {
    expect(postgresVersion(v4.leader.server_version)).toBe('15.20');
    expect(postgresVersion(90624)).toBe('9.6.24');
    expect(postgresVersion(undefined)).toBe('unknown');
  });
});

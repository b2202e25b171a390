import { describe, expect, it } from 'vitest';
import { cleanupCommand, faultCommands, removeFiltersCommand } from '../../../src/cluster/hosts/commands.js';
import { DRIVER_FAULTS, FAULT_KINDS } from '../../../src/cluster/types.js';

const control = { controller: '10.214.0.1', sshPort: 22 };

describe('fault commands on a host', () => {
  it('a partition drops only the peers, after accepting the SSH control connection, in a table of its own', () => {
    const f = faultCommands('partition', '', { control, id: 'partx1', peers: ['10.214.0.11', '10.214.0.12'], direction: 'in' });
    const nft = f.inject.slice(f.inject.indexOf('table inet'));
    expect(nft.indexOf('ip saddr 10.214.0.1 tcp dport 22 accept')).toBeLessThan(nft.indexOf('ip saddr { 10.214.0.11, 10.214.0.12 } drop'));
    // direction in: nothing leaving the host is dropped.
    expect(nft).not.toMatch(/daddr \{[^}]*\} drop/);
    expect(f.inject).toContain('iptables -A pdrill-partx1-i -s 10.214.0.11,10.214.0.12 -j DROP');
    expect(f.heal).toContain('nft delete table inet pdrill_partx1');
    expect(f.heal).not.toContain('pdrill_isolate');
    expect(() => faultCommands('partition', '', { control, id: 'p', peers: [] })).toThrow(/no peer/);
  });

  it('loss drops a share of outgoing packets at random, never the control connection', () => {
    const f = faultCommands('loss', '', { control, id: 'lossx2', loss_pct: 25 });
    expect(f.inject).toContain('numgen random mod 10000 < 2500 drop');
    expect(faultCommands('loss', '', { control, id: 'l', loss_pct: 100 }).inject).toMatch(/sport 22 accept;\n\s+drop;/);
    expect(f.inject).toContain('-m statistic --mode random --probability 0.2500 -j DROP');
    expect(f.inject.indexOf('ip daddr 10.214.0.1 tcp sport 22 accept')).toBeLessThan(f.inject.indexOf('numgen'));
    expect(() => faultCommands('loss', '', { control, id: 'l', loss_pct: 0 })).toThrow(/loss_pct/);
  });

  it('postgres-crash kills the postmaster named by postmaster.pid, and nothing else', () => {
    const f = faultCommands('postgres-crash', 'patroni.service', { control, id: 'c', dataDir: '/var/lib/postgresql/15/main' });
    expect(f.inject).toBe(`pid=$(head -n1 '/var/lib/postgresql/15/main/postmaster.pid') && [ -n "$pid" ] && kill -KILL "$pid"`);
    expect(() => faultCommands('postgres-crash', 'patroni.service', { control, id: 'c', dataDir: null })).toThrow(/data_dir/);
  });

  it('every other fault kind is refused with its reason and the list of what is supported', () => {
    const refused = FAULT_KINDS.filter((k) => !DRIVER_FAULTS.hosts.faults.includes(k));
    expect(refused.sort()).toEqual(['bandwidth', 'cpu-starve', 'delay', 'disk-full', 'disk-slow', 'replay-pause']);
    // What the loader lets through for hosts, the driver can build.
    const ctx = { control, id: 'e', peers: ['10.0.0.2'], loss_pct: 10, dataDir: '/var/lib/postgresql/15/main' };
    for (const k of DRIVER_FAULTS.hosts.faults) expect(() => faultCommands(k, 'patroni.service', ctx)).not.toThrow();
    expect(() => faultCommands('disk-full', 'patroni.service', { control, id: 'd' })).toThrow(/real pg_wal volume.*it injects stop, kill/);
    expect(() => faultCommands('delay', '', { control, id: 'd' })).toThrow(/sch_netem/);
  });

  it("cleanup fires the tool's switches and removes its tables and chains, and only its own", () => {
    const c = cleanupCommand();
    expect(c).toContain("list-units --all --plain --no-legend --type=timer 'pdrill-*'");
    expect(c).toContain("awk '$3 ~ /^pdrill_/");
    expect(removeFiltersCommand('part')).toContain("$3 ~ /^pdrill_part/");
    expect(removeFiltersCommand('part')).toContain('-N \\(pdrill-part[A-Za-z0-9_-]*\\)$');
  });
});

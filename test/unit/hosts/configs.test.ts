import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haproxyConfig } from '../../../src/cluster/config/haproxy.js';
import { keepalivedConfig, ownCheck } from '../../../src/cluster/config/keepalived.js';
import { patroniConfig } from '../../../src/cluster/config/patroni.js';
import { haproxyMs, haproxyTimings, parseHaproxyConfig } from '../../../src/cluster/haproxy-config.js';
import { parseKeepalivedConfig, parsePatroniConfig, parseSshConnection, splitHostPort } from '../../../src/cluster/hosts/configs.js';
import { DEFAULT_SETTINGS } from '../../../src/cluster/profiles.js';

const fixture = (f: string) => readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8');

describe('HAProxy configuration as discovery reads it', () => {
  it("reads the seed project's own file: /master check for writes, /health for reads, 3 s inter, stats without auth", () => {
    const f = parseHaproxyConfig(fixture('seed-haproxy.cfg'));
    expect(f).toEqual({
      inter_ms: 3000,
      fall: 3,
      rise: 4,
      stats: [{ ports: [7000], uri: '/', auth: undefined }],
      write: 'postgres_master',
      read: 'postgres_replicas',
      writePort: 5000,
      readPort: 5001,
    });
  });

  it("reads the drill's own configuration (what the test bed's hosts run)", () => {
    const text = haproxyConfig({
      servers: [{ name: 'patroni1', address: '10.0.0.1', port: 6432, restPort: 8008 }],
      bind: '0.0.0.0',
      writePort: 5000,
      readPort: 5001,
      statsPort: 7000,
      statsPassword: 's3cret:with-colon',
      settings: DEFAULT_SETTINGS,
    });
    const f = parseHaproxyConfig(text);
    expect(f.stats).toEqual([{ ports: [7000], uri: '/', auth: { user: 'admin', password: 's3cret:with-colon' } }]);
    expect([f.write, f.read, f.writePort, f.readPort]).toEqual(['primary', 'replicas', 5000, 5001]);
    expect([f.inter_ms, f.fall, f.rise]).toEqual([500, 2, 1]);
  });

  it("fills HAProxy's own check defaults (inter 2 s, fall 3, rise 2) where the file says nothing", () => {
    expect(haproxyTimings(parseHaproxyConfig('listen master\n    option httpchk OPTIONS /primary\n    server pg1 10.0.0.1:5432 check port 8008 inter 3s\n'))).toEqual({ inter_ms: 3000, fall: 3, rise: 2 });
  });

  it('converts HAProxy times', () => {
    expect([haproxyMs('500ms'), haproxyMs('3s'), haproxyMs('2000'), haproxyMs('1m')]).toEqual([500, 3000, 2000, 60_000]);
    expect(() => haproxyMs('fast')).toThrow(/not an HAProxy time/);
  });
});

describe('keepalived configuration', () => {
  it("reads the seed's: VIP, advert_int 2 s, no nopreempt", () => {
    // Its check has weight 2: a failed check takes the bonus away rather than giving the VIP up.
    expect(parseKeepalivedConfig(fixture('seed-keepalived.conf'))).toEqual({
      vip: '192.168.1.115',
      advert_int_ms: 2000,
      nopreempt: false,
      priority: 100,
      check: { interval_ms: 2000, timeout_ms: 2000, fall: 1, weight: 2 },
    });
  });

  it("reads the drill's own: sub-second advert_int and nopreempt", () => {
    const text = keepalivedConfig({
      address: '10.0.0.31',
      peers: ['10.0.0.32'],
      interface: 'eth0',
      vip: '10.0.0.100',
      prefixLength: 24,
      priority: 101,
      advertIntMs: 500,
      nopreempt: true,
      checkCommand: '/bin/true',
    });
    expect(parseKeepalivedConfig(text)).toEqual({ vip: '10.0.0.100', advert_int_ms: 500, nopreempt: true, priority: 101, check: ownCheck(500) });
  });

  it("takes a weight from track_script over the script's, and knows an instance that tracks nothing", () => {
    const script = 'vrrp_script chk {\n  script "/bin/true"\n  interval 3\n  timeout 2\n  fall 2\n  weight -5\n}\n';
    const instance = (track: string) => `${script}vrrp_instance V {\n  priority 150\n  advert_int 1\n${track}}\n`;
    expect(parseKeepalivedConfig(instance('  track_script {\n    chk weight -30\n  }\n')).check).toEqual({ interval_ms: 3000, timeout_ms: 2000, fall: 2, weight: -30 });
    expect(parseKeepalivedConfig(instance('  track_script {\n    chk\n  }\n')).check).toEqual({ interval_ms: 3000, timeout_ms: 2000, fall: 2, weight: -5 });
    expect(parseKeepalivedConfig(instance(''))).toMatchObject({ priority: 150, check: null });
  });
});

describe('Patroni configuration', () => {
  it('takes the member name and the advertised REST and PostgreSQL addresses', () => {
    const text = patroniConfig({
      scope: 'demo',
      name: 'pg1',
      address: '10.0.0.21',
      restPort: 8008,
      pgPort: 5432,
      etcdHosts: ['10.0.0.11:2379'],
      dataDir: '/d',
      binDir: '/b',
      socketDir: '/s',
      pgpass: '/p',
      subnet: '10.0.0.0/24',
      passwords: { superuser: 'a', replication: 'b', rewind: 'c', rest: 'd', etcd: 'e' },
      settings: DEFAULT_SETTINGS,
    });
    expect(parsePatroniConfig(text, 'pg1:/etc/patroni/config.yml')).toEqual({ name: 'pg1', scope: 'demo', rest: '10.0.0.21:8008', postgres: '10.0.0.21:5432', dataDir: '/d' });
  });

  it('falls back to a concrete listen address, never to a wildcard', () => {
    expect(parsePatroniConfig('name: a\nrestapi: { listen: "10.1.1.1:8008" }\npostgresql: { listen: "10.1.1.1:5432" }', 'f').rest).toBe('10.1.1.1:8008');
    expect(() => parsePatroniConfig('name: a\nrestapi: { listen: "0.0.0.0:8008" }\npostgresql: { listen: "*:5432" }', 'h:/etc/patroni/config.yml')).toThrow(
      'h:/etc/patroni/config.yml: no restapi.connect_address',
    );
  });
});

describe('small readers', () => {
  it('reads $SSH_CONNECTION and host:port forms', () => {
    expect(parseSshConnection('10.214.0.1 53422 10.214.0.21 22\n')).toEqual({ controller: '10.214.0.1', sshPort: 22 });
    expect(() => parseSshConnection('')).toThrow(/SSH_CONNECTION/);
    expect(splitHostPort('[fd00::1]:8008', 1)).toEqual({ host: 'fd00::1', port: 8008 });
    expect(splitHostPort('db1', 5432)).toEqual({ host: 'db1', port: 5432 });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { haproxyConfig } from '../../../src/cluster/config/haproxy.js';
import { patroniConfig } from '../../../src/cluster/config/patroni.js';
import { parseHaproxyConfig } from '../../../src/cluster/haproxy-config.js';
import {
  backendRoles,
  classify,
  containerFacts,
  daemonOf,
  findPatroni,
  haproxyConfigPath,
  parseProcScan,
  patroniProcess,
  patroniSettings,
  portRoles,
  type InspectLike,
  type TopLike,
} from '../../../src/cluster/docker/inspect.js';
import { DEFAULT_SETTINGS } from '../../../src/cluster/profiles.js';

// Recorded from the engine (docker inspect and docker top through dockerode, trimmed to the fields
// read) and from the scan script run in containers: the drill's own project, and the student-like
// project of test/cluster/course-compose.
const dir = path.join(import.meta.dirname, 'recorded');
const json = <T>(name: string) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T;
const text = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const facts = (name: string, withTop = true) =>
  containerFacts(json<InspectLike>(`${name}.inspect.json`), withTop ? json<TopLike>(`${name}.top.json`) : undefined);

describe('containerFacts and classify on recorded containers', () => {
  it("reads the drill's HAProxy: service, fixed address, aliases, ports published on loopback", () => {
    const f = facts('own-haproxy');
    expect(f.project).toBe('patroni-drill');
    expect(f.service).toBe('haproxy');
    expect(f.networks).toEqual([
      expect.objectContaining({ network: 'patroni-drill_drill', ip: '172.28.213.31', staticIp: true, aliases: expect.arrayContaining(['haproxy']) }),
    ]);
    expect(f.published).toEqual([
      { containerPort: 5000, host: '127.0.0.1', hostPort: 5000 },
      { containerPort: 5001, host: '127.0.0.1', hostPort: 5001 },
      { containerPort: 7000, host: '127.0.0.1', hostPort: 7000 },
    ]);
    expect(classify(f)).toBe('haproxy');
    expect(haproxyConfigPath(f.processes.find((p) => daemonOf(p) === 'haproxy')!)).toBe('/drill/haproxy.cfg');
  });

  it('knows a created, never started container by its command and its configured address', () => {
    const f = facts('own-patroni1-created', false);
    expect(f.running).toBe(false);
    expect(f.processes).toEqual([]);
    expect(f.networks[0]).toMatchObject({ ip: '172.28.213.21', staticIp: true });
    expect(classify(f)).toBe('patroni');
  });

  it("reads a student's HAProxy: the published ports are whatever the file says, mapped to container ports", () => {
    const f = facts('course-lb');
    expect(f.project).toBe('course-compose');
    expect(f.published).toEqual([
      { containerPort: 5000, host: '127.0.0.1', hostPort: 15002 },
      { containerPort: 5001, host: '127.0.0.1', hostPort: 15001 },
      { containerPort: 7000, host: '127.0.0.1', hostPort: 17000 },
    ]);
    expect(f.networks[0]?.staticIp).toBe(false);
    expect(classify(f)).toBe('haproxy');
  });

  it('tells Patroni, etcd and HAProxy containers apart by what runs in them, whatever they are called', () => {
    expect(classify(facts('course-pg-a'))).toBe('patroni');
    expect(classify(facts('course-dcs1'))).toBe('etcd');
  });

  it('needs the running processes for a daemon started through a shell script', () => {
    // course-dcs1's command is `sh -c "exec etcd ..."`: only its running etcd says what it is.
    expect(classify(facts('course-dcs1', false))).toBeUndefined();
  });
});

describe('daemonOf', () => {
  it.each([
    [['patroni', '/etc/patroni.yml'], 'patroni'],
    [['/usr/bin/python3', '/usr/bin/patroni', '/etc/patroni/patroni.yml'], 'patroni'],
    [['python3', '/patroni.py', 'postgres0.yml'], 'patroni'],
    [['/usr/bin/etcd', '--name', 'etcd1'], 'etcd'],
    [['haproxy', '-f', '/etc/haproxy/haproxy.cfg'], 'haproxy'],
    [['patronictl', 'list'], undefined],
    [['postgres:', 'drill:', 'checkpointer'], undefined],
    [['/usr/bin/python3', '/usr/local/bin/confd'], undefined],
  ])('%j is %s', (argv, kind) => {
    expect(daemonOf(argv)).toBe(kind);
  });
});

describe('Patroni inside a container', () => {
  it("finds the drill's Patroni beside its shell, not its PostgreSQL", () => {
    const p = findPatroni(parseProcScan(text('own-patroni1.procscan.txt')))!;
    expect(p.argv).toEqual(['/usr/bin/python3', '/usr/bin/patroni', '/etc/patroni/patroni.yml']);
    expect(p.user).toBe('999:999');
    const proc = patroniProcess(p, '/\nPATH=/usr/bin:/bin\x01HOME=/var/lib/postgresql\x01LANG=C.UTF-8\x01\n');
    expect(proc).toMatchObject({ main: false, cwd: '/', config: '/etc/patroni/patroni.yml', env: ['PATH=/usr/bin:/bin', 'HOME=/var/lib/postgresql', 'LANG=C.UTF-8'] });
  });

  it("sees that a student's Patroni is its container's main process, so killing it ends the container", () => {
    const p = findPatroni(parseProcScan(text('course-pg-a.procscan.txt')))!;
    expect(patroniProcess(p, '/\n\n')).toMatchObject({ main: true, config: '/fixture/patroni.yml' });
  });

  it('resolves a relative configuration path against the working directory', () => {
    const p = patroniProcess({ pid: 7, ppid: 1, user: '101:103', argv: ['python3', '/patroni.py', 'postgres0.yml'] }, '/home/postgres\n\n');
    expect(p.config).toBe('/home/postgres/postgres0.yml');
  });

  const settings = { ...DEFAULT_SETTINGS };
  const generated = patroniConfig({
    scope: 'drill',
    name: 'patroni1',
    address: '172.28.213.21',
    restPort: 8008,
    pgPort: 5432,
    etcdHosts: ['172.28.213.11:2379'],
    dataDir: '/var/lib/drill/data',
    binDir: '/usr/lib/postgresql/current/bin',
    socketDir: '/drill/run',
    pgpass: '/var/lib/drill/pgpass',
    subnet: '172.28.213.0/24',
    passwords: { superuser: 'su-secret', replication: 'r', rewind: 'w', rest: 'x', etcd: 'e' },
    settings,
  });

  it("takes the superuser and REST port from Patroni's configuration file", () => {
    expect(patroniSettings(generated, {})).toEqual({ restPort: 8008, superuser: { user: 'postgres', password: 'su-secret' } });
  });

  it('lets the environment win over the file, as Patroni does', () => {
    const env = { PATRONI_SUPERUSER_PASSWORD: 'from-env', PATRONI_RESTAPI_LISTEN: '0.0.0.0:8010' };
    expect(patroniSettings(generated, env)).toEqual({ restPort: 8010, superuser: { user: 'postgres', password: 'from-env' } });
    const course = readFileSync(path.join(import.meta.dirname, '../../cluster/course-compose/patroni.yml'), 'utf8');
    expect(patroniSettings(course, {}).superuser).toBeUndefined();
  });
});

describe('HAProxy', () => {
  it("finds the stats page's port, URI and user in the drill's generated configuration", () => {
    const cfg = haproxyConfig({
      servers: [{ name: 'patroni1', address: '172.28.213.21', port: 5432, restPort: 8008 }],
      bind: '0.0.0.0',
      writePort: 5000,
      readPort: 5001,
      statsPort: 7000,
      statsPassword: 'stats-secret',
      settings: DEFAULT_SETTINGS,
    });
    expect(parseHaproxyConfig(cfg).stats).toEqual([{ ports: [7000], uri: '/', auth: { user: 'admin', password: 'stats-secret' } }]);
  });

  it("and in a student's", () => {
    const cfg = readFileSync(path.join(import.meta.dirname, '../../cluster/course-compose/haproxy.cfg'), 'utf8');
    expect(parseHaproxyConfig(cfg).stats).toEqual([{ ports: [7000], uri: '/haproxy', auth: { user: 'admin', password: 'course-stats-secret' } }]);
  });

  const row = (backend: string, server: string, status: string) => ({ backend, server, status });
  it('names the backends by what they route to, not by what they are called', () => {
    const rows = [
      row('master', 'pg-a', 'DOWN'),
      row('master', 'pg-b', 'UP'),
      row('master', 'pg-c', 'DOWN'),
      row('replicas', 'pg-a', 'UP'),
      row('replicas', 'pg-b', 'DOWN'),
      row('replicas', 'pg-c', 'UP 1/2'),
    ];
    expect(backendRoles(rows, 'pg-b', ['pg-a', 'pg-c'])).toEqual({ write: 'master', read: 'replicas' });
  });

  it('finds no write backend until HAProxy routes to the leader, and no read backend in one that also routes to the leader', () => {
    const rows = [row('w', 'a', 'DOWN'), row('w', 'b', 'DOWN'), row('all', 'a', 'UP'), row('all', 'b', 'UP')];
    expect(backendRoles(rows, 'a', ['b'])).toEqual({});
  });
});

describe('portRoles', () => {
  const port = (hostPort: number, containerPort: number) => ({ host: '127.0.0.1', hostPort, containerPort });
  it('calls the port that reached only the leader the write port, whatever its number', () => {
    const roles = portRoles([
      { port: port(15001, 5001), inRecovery: [true, true, true] },
      { port: port(15002, 5000), inRecovery: [false, false, false] },
      { port: port(17000, 7000), inRecovery: [] },
    ]);
    expect(roles).toEqual({ write: port(15002, 5000), read: port(15001, 5001), mixed: [] });
  });

  it('keeps a port that reached both the leader and a replica apart', () => {
    expect(portRoles([{ port: port(5432, 5432), inRecovery: [false, true, false] }])).toEqual({ mixed: [port(5432, 5432)] });
  });
});

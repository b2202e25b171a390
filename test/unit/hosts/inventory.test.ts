import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/cluster/hosts/inventory.js';

let dir: string;
const write = async (name: string, text: string) => {
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'inventory-'));
  await writeFile(path.join(dir, 'id_test'), 'not really a key\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const GOOD = `
ssh: { user: dba, key: id_test }
hosts:
  pg1:
    address: 192.168.1.111
    services: [patroni, pgbouncer]
  lb1:
    address: 192.168.1.113
    user: root
    port: 2222
    services:
      haproxy:
      keepalived: { unit: keepalived-vip }
clients:
  write: { host: 192.168.1.115, port: 5000 }
  read: { host: 192.168.1.115, port: 5001 }
credentials: { user: drill, password: pw }
`;

describe('inventory', () => {
  it("fills in Debian's unit names and config paths, sudo for a non-root user, the key file relative to the inventory", async () => {
    const inv = await loadInventory(await write('good.yaml', GOOD));
    const [pg1, lb1] = inv.hosts;
    expect(pg1!.ssh).toMatchObject({ address: '192.168.1.111', port: 22, user: 'dba', sudo: true, keyFile: path.join(dir, 'id_test') });
    expect(pg1!.services).toEqual([
      { component: 'patroni', unit: 'patroni.service', config: '/etc/patroni/config.yml' },
      { component: 'pgbouncer', unit: 'pgbouncer.service', config: '/etc/pgbouncer/pgbouncer.ini' },
    ]);
    expect(lb1!.ssh).toMatchObject({ user: 'root', port: 2222, sudo: false });
    expect(lb1!.services.map((s) => s.unit)).toEqual(['haproxy.service', 'keepalived-vip.service']);
    expect(inv.credentials.database).toBe('postgres');
    expect(inv.scratchDatabase).toBe('pdrill_scratch');
  });

  it('names file, line, column and field of each problem', async () => {
    const bad = GOOD.replace('services: [patroni, pgbouncer]', 'services: [patroni, pgbouncr]').replace('port: 2222', 'port: "ssh"');
    const f = await write('bad.yaml', bad);
    const err = await loadInventory(f).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(`${f}:6:15: hosts.pg1.services: Unrecognized key: "pgbouncr"`);
    expect(msg).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:11: hosts\\.lb1\\.port`));
  });

  it('refuses a scratch database without the prefix (the tool drops it) and an inventory without Patroni', async () => {
    const f = await write('scratch.yaml', `${GOOD}scratch_database: postgres\n`);
    await expect(loadInventory(f)).rejects.toThrow(/scratch_database: must start with "pdrill_"/);
    const noPatroni = GOOD.replace('[patroni, pgbouncer]', '[pgbouncer]');
    await expect(loadInventory(await write('nopatroni.yaml', noPatroni))).rejects.toThrow(/no host runs patroni/);
  });

  it('needs a way to log in', async () => {
    const f = await write('nokey.yaml', GOOD.replace('ssh: { user: dba, key: id_test }', 'ssh: { user: dba }'));
    await expect(loadInventory(f)).rejects.toThrow(/hosts\.pg1: no way to log in/);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { parse as parseYaml, stringify } from 'yaml';
import ssh2 from 'ssh2';
import { haproxyConfig } from '../config/haproxy.js';
import { keepalivedConfig, ownPriorities } from '../config/keepalived.js';
import { patroniConfig } from '../config/patroni.js';
import { pgbouncerConfig, pgbouncerUsers } from '../config/pgbouncer.js';
import { readHaproxyStats } from '../haproxy-stats.js';
import { getJson } from '../patroni-api.js';
import { DEFAULT_SETTINGS } from '../profiles.js';
import { BASE_IMAGE, imageTag } from '../docker/image.js';
import { PROJECT_ROOT } from '../../experiment/load.js';
import { waitFor } from '../../util/time.js';
import { isLeaderRole, isReplicating } from '../roles.js';

/**
 * A test bed that behaves like a DBA's VMs: one container per host, systemd as PID 1, sshd, and
 * Debian's packaged services with their own units and configuration paths. The seed project's
 * shape: 3 etcd hosts, 3 Patroni hosts each with pgbouncer, 2 HAProxy hosts with keepalived and a VIP.
 */
export const TESTBED_DIR = path.join(PROJECT_ROOT, '.drill', 'testbed');
export const TESTBED_INVENTORY = path.join(TESTBED_DIR, 'inventory.yaml');
const CONTEXT = path.join(PROJECT_ROOT, 'docker', 'testbed');
const REPOSITORY = 'patroni-drill-testbed';
const LABEL = 'patroni-drill.testbed';
const NETWORK = 'pdrill-tb';
const SUBNET = '10.214.0.0/24';
/** Keeps the bed's addresses from leaving through the default route when the bed is down. */
const BLACKHOLE = '10.214.0.0/16';
const VIP = '10.214.0.100';
const PG_BIN = '/usr/lib/postgresql/15/bin';
/** A non-root login with NOPASSWD sudo on every host, for inventories that do not log in as root. */
export const SUDO_USER = 'drill-ops';

interface BedHost {
  name: string;
  address: string;
  services: Array<'etcd' | 'patroni' | 'pgbouncer' | 'haproxy' | 'keepalived'>;
}

export const BED: BedHost[] = [
  ...[1, 2, 3].map((i) => ({ name: `etcd${i}`, address: `10.214.0.${10 + i}`, services: ['etcd' as const] })),
  ...[1, 2, 3].map((i) => ({ name: `patroni${i}`, address: `10.214.0.${20 + i}`, services: ['patroni' as const, 'pgbouncer' as const] })),
  ...[1, 2].map((i) => ({ name: `haproxy${i}`, address: `10.214.0.${30 + i}`, services: ['haproxy' as const, 'keepalived' as const] })),
];
const container = (h: string) => `pdrill-tb-${h}`;
const docker = (args: string[], opts: { input?: string; timeout?: number } = {}) =>
  execa('docker', args, { timeout: opts.timeout ?? 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });

async function putFile(host: string, file: string, text: string, owner = 'root', mode = '644'): Promise<void> {
  const d = path.posix.dirname(file);
  await docker(['exec', '-i', container(host), 'sh', '-c', `mkdir -p ${d} && cat > ${file} && chown ${owner}: ${file} && chmod ${mode} ${file}`], { input: text });
}

const inBed = (host: string, script: string, timeout = 120_000) => docker(['exec', container(host), 'sh', '-c', script], { timeout });

/** Where Patroni comes from: Debian 13's 4.0.7 (default) or Debian 12's own 3.0.2. */
export type PatroniSuite = 'trixie' | 'bookworm';

/** Builds the image when its context changed (the tag is the context's hash); cached otherwise. */
export async function ensureTestbedImage(progress: (m: string) => void, suite: PatroniSuite = 'trixie'): Promise<{ image: string; built: boolean }> {
  const image = `${REPOSITORY}:${await imageTag(CONTEXT)}${suite === 'trixie' ? '' : `-${suite}`}`;
  if ((await docker(['image', 'inspect', image]).catch(() => null)) !== null) return { image, built: false };
  if ((await docker(['image', 'inspect', BASE_IMAGE]).catch(() => null)) === null) {
    throw new Error(`the base image ${BASE_IMAGE} is missing: \`sudo bash scripts/docker-prepare.sh\` builds it from Debian's mirror`);
  }
  progress(`building ${image} from docker/testbed/Dockerfile (a few minutes the first time)`);
  await execa('docker', ['build', '-q', '-t', image, '--build-arg', `BASE_IMAGE=${BASE_IMAGE}`, '--build-arg', `PATRONI_SUITE=${suite}`, CONTEXT], {
    timeout: 1_800_000,
  });
  // Images of earlier recipes would pile up with every edit of docker/testbed/.
  const sameSuite = (t: string) => (suite === 'trixie' ? !t.includes('-') : t.endsWith(`-${suite}`));
  const old = (await docker(['image', 'ls', REPOSITORY, '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').filter((t) => t && t !== image && sameSuite(t));
  if (old.length) await docker(['image', 'rm', ...old]).catch(() => {});
  return { image, built: true };
}

/** Removes every container, the network, the route and the state folder of the bed. Idempotent. */
export async function testbedDown(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], { timeout: 180_000 });
  await docker(['network', 'rm', NETWORK]).catch(() => {});
  await execa('ip', ['route', 'del', 'blackhole', BLACKHOLE]).catch(() => {});
  await rm(TESTBED_DIR, { recursive: true, force: true });
}

export interface TestbedFacts {
  inventory: string;
  seconds: { image: number; boot: number; healthy: number };
  built: boolean;
}

export async function testbedUp(progress: (m: string) => void = () => {}, suite: PatroniSuite = 'trixie'): Promise<TestbedFacts> {
  const t0 = performance.now();
  const { image, built } = await ensureTestbedImage(progress, suite);
  const tImage = performance.now();
  await testbedDown();
  await mkdir(TESTBED_DIR, { recursive: true });
  await execa('ip', ['route', 'replace', 'blackhole', BLACKHOLE]);
  await docker(['network', 'create', '--label', LABEL, '--subnet', SUBNET, '--ip-range', '10.214.0.192/26', NETWORK]);

  const key = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'patroni-drill test bed' });
  await writeFile(path.join(TESTBED_DIR, 'id_ed25519'), key.private, { mode: 0o600 });
  const pw = () => randomBytes(12).toString('base64url');
  const passwords = { superuser: pw(), replication: pw(), rewind: pw(), rest: pw(), etcd: '', drill: pw(), stats: pw() };

  progress(`starting ${BED.length} hosts (systemd as PID 1) on ${SUBNET}`);
  await Promise.all(
    BED.map((h) =>
      docker([
        'run', '-d', '--name', container(h.name), '--hostname', h.name, '--label', LABEL,
        '--network', NETWORK, '--ip', h.address,
        // systemd as PID 1 without --privileged (refused here): the host's cgroup tree, tmpfs /run.
        '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw', '--tmpfs', '/run', '--tmpfs', '/run/lock',
        '--cap-add', 'NET_ADMIN', image,
      ]),
    ),
  );
  await Promise.all(
    BED.map(async (h) => {
      // Right after `docker run` systemd may not answer on its bus yet: poll until it says it is up.
      await waitFor(
        `systemd on ${h.name}`,
        async () => {
          const r = await inBed(h.name, 'systemctl is-system-running', 10_000).catch((e: { stdout?: string; stderr?: string }) => e);
          const state = `${r.stdout ?? ''}`.trim();
          if (state === 'running' || state === 'degraded') return true;
          throw new Error(`${h.name}: systemd is "${state || r.stderr}"`);
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      await putFile(h.name, '/root/.ssh/authorized_keys', `${key.public}\n`, 'root', '600');
      // The inventory's other way in, as many DBAs log in: a user of their own with sudo.
      await inBed(h.name, `useradd -m -s /bin/sh ${SUDO_USER}`);
      await putFile(h.name, `/home/${SUDO_USER}/.ssh/authorized_keys`, `${key.public}\n`, SUDO_USER, '600');
      await putFile(h.name, `/etc/sudoers.d/${SUDO_USER}`, `${SUDO_USER} ALL=(ALL) NOPASSWD: ALL\n`, 'root', '440');
    }),
  );
  const tBoot = performance.now();

  const etcd = BED.filter((h) => h.services.includes('etcd'));
  const patroni = BED.filter((h) => h.services.includes('patroni'));
  const haproxy = BED.filter((h) => h.services.includes('haproxy'));
  const s = DEFAULT_SETTINGS;

  // All services at once, as hosts booting together would: Patroni waits for etcd by itself.
  progress('etcd, Patroni with pgbouncer, HAProxy with keepalived');
  const etcdUp = Promise.all(
    etcd.map(async (h) => {
      const env = {
        ETCD_NAME: h.name,
        ETCD_DATA_DIR: '/var/lib/etcd/default',
        ETCD_LISTEN_PEER_URLS: `http://${h.address}:2380`,
        ETCD_INITIAL_ADVERTISE_PEER_URLS: `http://${h.address}:2380`,
        ETCD_LISTEN_CLIENT_URLS: `http://${h.address}:2379,http://127.0.0.1:2379`,
        ETCD_ADVERTISE_CLIENT_URLS: `http://${h.address}:2379`,
        ETCD_INITIAL_CLUSTER: etcd.map((e) => `${e.name}=http://${e.address}:2380`).join(','),
        ETCD_INITIAL_CLUSTER_STATE: 'new',
        ETCD_INITIAL_CLUSTER_TOKEN: 'pdrill-testbed',
        ETCD_HEARTBEAT_INTERVAL: String(s.etcd.heartbeat_ms),
        ETCD_ELECTION_TIMEOUT: String(s.etcd.election_ms),
      };
      await putFile(h.name, '/etc/default/etcd', Object.entries(env).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');
      await inBed(h.name, 'systemctl enable --now etcd.service');
    }),
  );

  const patroniUp = Promise.all(
    patroni.map(async (h) => {
      const doc = parseYaml(
        patroniConfig({
          scope: 'testbed',
          name: h.name,
          address: h.address,
          restPort: 8008,
          pgPort: 5432,
          etcdHosts: etcd.map((e) => `${e.address}:2379`),
          dataDir: '/var/lib/postgresql/15/main',
          binDir: PG_BIN,
          socketDir: '/var/run/postgresql',
          pgpass: '/var/lib/postgresql/.pgpass_patroni',
          subnet: SUBNET,
          passwords,
          settings: s,
        }),
      ) as { etcd3: Record<string, unknown> };
      // The bed's etcd runs without authentication, as the seed's did.
      delete doc.etcd3.username;
      delete doc.etcd3.password;
      await putFile(h.name, '/etc/patroni/config.yml', stringify(doc), 'postgres', '600');
      await putFile(
        h.name,
        '/etc/pgbouncer/pgbouncer.ini',
        pgbouncerConfig({ address: h.address, port: 6432, pgAddress: h.address, pgPort: 5432, authFile: '/etc/pgbouncer/userlist.txt', socketDir: '/var/run/postgresql' }),
        'postgres',
        '640',
      );
      await putFile(h.name, '/etc/pgbouncer/userlist.txt', pgbouncerUsers({ postgres: passwords.superuser, drill: passwords.drill }), 'postgres', '640');
      await inBed(h.name, 'systemctl enable --now patroni.service pgbouncer.service');
    }),
  );

  const haproxyUp = Promise.all(
    haproxy.map(async (h) => {
      await putFile(
        h.name,
        '/etc/haproxy/haproxy.cfg',
        haproxyConfig({
          servers: patroni.map((p) => ({ name: p.name, address: p.address, port: 6432, restPort: 8008 })),
          bind: '0.0.0.0',
          writePort: 5000,
          readPort: 5001,
          statsPort: 7000,
          statsPassword: passwords.stats,
          settings: s,
        }),
      );
      await putFile(
        h.name,
        '/etc/keepalived/keepalived.conf',
        keepalivedConfig({
          address: h.address,
          peers: haproxy.filter((x) => x !== h).map((x) => x.address),
          interface: 'eth0',
          vip: VIP,
          prefixLength: 24,
          priority: ownPriorities(haproxy.map((x) => x.name))[h.name]!,
          advertIntMs: s.keepalived.advert_int_ms,
          nopreempt: s.keepalived.nopreempt,
          checkCommand: '/usr/bin/systemctl is-active --quiet haproxy.service',
        }),
      );
      await inBed(h.name, 'systemctl enable --now haproxy.service keepalived.service');
    }),
  );
  await Promise.all([etcdUp, patroniUp, haproxyUp]);

  progress('waiting for a leader, replicas and the VIP');
  const leader = await waitFor(
    'a Patroni leader in the test bed',
    async () => {
      const views = await Promise.all(patroni.map((p) => getJson<{ role?: string }>(`http://${p.address}:8008/patroni`, 1000).catch(() => ({}) as { role?: string })));
      return patroni.find((_, i) => isLeaderRole(views[i]!.role));
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  const admin = new pg.Client({ host: leader.address, port: 5432, user: 'postgres', password: passwords.superuser, database: 'postgres', connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    // The drill's role: it may create databases (its scratch one) and nothing else.
    await admin.query(`CREATE ROLE drill LOGIN CREATEDB PASSWORD ${pg.escapeLiteral(passwords.drill)}`);
  } finally {
    await admin.end();
  }
  const stats = haproxy.map((h) => ({ url: `http://${h.address}:7000/`, user: 'admin', password: passwords.stats, name: h.name }));
  await waitFor(
    'a healthy test bed',
    async () => {
      type View = { role?: string; state?: string; replication_state?: string };
      const views = await Promise.all(patroni.map((p) => getJson<View>(`http://${p.address}:8008/patroni`, 1000).catch((): View => ({}))));
      const missing = patroni.flatMap((p, i) => {
        const v = views[i]!;
        return isLeaderRole(v.role) || isReplicating(v) ? [] : [`${p.name} is ${v.role ?? 'unreachable'}/${v.state ?? '?'}${v.replication_state ? `/${v.replication_state}` : ''}`];
      });
      for (const st of stats) {
        const rows = await readHaproxyStats(st).catch(() => []);
        if (!rows.some((r) => r.backend === 'primary' && r.status === 'UP')) missing.push(`${st.name} has no write server UP`);
      }
      const vip = await inBed('haproxy1', 'ip -o addr show; true').then((r) => r.stdout.includes(`${VIP}/`));
      const vip2 = vip || (await inBed('haproxy2', 'ip -o addr show; true').then((r) => r.stdout.includes(`${VIP}/`)));
      if (!vip2) missing.push(`nobody holds the VIP ${VIP}`);
      if (missing.length) throw new Error(`still waiting: ${missing.join('; ')}`);
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const tHealthy = performance.now();

  const fingerprints = await Promise.all(
    BED.map(async (h) => (await inBed(h.name, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ')[1]!),
  );
  const inventory = {
    // The bed's eight hosts share this machine's cores: sshd may take longer than a VM's to answer.
    ssh: { user: 'root', key: 'id_ed25519', connect_timeout: 30 },
    hosts: Object.fromEntries(BED.map((h, i) => [h.name, { address: h.address, host_key: fingerprints[i], services: h.services }])),
    clients: { write: { host: VIP, port: 5000 }, read: { host: VIP, port: 5001 } },
    credentials: { user: 'drill', password: passwords.drill, database: 'postgres' },
  };
  await writeFile(TESTBED_INVENTORY, `# Written by \`npm run testbed -- up\`; removed by \`npm run testbed -- down\`.\n${stringify(inventory)}`, { mode: 0o600 });
  return {
    inventory: TESTBED_INVENTORY,
    built,
    seconds: { image: (tImage - t0) / 1000, boot: (tBoot - tImage) / 1000, healthy: (tHealthy - tBoot) / 1000 },
  };
}

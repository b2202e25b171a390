import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadYaml } from '../../grade/yaml.js';
import { COMPONENTS, type Component } from '../types.js';

/** Unit names and configuration paths of Debian's and Ubuntu's packages, used when the inventory names none. */
export const PACKAGE_DEFAULTS: Record<Component, { unit: string; config: string }> = {
  etcd: { unit: 'etcd.service', config: '/etc/default/etcd' },
  patroni: { unit: 'patroni.service', config: '/etc/patroni/config.yml' },
  pgbouncer: { unit: 'pgbouncer.service', config: '/etc/pgbouncer/pgbouncer.ini' },
  haproxy: { unit: 'haproxy.service', config: '/etc/haproxy/haproxy.cfg' },
  keepalived: { unit: 'keepalived.service', config: '/etc/keepalived/keepalived.conf' },
};

const sshFields = {
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  /** Private key file (OpenSSH or PEM), relative to the inventory file. */
  key: z.string().min(1).optional(),
  passphrase: z.string().optional(),
  /** Authenticate with the running ssh-agent ($SSH_AUTH_SOCK). */
  agent: z.boolean().optional(),
  /** Prefix every command with `sudo -n` (default: when the user is not root). */
  sudo: z.boolean().optional(),
};

const service = z.strictObject({ unit: z.string().min(1).optional(), config: z.string().min(1).optional() });
/** `[patroni, pgbouncer]`, or a map that names units and files: `{ patroni: { unit: patroni@main } }`. */
const services = z.preprocess(
  (v) => (Array.isArray(v) ? Object.fromEntries(v.map((c) => [String(c), null])) : v),
  z.strictObject(Object.fromEntries(COMPONENTS.map((c) => [c, service.nullish()])) as Record<Component, z.ZodOptional<z.ZodNullable<typeof service>>>),
);

const endpoint = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

export const inventorySchema = z.strictObject({
  /** Defaults for every host's SSH connection. */
  ssh: z.strictObject({ ...sshFields, connect_timeout: z.number().positive().optional() }).optional(),
  hosts: z.record(
    z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a host name is letters, digits, "_", "." or "-"'),
    z.strictObject({
      address: z.string().min(1),
      ...sshFields,
      /** The host key's SHA256 fingerprint as `ssh-keygen -lf` prints it ("SHA256:…"); checked when given. */
      host_key: z.string().regex(/^SHA256:[A-Za-z0-9+/]+={0,2}$/, 'expected "SHA256:<base64>" as ssh-keygen -lf prints it').optional(),
      services,
    }),
  ),
  /** Where clients connect: HAProxy's write and read ports, or the virtual IP's. */
  clients: z.strictObject({ write: endpoint, read: endpoint }),
  /** A role that may create a database: the drill creates one scratch database with it and drops it afterwards. */
  credentials: z.strictObject({
    user: z.string().min(1),
    password: z.string(),
    /** A database the role may connect to, to create and drop the scratch one. */
    database: z.string().min(1).default('postgres'),
  }),
  scratch_database: z
    .string()
    .regex(/^pdrill_[a-z0-9_]+$/, 'must start with "pdrill_" (the prefix marks what the tool may drop)')
    .default('pdrill_scratch'),
});

export type InventoryFile = z.infer<typeof inventorySchema>;

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  /** The private key's text, when a key file is used. */
  privateKey?: string;
  keyFile?: string;
  passphrase?: string;
  agent?: string;
  sudo: boolean;
  hostKey?: string;
  connectTimeoutMs: number;
}

export interface HostService {
  component: Component;
  unit: string;
  config: string;
}

export interface InventoryHost {
  name: string;
  ssh: SshTarget;
  services: HostService[];
}

export interface Inventory {
  file: string;
  hosts: InventoryHost[];
  clients: { write: { host: string; port: number }; read: { host: string; port: number } };
  credentials: { user: string; password: string; database: string };
  scratchDatabase: string;
}

/** Reads and validates an inventory; problems come as file:line:col with the field's path. */
export async function loadInventory(file: string): Promise<Inventory> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`inventory ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const data = loadYaml(file, inventorySchema, text);
  return resolveInventory(data, file);
}

export async function resolveInventory(data: InventoryFile, file: string): Promise<Inventory> {
  const dir = path.dirname(path.resolve(file));
  const d = data.ssh ?? {};
  const hosts: InventoryHost[] = [];
  for (const [name, h] of Object.entries(data.hosts)) {
    const user = h.user ?? d.user ?? os.userInfo().username;
    const keyFile = h.key ?? d.key;
    const agent = (h.agent ?? d.agent) ? process.env.SSH_AUTH_SOCK : undefined;
    if ((h.agent ?? d.agent) && !agent) throw new Error(`${file}: hosts.${name}: agent is on but SSH_AUTH_SOCK is not set`);
    if (!keyFile && !agent) throw new Error(`${file}: hosts.${name}: no way to log in: give ssh.key (a key file) or ssh.agent: true`);
    const keyPath = keyFile ? path.resolve(dir, keyFile.replace(/^~(?=\/)/, os.homedir())) : undefined;
    const privateKey = keyPath
      ? await readFile(keyPath, 'utf8').catch((err: Error) => {
          throw new Error(`${file}: hosts.${name}: key file ${keyPath}: ${err.message}`);
        })
      : undefined;
    const list = Object.entries(h.services) as Array<[Component, { unit?: string; config?: string } | null | undefined]>;
    hosts.push({
      name,
      ssh: {
        address: h.address,
        port: h.port ?? d.port ?? 22,
        user,
        ...(privateKey ? { privateKey, keyFile: keyPath } : {}),
        ...((h.passphrase ?? d.passphrase) !== undefined ? { passphrase: h.passphrase ?? d.passphrase } : {}),
        ...(agent ? { agent } : {}),
        sudo: h.sudo ?? d.sudo ?? user !== 'root',
        ...(h.host_key ? { hostKey: h.host_key } : {}),
        connectTimeoutMs: (d.connect_timeout ?? 10) * 1000,
      },
      services: list.map(([component, s]) => ({
        component,
        unit: withSuffix(s?.unit ?? PACKAGE_DEFAULTS[component].unit),
        config: s?.config ?? PACKAGE_DEFAULTS[component].config,
      })),
    });
  }
  if (!hosts.some((h) => h.services.some((s) => s.component === 'patroni'))) throw new Error(`${file}: no host runs patroni`);
  return { file: path.resolve(file), hosts, clients: data.clients, credentials: data.credentials, scratchDatabase: data.scratch_database };
}

const withSuffix = (unit: string) => (/\.(service|scope)$/.test(unit) ? unit : `${unit}.service`);

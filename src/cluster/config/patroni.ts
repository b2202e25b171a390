import { stringify } from 'yaml';
import type { ClusterSettings } from '../types.js';

export interface PatroniNodeConfig {
  scope: string;
  name: string;
  /** Address Patroni and PostgreSQL listen on and advertise. */
  address: string;
  restPort: number;
  pgPort: number;
  etcdHosts: string[];
  dataDir: string;
  /** pg_wal on a filesystem of its own (initdb --waldir, pg_basebackup --waldir), when the driver gives one. */
  walDir?: string;
  binDir: string;
  socketDir: string;
  pgpass: string;
  /** Subnet the cluster's hosts are on, for pg_hba. */
  subnet: string;
  passwords: { superuser: string; replication: string; rewind: string; rest: string; etcd: string };
  settings: ClusterSettings;
}

/** The dynamic (DCS) part: what `patronictl edit-config` shows and changes. */
export function dynamicConfig(s: ClusterSettings): Record<string, unknown> {
  return {
    ttl: s.ttl,
    loop_wait: s.loop_wait,
    retry_timeout: s.retry_timeout,
    maximum_lag_on_failover: s.maximum_lag_on_failover,
    failsafe_mode: s.failsafe_mode,
    synchronous_mode: s.synchronous_mode !== false,
    synchronous_mode_strict: s.synchronous_mode === 'strict',
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      parameters: {
        wal_level: 'replica',
        hot_standby: 'on',
        wal_log_hints: 'on',
        max_wal_senders: 10,
        max_replication_slots: 10,
        wal_keep_size: '128MB',
        // The local driver's pg_wal is a 512 MB filesystem (local/wal-disk.ts): with the default 1 GB
        // between checkpoints a replica of a cluster kept for a whole suite ran out of space there
        // (switchover, the 20th drill on it: "could not write to file pg_wal/xlogtemp").
        max_wal_size: '256MB',
        min_wal_size: '64MB',
        max_connections: 100,
      },
    },
  };
}

export function patroniConfig(c: PatroniNodeConfig): string {
  const hba = [
    'local all all scram-sha-256',
    `host replication replicator ${c.subnet} scram-sha-256`,
    'host replication replicator 127.0.0.1/32 scram-sha-256',
    `host all all ${c.subnet} scram-sha-256`,
    'host all all 127.0.0.1/32 scram-sha-256',
  ];
  const doc = {
    scope: c.scope,
    namespace: '/service/',
    name: c.name,
    log: { level: 'INFO' },
    restapi: {
      listen: `${c.address}:${c.restPort}`,
      connect_address: `${c.address}:${c.restPort}`,
      // GETs stay open for HAProxy's checks and the observers; changes need the password.
      authentication: { username: 'patroni', password: c.passwords.rest },
    },
    ctl: { insecure: true },
    etcd3: { hosts: c.etcdHosts, username: 'root', password: c.passwords.etcd },
    bootstrap: {
      dcs: dynamicConfig(c.settings),
      // initdb's default "127.0.0.1/32 trust" would make every loopback connection passwordless.
      // no-sync: initdb's closing fsync of the whole data directory is most of its time, and the
      // drill's faults kill processes, never the machine's power.
      initdb: [
        { encoding: 'UTF8' },
        { 'auth-host': 'scram-sha-256' },
        { 'auth-local': 'scram-sha-256' },
        'data-checksums',
        'no-sync',
        ...(c.walDir ? [{ waldir: c.walDir }] : []),
      ],
      pg_hba: hba,
    },
    postgresql: {
      listen: `${c.address}:${c.pgPort}`,
      connect_address: `${c.address}:${c.pgPort}`,
      data_dir: c.dataDir,
      bin_dir: c.binDir,
      pgpass: c.pgpass,
      // A replica's clone should not wait for the leader's next scheduled checkpoint.
      basebackup: [{ checkpoint: 'fast' }, ...(c.walDir ? [{ waldir: c.walDir }] : [])],
      // Patroni's own connection to its PostgreSQL survives the node's network faults.
      use_unix_socket: true,
      use_unix_socket_repl: false,
      authentication: {
        superuser: { username: 'postgres', password: c.passwords.superuser },
        replication: { username: 'replicator', password: c.passwords.replication },
        rewind: { username: 'rewinder', password: c.passwords.rewind },
      },
      parameters: {
        unix_socket_directories: c.socketDir,
        password_encryption: 'scram-sha-256',
      },
      pg_hba: hba,
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
  return stringify(doc);
}

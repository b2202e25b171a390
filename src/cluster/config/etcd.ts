import type { ClusterSettings } from '../types.js';

export interface EtcdMember {
  name: string;
  address: string;
}

/** Command-line flags only: etcd 3.4 exits when an ETCD_* variable duplicates a flag. */
export function etcdArgs(self: EtcdMember, members: EtcdMember[], dataDir: string, token: string, s: ClusterSettings): string[] {
  return [
    '--name', self.name,
    '--data-dir', dataDir,
    '--listen-peer-urls', `http://${self.address}:2380`,
    '--initial-advertise-peer-urls', `http://${self.address}:2380`,
    '--listen-client-urls', `http://${self.address}:2379`,
    '--advertise-client-urls', `http://${self.address}:2379`,
    '--initial-cluster', members.map((m) => `${m.name}=http://${m.address}:2380`).join(','),
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', token,
    '--heartbeat-interval', String(s.etcd.heartbeat_ms),
    '--election-timeout', String(s.etcd.election_ms),
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

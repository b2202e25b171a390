import { DockerDriver, type DockerDriverOptions } from './docker/driver.js';
import { HostsDriver } from './hosts/driver.js';
import { LocalDriver } from './local/driver.js';
import type { ClusterDriver } from './types.js';

export type DriverName = ClusterDriver['kind'];

export interface DriverOptions extends DockerDriverOptions {
  /** The inventory of a cluster that already runs on hosts reached over SSH. */
  hosts?: string;
  /** Dead-man switch of every fault on a host, in seconds. */
  deadmanSeconds?: number;
}

export async function createDriver(name: DriverName, opts: DriverOptions = {}): Promise<ClusterDriver> {
  if (opts.hosts || name === 'hosts') {
    if (opts.compose) throw new Error('--hosts and --compose name two different clusters: give one');
    if (!opts.hosts) throw new Error('the hosts driver needs an inventory: --hosts <inventory.yaml>');
    return new HostsDriver({ inventory: opts.hosts, ...(opts.deadmanSeconds ? { deadmanSeconds: opts.deadmanSeconds } : {}) });
  }
  if (name === 'local') {
    if (opts.compose) throw new Error('--compose drives a Docker Compose project: use it with --driver docker');
    return new LocalDriver();
  }
  return new DockerDriver(opts);
}

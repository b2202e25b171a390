import { DockerDriver, type DockerDriverOptions } from './docker/driver.js';
import { LocalDriver } from './local/driver.js';
import type { ClusterDriver } from './types.js';

export type DriverName = 'local' | 'docker';

export async function createDriver(name: DriverName, opts: DockerDriverOptions = {}): Promise<ClusterDriver> {
  if (name === 'local') {
    if (opts.compose) throw new Error('--compose drives a Docker Compose project: use it with --driver docker');
    return new LocalDriver();
  }
  return new DockerDriver(opts);
}

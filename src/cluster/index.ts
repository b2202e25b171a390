import { LocalDriver } from './local/driver.js';
import type { ClusterDriver } from './types.js';

export type DriverName = 'local' | 'docker';

export async function createDriver(name: DriverName): Promise<ClusterDriver> {
  if (name === 'local') return new LocalDriver();
  throw new Error(`driver "${name}" is not available yet (use --driver local)`);
}

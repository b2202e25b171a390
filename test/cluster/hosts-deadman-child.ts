/**
 * A controller that injects one fault through the hosts driver and then hangs, for the test that
 * SIGKILLs it: argv = inventory, fault, target, dead-man seconds. Prints "injected" when the fault is in.
 */
import { HostsDriver } from '../../src/cluster/hosts/driver.js';
import type { FaultKind } from '../../src/cluster/types.js';

const [inventory, fault, target, seconds] = process.argv.slice(2) as [string, FaultKind, string, string];
const driver = new HostsDriver({ inventory, deadmanSeconds: Number(seconds), print: () => {} });
await driver.attach();
await driver.inject(fault, target);
console.log('injected');
setInterval(() => {}, 60_000);

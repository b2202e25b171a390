import { Command, Option } from 'commander';
import { formatDiscovery } from '../cluster/hosts/discover.js';
import { HostsDriver } from '../cluster/hosts/driver.js';
import { confirm } from '../cluster/hosts/plan.js';
import { createDriver, type DriverName } from '../cluster/index.js';
import { profileSpec, PROFILES } from '../cluster/profiles.js';
import { formatMembers, memberRows } from '../cluster/status.js';
import { FAULT_KINDS, type ClusterAccess, type FaultKind } from '../cluster/types.js';
import { main, runCli } from './run.js';

const program = new Command('cluster').description('Bring a real Patroni cluster up or down, look at it, and break it by hand.');
const driverOption = () => new Option('--driver <name>', 'cluster driver').choices(['local', 'docker']).default('local');
const composeOption = () =>
  new Option('--compose <file>', "a Docker Compose project of your own instead of the drill's docker-compose.yml (implies --driver docker)");
const hostsOption = () => new Option('--hosts <inventory>', 'a cluster already running on hosts reached over SSH, described by this inventory');
interface DriverOpts {
  driver: DriverName;
  compose?: string;
  hosts?: string;
  deadman?: string;
}
const driverFrom = (opts: DriverOpts) =>
  createDriver(opts.hosts ? 'hosts' : opts.compose ? 'docker' : opts.driver, {
    compose: opts.compose,
    hosts: opts.hosts,
    ...(opts.deadman ? { deadmanSeconds: Number(opts.deadman) } : {}),
  });

program
  .command('up')
  .description('start a fresh cluster (cleans leftovers of an earlier run first)')
  .addOption(new Option('--profile <name>', 'cluster profile').choices(Object.keys(PROFILES)).default('course'))
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .action(async (opts: { profile: string } & DriverOpts) => {
    const driver = await driverFrom(opts);
    if (driver instanceof HostsDriver) throw new Error('the hosts driver brings nothing up: the cluster is yours and already runs (try `status --hosts`)');
    const started = performance.now();
    await runCli(
      async (signal) => {
        const access = await driver.up(profileSpec(opts.profile), { signal, progress: (m) => console.error(`… ${m}`) });
        console.log(`cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        console.log(formatMembers(await memberRows(access)));
        printEndpoints(access);
      },
      // Ctrl-C or a failure during `up` leaves nothing behind.
      () => driver.down(),
    );
  });

program
  .command('down')
  .description('remove every process, data directory, namespace and route the driver made (with --hosts: the timers, rules and scratch database it left; the cluster keeps running)')
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .action(async (opts: DriverOpts) => {
    const driver = await driverFrom(opts);
    const started = performance.now();
    await driver.down();
    console.log(`cluster down in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

program
  .command('status')
  .description('the members like `patronictl list`, and the endpoints')
  .option('--json', 'print JSON')
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .action(async (opts: { json?: boolean } & DriverOpts) => {
    const driver = await driverFrom(opts);
    const access = await driver.attach();
    const members = await memberRows(access);
    const discovery = driver instanceof HostsDriver ? driver.discovery : undefined;
    if (driver instanceof HostsDriver) driver.close();
    if (opts.json) {
      console.log(JSON.stringify({ members, endpoints: endpoints(access), ...(discovery ? { discovery } : {}) }, null, 2));
    } else {
      if (discovery) console.log(formatDiscovery(discovery));
      console.log(formatMembers(members));
      printEndpoints(access);
    }
  });

for (const verb of ['fault', 'heal'] as const) {
  program
    .command(`${verb} <kind> <node>`)
    .description(verb === 'fault' ? `inject a fault on a node (${FAULT_KINDS.join(', ')})` : 'heal a fault injected on a node')
    .addOption(driverOption())
    .addOption(composeOption())
    .addOption(hostsOption())
    .option('--deadman <seconds>', 'with --hosts: the host heals the fault by itself after this long', '600')
    .option('--dry-run', 'with --hosts: print the command, touch nothing')
    .option('--yes', 'with --hosts: do not ask for confirmation')
    .action(async (kind: string, node: string, opts: DriverOpts & { dryRun?: boolean; yes?: boolean }) => {
      if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
        throw new Error(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
      }
      const driver = await driverFrom(opts);
      await driver.attach();
      if (driver instanceof HostsDriver) {
        const p = driver.faultPlan(kind as FaultKind, node);
        console.error(`${p.place.host}$ ${verb === 'fault' ? p.inject : p.heal}`);
        const go = !opts.dryRun && (opts.yes || (await confirm(`${verb} ${kind} on ${node} (host ${p.place.host})?`)));
        if (!go) {
          driver.close();
          console.log(opts.dryRun ? 'dry run: nothing was changed' : 'not confirmed: nothing was changed');
          return;
        }
      }
      try {
        await (verb === 'fault' ? driver.inject(kind as FaultKind, node) : driver.heal(kind as FaultKind, node));
      } finally {
        if (driver instanceof HostsDriver) driver.close();
      }
      console.log(`${verb === 'fault' ? 'injected' : 'healed'} ${kind} on ${node}`);
    });
}

function endpoints(a: ClusterAccess) {
  const url = (e: { host: string; port: number }) => `postgresql://${a.app.user}:${a.app.password}@${e.host}:${e.port}/${a.app.database}`;
  return {
    write: { ...a.write, url: url(a.write) },
    read: { ...a.read, url: url(a.read) },
    stats: a.stats.map((s) => ({ haproxy: s.haproxy, url: s.url, user: s.user, password: s.password })),
    superuser: a.superuser,
  };
}

function printEndpoints(a: ClusterAccess): void {
  const e = endpoints(a);
  console.log(`write (leader):    ${e.write.url}`);
  console.log(`read (replicas):   ${e.read.url}`);
  for (const s of e.stats) console.log(`HAProxy stats:     ${s.url} (${s.user} / ${s.password})`);
}

await main(() => program.parseAsync());

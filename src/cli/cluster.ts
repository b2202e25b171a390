import { Command, Option } from 'commander';
import { formatDiscovery } from '../cluster/hosts/discover.js';
import { HostsDriver } from '../cluster/hosts/driver.js';
import { confirm } from '../cluster/hosts/plan.js';
import { createDriver, type DriverName } from '../cluster/index.js';
import { profileSpec, PROFILES } from '../cluster/profiles.js';
import { formatMembers, memberRows } from '../cluster/status.js';
import { DIRECTIONS, FAULT_KINDS, type ClusterAccess, type ClusterDriver, type Direction, type FaultKind } from '../cluster/types.js';
import { faultParams } from '../experiment/schema.js';
import { endpoints } from './endpoints.js';
import { leftoverHint, main, runCli } from './run.js';

const program = new Command('cluster').description('Bring a real Patroni cluster up or down, look at it, and break it by hand.');
/** Two faults of one kind on one node (two partitions) are two injections: each its own id, and heal names it. */
const idOption = () => new Option('--id <name>', 'which injection this is, when a node has two of one kind (heal names the same id)');
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
const showSecretsOption = () => new Option('--show-secrets', 'print passwords instead of masking them');

program
  .command('up')
  .description('start a fresh cluster (cleans leftovers of an earlier run first)')
  .addOption(new Option('--profile <name>', 'cluster profile').choices(Object.keys(PROFILES)).default('course'))
  .addOption(driverOption())
  .addOption(composeOption())
  .option('--patroni <build>', 'the Patroni build to run (local driver): a version installed by `npm run setup -- --patroni <version>`, or a patroni executable\'s path')
  .addOption(showSecretsOption())
  .addOption(hostsOption())
  .action(async (opts: { profile: string; patroni?: string; showSecrets?: boolean } & DriverOpts) => {
    const driver = await driverFrom(opts);
    if (driver instanceof HostsDriver) throw new Error('the hosts driver brings nothing up: the cluster is yours and already runs (try `status --hosts`)');
    const started = performance.now();
    await runCli(
      async (signal) => {
        const spec = { ...profileSpec(opts.profile), ...(opts.patroni ? { patroni: opts.patroni } : {}) };
        const access = await driver.up(spec, { signal, progress: (m) => console.error(`… ${m}`) });
        console.log(`cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        console.log(formatMembers(await memberRows(access)));
        printEndpoints(access, opts.showSecrets === true);
      },
      // Ctrl-C or a failure during `up` leaves nothing behind.
      { cleanup: () => driver.down(), leftovers: leftoverHint(opts.driver, opts.compose) },
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
  .addOption(showSecretsOption())
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .action(async (opts: { json?: boolean; showSecrets?: boolean } & DriverOpts) => {
    const driver = await driverFrom(opts);
    const access = await driver.attach();
    const members = await memberRows(access);
    const discovery = driver instanceof HostsDriver ? driver.discovery : undefined;
    if (driver instanceof HostsDriver) driver.close();
    const show = opts.showSecrets === true;
    if (opts.json) {
      console.log(JSON.stringify({ members, endpoints: endpoints(access, show), ...(discovery ? { discovery } : {}) }, null, 2));
    } else {
      if (discovery) console.log(formatDiscovery(discovery));
      console.log(formatMembers(members));
      printEndpoints(access, show);
    }
  });

program
  .command('fault <kind> <node>')
  .description(`inject a fault on a node (${FAULT_KINDS.join(', ')})`)
  .option('--from <nodes>', 'partition, loss, bandwidth: the other side, comma-separated node names (default: every other node)')
  .addOption(new Option('--direction <way>', 'partition: in, out or both').choices([...DIRECTIONS]).default('both'))
  .option('--loss <percent>', 'loss: share of outgoing packets dropped, e.g. 10%')
  .option('--rate <rate>', 'bandwidth: outgoing rate cap, e.g. 1mbit')
  .option('--cpu <percent>', 'cpu-starve: CPU quota as a share of one core, e.g. 10%')
  .option('--write <rate>', "disk-slow: write cap on the node's pg_wal device, bytes/s, e.g. 1mb")
  .option('--iops <n>', "disk-slow: write operations per second on the node's pg_wal device, e.g. 50")
  .option('--delay <duration>', "delay: added to each direction of the node's connections to its peers, e.g. 200ms")
  .option('--jitter <duration>', 'delay: ± this much, uniform, e.g. 50ms')
  .addOption(idOption())
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .option('--deadman <seconds>', 'with --hosts: the host heals the fault by itself after this long', '600')
  .option('--dry-run', 'with --hosts: print the command, touch nothing')
  .option('--yes', 'with --hosts: do not ask for confirmation')
  .action(async (kind: string, node: string, opts: HostsOpts & { id?: string; from?: string; direction: Direction; loss?: string; rate?: string; cpu?: string; delay?: string; jitter?: string; write?: string; iops?: string }) => {
    const fault = faultKind(kind);
    // The experiment file's own rules for a fault's settings, so both say the same.
    const params = { ...faultParams(fault, opts), ...(opts.id ? { tag: opts.id } : {}) };
    const driver = await driverFrom(opts);
    await driver.attach();
    await onHosts(driver, 'fault', fault, node, opts, async () => {
      const outcome = await driver.inject(fault, node, params);
      console.log(`injected ${kind} on ${node}${outcome ? `: ${outcome.detail}` : ''}`);
    });
  });

program
  .command('heal <kind> <node>')
  .description('heal a fault injected on a node')
  .addOption(idOption())
  .addOption(driverOption())
  .addOption(composeOption())
  .addOption(hostsOption())
  .option('--dry-run', 'with --hosts: print the command, touch nothing')
  .option('--yes', 'with --hosts: do not ask for confirmation')
  .action(async (kind: string, node: string, opts: HostsOpts & { id?: string }) => {
    const fault = faultKind(kind);
    const driver = await driverFrom(opts);
    await driver.attach();
    await onHosts(driver, 'heal', fault, node, opts, async () => {
      await driver.heal(fault, node, opts.id);
      console.log(`healed ${kind} on ${node}`);
    });
  });

type HostsOpts = DriverOpts & { dryRun?: boolean; yes?: boolean };

/** On someone's real hosts, the command is shown and confirmed first, and the SSH connections closed after. */
async function onHosts(driver: ClusterDriver, verb: 'fault' | 'heal', fault: FaultKind, node: string, opts: HostsOpts, act: () => Promise<void>): Promise<void> {
  if (!(driver instanceof HostsDriver)) return act();
  try {
    const p = driver.faultPlan(fault, node);
    console.error(`${p.place.host}$ ${verb === 'fault' ? p.inject : p.heal}`);
    const go = !opts.dryRun && (opts.yes || (await confirm(`${verb} ${fault} on ${node} (host ${p.place.host})?`)));
    if (!go) {
      console.log(opts.dryRun ? 'dry run: nothing was changed' : 'not confirmed: nothing was changed');
      return;
    }
    await act();
  } finally {
    driver.close();
  }
}

function faultKind(kind: string): FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`);
  return kind as FaultKind;
}

function printEndpoints(a: ClusterAccess, showSecrets: boolean): void {
  const e = endpoints(a, showSecrets);
  console.log(`write (leader):    ${e.write.url}`);
  console.log(`read (replicas):   ${e.read.url}`);
  for (const s of e.stats) console.log(`HAProxy stats:     ${s.url} (${s.user} / ${s.password})`);
  if (!showSecrets) console.log(`passwords are masked; --show-secrets prints them`);
}

await main(() => program.parseAsync());

import { Command, Option } from 'commander';
import { HostsDriver } from '../cluster/hosts/driver.js';
import { TESTBED_INVENTORY, testbedDown, testbedUp, type PatroniSuite } from '../cluster/hosts/testbed.js';
import { main, runCli } from './run.js';

const program = new Command('testbed').description(
  'A test bed of systemd hosts in Docker (sshd + Debian-packaged etcd, Patroni, pgbouncer, HAProxy, keepalived) for the hosts driver.',
);

program
  .command('up')
  .description('build (or reuse) the image, start the hosts, configure their services, write .drill/testbed/inventory.yaml')
  .addOption(new Option('--patroni-suite <suite>', "trixie: Debian 13's Patroni 4.0.7; bookworm: Debian 12's own 3.0.2").choices(['trixie', 'bookworm']).default('trixie'))
  .action(async (opts: { patroniSuite: PatroniSuite }) => {
    await runCli(
      async () => {
        const f = await testbedUp((m) => console.error(`… ${m}`), opts.patroniSuite);
        console.log(
          `test bed up: image ${f.built ? 'built' : 'cached'} ${f.seconds.image.toFixed(1)} s, hosts booted ${f.seconds.boot.toFixed(1)} s, ` +
            `services healthy ${f.seconds.healthy.toFixed(1)} s later`,
        );
        console.log(`inventory: ${f.inventory}`);
      },
      { cleanup: () => testbedDown(), leftovers: 'containers pdrill-tb-*, their network and route may be left; remove them with: npm run testbed -- down' },
    );
  });

program
  .command('down')
  .description('remove every container, the network, the route and the inventory of the test bed')
  .action(async () => {
    await testbedDown();
    console.log('test bed removed');
  });

program
  .command('latency')
  .description('how long after inject() a fault starts on its host: pause/resume of etcd on the last etcd host (a minority), N times')
  .option('-n <count>', 'repetitions', '20')
  .action(async (opts: { n: string }) => {
    const driver = new HostsDriver({ inventory: TESTBED_INVENTORY, deadmanSeconds: 60, print: () => {} });
    await driver.attach();
    const etcd = [...driver.discovery.hosts].reverse().find((h) => h.units.some((u) => u.component === 'etcd'))!.name;
    const delays: number[] = [];
    try {
      for (let i = 0; i < Number(opts.n); i++) {
        await driver.inject('pause', etcd);
        delays.push(driver.lastInjectDelayMs!);
        await driver.heal('pause', etcd);
      }
    } finally {
      driver.close();
    }
    delays.sort((a, b) => a - b);
    const q = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]!.toFixed(1);
    // The bed's hosts share this machine's clock, so the host's timestamp minus the call is the delay.
    console.log(`fault start after inject() on ${etcd}, ${delays.length} runs: min ${q(0)} ms, median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms`);
  });

await main(() => program.parseAsync());

import { Command } from 'commander';
import { testbedDown, testbedUp } from '../cluster/hosts/testbed.js';
import { main, runCli } from './run.js';

const program = new Command('testbed').description(
  'A test bed of systemd hosts in Docker (sshd + Debian-packaged etcd, Patroni, pgbouncer, HAProxy, keepalived) for the hosts driver.',
);

program
  .command('up')
  .description('build (or reuse) the image, start the hosts, configure their services, write .drill/testbed/inventory.yaml')
  .action(async () => {
    await runCli(
      async () => {
        const f = await testbedUp((m) => console.error(`… ${m}`));
        console.log(
          `test bed up: image ${f.built ? 'built' : 'cached'} ${f.seconds.image.toFixed(1)} s, hosts booted ${f.seconds.boot.toFixed(1)} s, ` +
            `services healthy ${f.seconds.healthy.toFixed(1)} s later`,
        );
        console.log(`inventory: ${f.inventory}`);
      },
      () => testbedDown(),
    );
  });

program
  .command('down')
  .description('remove every container, the network, the route and the inventory of the test bed')
  .action(async () => {
    await testbedDown();
    console.log('test bed removed');
  });

await main(() => program.parseAsync());

import { describe, expect, it } from 'vitest';
import { findLeftovers, type LabSnapshot } from '../../../src/chaos-self/leftovers.js';

const lab = { prefix: 'pdrill11-', net: '10.213.11.', cgroup: 'patroni-drill-11', base: '/var/lib/patroni-drill/local-11' };
const clean: LabSnapshot = {
  // Another lab (12) and the default lab (7) are running: none of it is ours.
  netns: 'pdrill12-patroni1 (id: 4)\npdrill-br (id: 1)\n',
  links: '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n7: pdrill12-host@if2: <BROADCAST> mtu 1500\n',
  routes: 'blackhole 10.213.0.0/16\n10.213.12.0/24 dev pdrill12-host proto kernel scope link src 10.213.12.1\n',
  iptables: '*filter\n-A OUTPUT -d 10.213.12.0/24 -j DROP\nCOMMIT\n',
  processes: [
    { pid: 10, cgroup: '0::/patroni-drill-12/patroni1/patroni\n', cmdline: '/usr/bin/python3 /usr/bin/patroni /var/lib/patroni-drill/local-12/patroni1/patroni.yml', state: 'S' },
    { pid: 11, cgroup: '0::/patroni-drill-110/etcd1/etcd\n', cmdline: 'etcd --name etcd1', state: 'S' },
    { pid: 12, cgroup: '0::/\n', cmdline: 'bash', state: 'S' },
    // Killed with the lab, not yet reaped by PID 1: dead, not left.
    { pid: 13, cgroup: '0::/patroni-drill-11/patroni1/patroni\n', cmdline: '', state: 'Z' },
  ],
  cgroups: [],
  baseExists: false,
};

describe('the leftover scanner', () => {
  it('finds nothing when only other labs run', () => {
    expect(findLeftovers(clean, lab)).toEqual([]);
  });

  it("names each of the lab's own leftovers: namespace, link, route, rule, process, frozen cgroup, folder", () => {
    const dirty: LabSnapshot = {
      ...clean,
      netns: `${clean.netns}pdrill11-br (id: 9)\n`,
      links: `${clean.links}9: pdrill11-host@if3: <BROADCAST> mtu 1500\n`,
      routes: `${clean.routes}10.213.11.0/24 dev pdrill11-host proto kernel scope link src 10.213.11.1\n`,
      iptables: `${clean.iptables}-A OUTPUT -m cgroup --path patroni-drill-11/patroni1 -j DROP\n`,
      processes: [
        ...clean.processes,
        { pid: 20, cgroup: '0::/patroni-drill-11/patroni1/patroni\n', cmdline: 'postgres -D /var/lib/patroni-drill/local-11/patroni1/data', state: 'T' },
        // Escaped its cgroup, still found by its files.
        { pid: 21, cgroup: '0::/\n', cmdline: 'haproxy -db -f /var/lib/patroni-drill/local-11/haproxy/haproxy.cfg', state: 'S' },
      ],
      cgroups: [
        { group: '', frozen: false },
        { group: 'patroni1', frozen: true },
      ],
      baseExists: true,
    };
    const found = findLeftovers(dirty, lab);
    expect(found).toEqual([
      'network namespace pdrill11-br',
      'link pdrill11-host',
      'route 10.213.11.0/24 dev pdrill11-host proto kernel scope link src 10.213.11.1',
      'iptables rule -A OUTPUT -m cgroup --path patroni-drill-11/patroni1 -j DROP',
      'stopped process 20 (postgres -D /var/lib/patroni-drill/local-11/patroni1/data) in cgroup patroni-drill-11',
      'process 21 (haproxy -db -f /var/lib/patroni-drill/local-11/haproxy/haproxy.cfg)',
      'cgroup patroni-drill-11',
      'cgroup patroni-drill-11/patroni1 (frozen)',
      'folder /var/lib/patroni-drill/local-11',
    ]);
  });
});

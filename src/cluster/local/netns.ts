import { execa } from 'execa';
import { LAB } from './lab.js';

/**
 * The lab network: one namespace per node, each with a veth into a bridge that lives in its own
 * namespace, on a private /24. The root namespace joins the bridge as the "client host" so the runner,
 * observers and users reach the nodes directly; a blackhole route for the whole private /16 goes in
 * first, so a lab address can never leave the machine through the default route.
 */
export const NET = {
  prefix: LAB.prefix,
  bridgeNs: `${LAB.prefix}br`,
  bridge: 'br0',
  hostLink: `${LAB.prefix}host`,
  // Shared by every lab on the machine; each lab's own /24 is connected, so more specific.
  blackhole: '10.213.0.0/16',
  subnet: LAB.subnet,
  hostAddress: LAB.address(1),
} as const;

export const nsName = (node: string) => `${NET.prefix}${node}`;
const peerName = (node: string) => `ve-${node}`.slice(0, 15);

async function ip(args: string[]): Promise<void> {
  await execa('ip', args);
}

async function ipOk(args: string[]): Promise<boolean> {
  const r = await execa('ip', args, { reject: false });
  return r.exitCode === 0;
}

export async function createLab(): Promise<void> {
  await ipOk(['route', 'del', 'blackhole', NET.blackhole]);
  await ip(['route', 'add', 'blackhole', NET.blackhole]);
  await ip(['netns', 'add', NET.bridgeNs]);
  await ip(['-n', NET.bridgeNs, 'link', 'set', 'lo', 'up']);
  await ip(['-n', NET.bridgeNs, 'link', 'add', NET.bridge, 'type', 'bridge']);
  await ip(['-n', NET.bridgeNs, 'link', 'set', NET.bridge, 'up']);
  await ip(['link', 'add', NET.hostLink, 'type', 'veth', 'peer', 'name', 'h0', 'netns', NET.bridgeNs]);
  await ip(['-n', NET.bridgeNs, 'link', 'set', 'h0', 'master', NET.bridge, 'up']);
  await ip(['addr', 'add', `${NET.hostAddress}/24`, 'dev', NET.hostLink]);
  await ip(['link', 'set', NET.hostLink, 'up']);
}

export async function addHost(node: string, address: string): Promise<void> {
  const ns = nsName(node);
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', NET.bridgeNs, 'link', 'add', peerName(node), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['-n', NET.bridgeNs, 'link', 'set', peerName(node), 'master', NET.bridge, 'up']);
  await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
}

/** Pulls (or restores) the node's cable: it reaches nobody and nobody reaches it. */
export async function setLink(node: string, up: boolean): Promise<void> {
  await ip(['-n', NET.bridgeNs, 'link', 'set', peerName(node), up ? 'up' : 'down']);
}

export async function listLabNamespaces(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(NET.prefix));
}

/** Removes every namespace, link and route of the lab, whatever state a crashed run left. */
export async function destroyLab(): Promise<void> {
  for (const ns of await listLabNamespaces()) await ipOk(['netns', 'del', ns]);
  await ipOk(['link', 'del', NET.hostLink]);
  // Another lab still running keeps the blackhole: its /24 must not leak either.
  const links = await execa('ip', ['-o', 'link', 'show'], { reject: false });
  if (!/ pdrill\d*-host[@:]/.test(links.stdout)) await ipOk(['route', 'del', 'blackhole', NET.blackhole]);
}

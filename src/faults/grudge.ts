import type { NodeInfo } from '../cluster/types.js';

/**
 * Jepsen's grudges as partition shapes built around one node (the step's target):
 * - isolate: the node alone, cut from every other node;
 * - split: a minority (the node, and as many etcd members as keep it a minority of etcd) cut from
 *   the majority (every other etcd and Patroni node);
 * - bridge: the other etcd and Patroni nodes in two halves that cannot reach each other, the node
 *   reaching both (around an etcd member, each half still sees a majority through it).
 * HAProxy nodes stay on no side in split and bridge: they are the clients' way in, outside the
 * partition, as Jepsen's clients are.
 */
export const SHAPES = ['isolate', 'split', 'bridge'] as const;
export type Shape = (typeof SHAPES)[number];

/** The nodes that get the rules, and whom they drop: a partition of `cut` from `from`. */
export interface Sides {
  cut: string[];
  from: string[];
}

export function grudge(shape: Shape, anchor: string, nodes: readonly NodeInfo[]): Sides {
  const of = (kind: NodeInfo['kind']) => nodes.filter((n) => n.kind === kind).map((n) => n.name);
  const self = nodes.find((n) => n.name === anchor);
  if (!self) throw new Error(`partition shape ${shape}: no node named ${anchor}`);
  if (shape === 'isolate') return { cut: [anchor], from: nodes.map((n) => n.name).filter((n) => n !== anchor) };
  if (self.kind === 'haproxy') throw new Error(`partition shape ${shape} is built around an etcd or Patroni node, not ${anchor} (HAProxy stays outside it)`);
  const etcd = of('etcd');
  const members = [...etcd, ...of('patroni')];
  if (shape === 'split') {
    const minority = Math.floor((etcd.length - 1) / 2);
    const company = etcd.filter((e) => e !== anchor).slice(0, minority - (self.kind === 'etcd' ? 1 : 0));
    const cut = [anchor, ...company];
    return { cut, from: members.filter((n) => !cut.includes(n)) };
  }
  // bridge: alternate the others of each kind between the halves, so both get some of each.
  const halves: [string[], string[]] = [[], []];
  for (const kind of ['etcd', 'patroni'] as const) of(kind).filter((n) => n !== anchor).forEach((n, i) => halves[i % 2]!.push(n));
  if (halves[1].length === 0) throw new Error(`partition shape bridge needs at least two other nodes besides ${anchor}`);
  return { cut: halves[0], from: halves[1] };
}

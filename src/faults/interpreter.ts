import type { ClusterAccess, ClusterDriver, FaultKind, FaultParams } from '../cluster/types.js';
import type { FaultOptions, TargetSpec } from '../experiment/schema.js';
import { grudge } from './grudge.js';
import { emptyMemory, resolveTarget, type ResolvedTarget } from './targets.js';

/** Faults that set a node's state rather than add a rule of their own (see FaultLedger.healTargets). */
const STATE_FAULTS: ReadonlySet<FaultKind> = new Set(['stop', 'kill', 'kill-patroni', 'pause', 'isolate', 'replay-pause']);

export interface OpenFault {
  id: string;
  fault: FaultKind;
  targets: ResolvedTarget[];
  /** How it was injected and what was measured (mechanism, asked vs measured), when the driver says. */
  detail?: string;
  /** The other side, when the file named one (`from:`); absent = every peer. */
  peers?: string[];
}

/**
 * Injects faults and remembers every one still open, so that whatever happens (a failed step, a
 * timeout, Ctrl-C) `healAll` can undo them, newest first.
 */
export class FaultLedger {
  private open: OpenFault[] = [];
  private anonymous = 0;
  /** What earlier injects hit, for replica:other, not: and each: bindings. */
  private readonly memory = emptyMemory();

  constructor(
    private readonly driver: ClusterDriver,
    private readonly access: ClusterAccess,
  ) {}

  async inject(fault: FaultKind, target: TargetSpec, id: string | null, options: FaultOptions = {}): Promise<OpenFault> {
    let targets = await resolveTarget(target, this.access, this.driver, this.memory);
    const { from, shape, ...rest } = options;
    const entryId = id ?? `#${++this.anonymous}`;
    // The id is the injection's identity on the node: heal removes its rules and nothing else's.
    const params: FaultParams = { ...rest, tag: entryId };
    if (shape) {
      if (targets.length !== 1) throw new Error(`partition shape ${shape} is built around one node; the target is ${targets.length}`);
      // One fault, one id: every node of the cutting side gets its rules, and one heal removes them all.
      const sides = grudge(shape, targets[0]!.node, this.access.nodes);
      const around = targets[0]!;
      targets = (await Promise.all(sides.cut.map((n) => (n === around.node ? [around] : resolveTarget({ kind: 'node', name: n }, this.access, this.driver))))).flat();
      params.peers = sides.from;
    }
    if (from) {
      const peers = (await Promise.all(from.map((f) => resolveTarget(f, this.access, this.driver, this.memory)))).flat().map((t) => t.node);
      params.peers = [...new Set(peers)].filter((p) => !targets.some((t) => t.node === p));
      if (params.peers.length === 0) throw new Error(`${fault}: the other side is empty once the target itself is left out`);
    }
    const entry: OpenFault = { id: entryId, fault, targets, ...(params.peers ? { peers: params.peers } : {}) };
    // Recorded before acting: a half-injected fault must still be healed.
    this.open.push(entry);
    const nodes = targets.map((t) => t.node);
    if (id !== null) this.memory.hitBy.set(id, nodes);
    for (const n of nodes) this.memory.hit.add(n);
    const outcomes = await Promise.all(targets.map((t) => this.driver.inject(fault, t.node, params)));
    const details = outcomes.flatMap((o, i) => (o ? [`${targets[i]!.node}: ${o.detail}`] : []));
    if (params.peers) details.unshift(`other side: ${params.peers.join(', ')}`);
    if (details.length) entry.detail = details.join('; ');
    return entry;
  }

  /** Heals one fault by id, or every open one (`null`), newest first. */
  async heal(id: string | null): Promise<OpenFault[]> {
    const chosen = id === null ? [...this.open].reverse() : this.open.filter((f) => f.id === id);
    if (id !== null && chosen.length === 0) throw new Error(`fault "${id}" is not open`);
    for (const f of chosen) {
      await Promise.all(this.healTargets(f).map((node) => this.driver.heal(f.fault, node, f.id)));
      this.open = this.open.filter((x) => x !== f);
    }
    return chosen;
  }

  /**
   * The nodes whose heal of `f` the driver should run now. A state fault (a stopped, killed, paused
   * or isolated node, a paused replay) has one state per node, not one rule per injection: while
   * another open fault of the same kind still holds the node, healing this one must leave it as is.
   */
  private healTargets(f: OpenFault): string[] {
    const nodes = f.targets.map((t) => t.node);
    if (!STATE_FAULTS.has(f.fault)) return nodes;
    const held = new Set(this.open.filter((o) => o !== f && o.fault === f.fault).flatMap((o) => o.targets.map((t) => t.node)));
    return nodes.filter((n) => !held.has(n));
  }

  /** Best effort on every open fault; errors are collected, not thrown, so one failure heals the rest. */
  async healAll(): Promise<{ healed: OpenFault[]; errors: string[] }> {
    const healed: OpenFault[] = [];
    const errors: string[] = [];
    for (const f of [...this.open].reverse()) {
      const results = await Promise.allSettled(this.healTargets(f).map((node) => this.driver.heal(f.fault, node, f.id)));
      for (const r of results) if (r.status === 'rejected') errors.push(`heal ${f.fault} (${f.id}): ${(r.reason as Error).message}`);
      healed.push(f);
      this.open = this.open.filter((x) => x !== f);
    }
    return { healed, errors };
  }

  get openFaults(): readonly OpenFault[] {
    return this.open;
  }
}

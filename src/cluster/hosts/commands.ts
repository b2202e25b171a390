import { DRIVER_FAULTS, type Direction, type FaultKind } from '../types.js';
import { shq } from './ssh.js';

/**
 * The shell commands a fault runs on a host, as pure functions of what discovery found: the driver
 * runs them, `--dry-run` prints them. Everything the tool leaves on a host carries this prefix, so a
 * later run can find it (systemd timers, nftables table, iptables chains).
 */
export const PREFIX = 'pdrill';
const NFT_TABLE = `${PREFIX}_isolate`;
const IPT_IN = `${PREFIX}-in`;
const IPT_OUT = `${PREFIX}-out`;

/** Where the controller's SSH connection comes from and goes to, from $SSH_CONNECTION on the host. */
export interface ControlPath {
  controller: string;
  sshPort: number;
}

export interface FaultCommands {
  inject: string;
  heal: string;
}

/** What a fault needs besides its unit: the control path, and for partition and loss, whom it cuts. */
export interface FaultContext {
  control: ControlPath;
  /** A name unique to this fault on this host ([a-z0-9]), for its own nft table or iptables chains. */
  id: string;
  /** partition, loss: the peers' addresses (loss: every destination when empty). */
  peers?: string[];
  direction?: Direction;
  loss_pct?: number;
  /** postgres-crash: PostgreSQL's data directory, whose postmaster.pid names the postmaster. */
  dataDir?: string | null;
}

/** How one fault is injected and healed on one systemd unit (or, for isolate, partition and loss, on the whole host). */
export function faultCommands(fault: FaultKind, unit: string, ctx: FaultContext): FaultCommands {
  const u = shq(unit);
  switch (fault) {
    case 'stop':
      return { inject: `systemctl stop ${u}`, heal: `systemctl start ${u}` };
    case 'kill':
      // Every process of the unit: Patroni and the PostgreSQL it started, whatever KillMode says.
      return { inject: `systemctl kill --signal=SIGKILL ${u}`, heal: `systemctl start ${u}` };
    case 'kill-patroni':
      // The main PID only: PostgreSQL survives, as it does when Patroni dies under KillMode=process.
      return { inject: `systemctl kill --kill-who=main --signal=SIGKILL ${u}`, heal: `systemctl start ${u}` };
    case 'pause':
      // freeze needs the unit's cgroup on v2 with the freezer; elsewhere SIGSTOP to each process does it.
      return {
        inject: `systemctl freeze ${u} 2>/dev/null || systemctl kill --signal=SIGSTOP ${u}`,
        heal: `systemctl thaw ${u} 2>/dev/null; systemctl kill --signal=SIGCONT ${u}`,
      };
    case 'isolate':
      return { inject: isolateCommand(ctx.control), heal: unisolateCommand() };
    case 'partition':
      return filterCommands(ctx, partitionRules(ctx));
    case 'loss':
      return filterCommands(ctx, lossRules(ctx));
    case 'postgres-crash': {
      if (!ctx.dataDir) throw new Error('postgres-crash: the Patroni configuration names no postgresql.data_dir, so the postmaster cannot be told from its children');
      // The postmaster only (its PID is postmaster.pid's first line); Patroni notices and restarts it
      // or fails over, which is the heal, so the switch has nothing to undo.
      const pidFile = shq(`${ctx.dataDir}/postmaster.pid`);
      return { inject: `pid=$(head -n1 ${pidFile}) && [ -n "$pid" ] && kill -KILL "$pid"`, heal: 'true' };
    }
    default:
      throw new Error(
        `the hosts driver does not inject ${fault}: ${DRIVER_FAULTS.hosts.missing[fault] ?? 'not built'} (it injects ${DRIVER_FAULTS.hosts.faults.join(', ')})`,
      );
  }
}

interface FilterRules {
  /** nft rules of the input and output chains, after the one that keeps the SSH control connection. */
  nft: { input: string[]; output: string[] };
  /** iptables rule specs (after `-A <chain>`) of the input and output chains, likewise. */
  ipt: { input: string[]; output: string[] };
}

const nftTable = (id: string) => `${PREFIX}_${id}`;
const iptChain = (id: string, way: 'i' | 'o') => `${PREFIX}-${id}-${way}`;

/** A partition's drops: traffic from the peers (in), to them (out), or both; never the control connection. */
function partitionRules(ctx: FaultContext): FilterRules {
  const peers = ctx.peers ?? [];
  if (peers.length === 0) throw new Error('partition: no peer address to cut the host from');
  const dir = ctx.direction ?? 'both';
  const fam = familyOf(peers[0]!);
  const set = `{ ${peers.join(', ')} }`;
  const cutIn = dir !== 'out';
  const cutOut = dir !== 'in';
  return {
    nft: { input: cutIn ? [`${fam} saddr ${set} drop`] : [], output: cutOut ? [`${fam} daddr ${set} drop`] : [] },
    ipt: { input: cutIn ? [`-s ${peers.join(',')} -j DROP`] : [], output: cutOut ? [`-d ${peers.join(',')} -j DROP`] : [] },
  };
}

/** A share of the host's outgoing packets dropped at random (to the peers only when named). */
function lossRules(ctx: FaultContext): FilterRules {
  const pct = ctx.loss_pct ?? 0;
  if (!(pct > 0 && pct <= 100)) throw new Error(`loss: loss_pct must be in (0, 100], not ${ctx.loss_pct}`);
  const peers = ctx.peers ?? [];
  const to = peers.length ? { nft: `${familyOf(peers[0]!)} daddr { ${peers.join(', ')} } `, ipt: `-d ${peers.join(',')} ` } : { nft: '', ipt: '' };
  return {
    // numgen's value must stay below its modulus: 100 % is a plain drop; hundredths of a percent otherwise.
    nft: { input: [], output: [`${to.nft}${pct >= 100 ? '' : `numgen random mod 10000 < ${Math.round(pct * 100)} `}drop`] },
    ipt: { input: [], output: [`${to.ipt}-m statistic --mode random --probability ${(pct / 100).toFixed(4)} -j DROP`] },
  };
}

const familyOf = (address: string) => (address.includes(':') ? 'ip6' : 'ip');

/**
 * A fault made of packet filter rules, in an nft table (or iptables chains) of its own named by the
 * fault's id, so that its heal removes only its rules; the SSH control connection is accepted first.
 */
function filterCommands(ctx: FaultContext, rules: FilterRules): FaultCommands {
  const c = ctx.control;
  const fam = familyOf(c.controller);
  const table = nftTable(ctx.id);
  const nft = [
    `table inet ${table} {`,
    '  chain input { type filter hook input priority -290; policy accept;',
    `    ${fam} saddr ${c.controller} tcp dport ${c.sshPort} accept;`,
    ...rules.nft.input.map((r) => `    ${r};`),
    '  }',
    '  chain output { type filter hook output priority -290; policy accept;',
    `    ${fam} daddr ${c.controller} tcp sport ${c.sshPort} accept;`,
    ...rules.nft.output.map((r) => `    ${r};`),
    '  }',
    '}',
  ].join('\n');
  const ipt = fam === 'ip6' ? 'ip6tables' : 'iptables';
  const [cin, cout] = [iptChain(ctx.id, 'i'), iptChain(ctx.id, 'o')];
  const iptables = [
    `${ipt} -N ${cin}`,
    `${ipt} -A ${cin} -s ${c.controller} -p tcp --dport ${c.sshPort} -j RETURN`,
    ...rules.ipt.input.map((r) => `${ipt} -A ${cin} ${r}`),
    `${ipt} -N ${cout}`,
    `${ipt} -A ${cout} -d ${c.controller} -p tcp --sport ${c.sshPort} -j RETURN`,
    ...rules.ipt.output.map((r) => `${ipt} -A ${cout} ${r}`),
    `${ipt} -I INPUT 1 -j ${cin}`,
    `${ipt} -I OUTPUT 1 -j ${cout}`,
  ].join(' && ');
  return {
    inject: `if command -v nft >/dev/null; then printf '%s\\n' ${shq(nft)} | nft -f -; else ${iptables}; fi`,
    heal:
      `{ nft delete table inet ${table} 2>/dev/null; ${ipt} -D INPUT -j ${cin} 2>/dev/null; ${ipt} -D OUTPUT -j ${cout} 2>/dev/null; ` +
      `${ipt} -F ${cin} 2>/dev/null; ${ipt} -X ${cin} 2>/dev/null; ${ipt} -F ${cout} 2>/dev/null; ${ipt} -X ${cout} 2>/dev/null; true; }`,
  };
}

/**
 * Drops every packet but loopback and SSH between the controller and this host's sshd, so the tool
 * keeps its way back to heal. nftables in a table of its own; iptables chains where nft is missing.
 */
export function isolateCommand(c: ControlPath): string {
  const family = c.controller.includes(':') ? 'ip6' : 'ip';
  const nft = [
    `table inet ${NFT_TABLE} {`,
    '  chain input { type filter hook input priority -300; policy drop;',
    `    iif lo accept; ${family} saddr ${c.controller} tcp dport ${c.sshPort} accept; }`,
    '  chain output { type filter hook output priority -300; policy drop;',
    `    oif lo accept; ${family} daddr ${c.controller} tcp sport ${c.sshPort} accept; }`,
    '}',
  ].join('\n');
  const ipt = c.controller.includes(':') ? 'ip6tables' : 'iptables';
  const iptables = [
    `${ipt} -N ${IPT_IN}`,
    `${ipt} -A ${IPT_IN} -i lo -j RETURN`,
    `${ipt} -A ${IPT_IN} -s ${c.controller} -p tcp --dport ${c.sshPort} -j RETURN`,
    `${ipt} -A ${IPT_IN} -j DROP`,
    `${ipt} -N ${IPT_OUT}`,
    `${ipt} -A ${IPT_OUT} -o lo -j RETURN`,
    `${ipt} -A ${IPT_OUT} -d ${c.controller} -p tcp --sport ${c.sshPort} -j RETURN`,
    `${ipt} -A ${IPT_OUT} -j DROP`,
    `${ipt} -I INPUT 1 -j ${IPT_IN}`,
    `${ipt} -I OUTPUT 1 -j ${IPT_OUT}`,
  ].join(' && ');
  return `if command -v nft >/dev/null; then printf '%s\\n' ${shq(nft)} | nft -f -; else ${iptables}; fi`;
}

export function unisolateCommand(): string {
  const ipt = (bin: string) =>
    `${bin} -D INPUT -j ${IPT_IN} 2>/dev/null; ${bin} -D OUTPUT -j ${IPT_OUT} 2>/dev/null; ` +
    `${bin} -F ${IPT_IN} 2>/dev/null; ${bin} -X ${IPT_IN} 2>/dev/null; ${bin} -F ${IPT_OUT} 2>/dev/null; ${bin} -X ${IPT_OUT} 2>/dev/null`;
  return `{ nft delete table inet ${NFT_TABLE} 2>/dev/null; ${ipt('iptables')}; ${ipt('ip6tables')}; true; }`;
}

/** A name for a fault's dead-man switch: the prefix, the fault, the unit or host, and a unique tag ('*' matches any). */
export function deadmanUnit(fault: FaultKind, what: string, serial: string): string {
  return `${PREFIX}-heal-${fault}-${what.replace(/[^a-zA-Z0-9_-]/g, '-').replace(/-(service|scope)$/, '')}-${serial}`;
}

/**
 * A transient systemd timer on the host that runs the heal after `seconds` even if the controller
 * dies or loses the network; armed before the fault in the same command, so no fault is ever unarmed.
 * The timestamp printed right before the fault lets the driver measure when it took effect.
 */
export function armedInject(unit: string, seconds: number, f: FaultCommands): string {
  const arm = `systemd-run --quiet --collect --unit=${unit} --on-active=${seconds}s --timer-property=AccuracySec=100ms /bin/sh -c ${shq(f.heal)}`;
  return `${arm} && date +%s.%N && ${f.inject}`;
}

/** Heals and removes the dead-man switch; the heal runs first so a failed heal leaves the switch armed. */
export function disarmedHeal(unit: string, f: FaultCommands): string {
  return `${f.heal} && { systemctl stop ${shq(`${unit}.timer`)} 2>/dev/null; systemctl reset-failed ${shq(`${unit}.service`)} ${shq(`${unit}.timer`)} 2>/dev/null; true; }`;
}

/**
 * Removes the tool's nft tables and iptables chains whose names start with the prefix and `kind`
 * (every one of the tool's when kind is ''), whatever armed them; prints one line per removal.
 */
export function removeFiltersCommand(kind = ''): string {
  const chains = (bin: string) =>
    `if command -v ${bin} >/dev/null; then ` +
    `${bin} -S | sed -n 's/^-A \\(INPUT\\|OUTPUT\\) -j \\(${PREFIX}-${kind}[A-Za-z0-9_-]*\\)$/\\1 \\2/p' | while read -r h c; do ${bin} -D "$h" -j "$c"; done; ` +
    `${bin} -S | sed -n 's/^-N \\(${PREFIX}-${kind}[A-Za-z0-9_-]*\\)$/\\1/p' | while read -r c; do ${bin} -F "$c"; ${bin} -X "$c"; echo "removed ${bin} chain $c"; done; fi;`;
  return [
    `if command -v nft >/dev/null; then nft list tables | awk '$3 ~ /^${PREFIX}_${kind}/ {print $2, $3}' | while read -r f t; do nft delete table "$f" "$t"; echo "removed nft table $t"; done; fi;`,
    chains('iptables'),
    chains('ip6tables'),
    'true',
  ].join(' ');
}

/** The id of a filter fault: its kind's short name first, so a heal from another process finds it by kind. */
export const filterId = (fault: FaultKind, unique: string) => `${fault === 'partition' ? 'part' : fault}${unique}`;

/**
 * What an interrupted run left: every armed dead-man switch is fired now (its service holds the
 * heal), then any nft table or iptables chain of the tool's is removed whatever armed it. Prints
 * what it found, one line each.
 */
export function cleanupCommand(): string {
  return [
    `for t in $(systemctl list-units --all --plain --no-legend --type=timer '${PREFIX}-*' | awk '{print $1}'); do`,
    '  s=${t%.timer}.service; echo "fired $s"; systemctl start "$s"; systemctl stop "$t"; systemctl reset-failed "$s" "$t" 2>/dev/null;',
    'done;',
    removeFiltersCommand(),
  ].join(' ');
}

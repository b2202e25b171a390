import type { FaultKind } from '../types.js';
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

/** How one fault is injected and healed on one systemd unit (or, for isolate, on the whole host). */
export function faultCommands(fault: FaultKind, unit: string, control: ControlPath): FaultCommands {
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
      return { inject: isolateCommand(control), heal: unisolateCommand() };
    default:
      throw new Error(`the hosts driver cannot inject ${fault} yet (it injects stop, kill, kill-patroni, pause and isolate)`);
  }
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
 * What an interrupted run left: every armed dead-man switch is fired now (its service holds the
 * heal), then any isolation is removed whatever armed it. Prints what it found, one line each.
 */
export function cleanupCommand(): string {
  return [
    `for t in $(systemctl list-units --all --plain --no-legend --type=timer '${PREFIX}-*' | awk '{print $1}'); do`,
    '  s=${t%.timer}.service; echo "fired $s"; systemctl start "$s"; systemctl stop "$t"; systemctl reset-failed "$s" "$t" 2>/dev/null;',
    'done;',
    `if nft list table inet ${NFT_TABLE} >/dev/null 2>&1 || iptables -S ${IPT_IN} >/dev/null 2>&1; then echo "removed isolation"; fi;`,
    unisolateCommand(),
  ].join(' ');
}

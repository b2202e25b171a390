import type { KeepalivedSettings } from '../types.js';

export interface KeepalivedConfigInput {
  /** This HAProxy host's address and its peers'. */
  address: string;
  peers: string[];
  interface: string;
  vip: string;
  prefixLength: number;
  priority: number;
  advertIntMs: number;
  /** Do not take the VIP back when a higher-priority node returns (avoids a second blip). */
  nopreempt: boolean;
  /** Command that succeeds while this node's HAProxy serves. */
  checkCommand: string;
}

/**
 * The health check this tool gives keepalived: a run every advertisement interval (whole seconds,
 * at least one), each allowed 1 s, one failure enough to give the VIP up.
 */
export function ownCheck(advertIntMs: number): NonNullable<KeepalivedSettings['check']> {
  return { interval_ms: Math.max(1, Math.round(advertIntMs / 1000)) * 1000, timeout_ms: 1000, fall: 1, weight: 0 };
}

/** The first HAProxy is the preferred VIP holder: priorities 100 + n … 101. */
export function ownPriorities(haproxy: readonly string[]): Record<string, number> {
  return Object.fromEntries(haproxy.map((name, i) => [name, 100 + haproxy.length - i]));
}

/**
 * VRRP between the HAProxy hosts. Unicast peers, because the lab bridge's multicast is not something
 * a student's VMs can count on either; VRRPv3 so the advertisement interval can go below a second.
 */
export function keepalivedConfig(c: KeepalivedConfigInput): string {
  const advert = (c.advertIntMs / 1000).toFixed(2).replace(/\.?0+$/, '');
  const check = ownCheck(c.advertIntMs);
  return [
    'global_defs {',
    '    script_user root',
    '    enable_script_security',
    '    vrrp_version 3',
    '    vrrp_garp_master_delay 0',
    '    vrrp_garp_master_repeat 3',
    '}',
    '',
    'vrrp_script chk_haproxy {',
    `    script "${c.checkCommand}"`,
    `    interval ${check.interval_ms / 1000}`,
    `    timeout ${check.timeout_ms / 1000}`,
    `    fall ${check.fall}`,
    '    rise 1',
    '}',
    '',
    'vrrp_instance drill_vip {',
    // nopreempt only works from BACKUP; without it the higher priority takes the VIP back.
    `    state ${c.nopreempt ? 'BACKUP' : c.priority >= 100 + c.peers.length ? 'MASTER' : 'BACKUP'}`,
    `    interface ${c.interface}`,
    '    virtual_router_id 51',
    `    priority ${c.priority}`,
    `    advert_int ${advert}`,
    ...(c.nopreempt ? ['    nopreempt'] : []),
    `    unicast_src_ip ${c.address}`,
    '    unicast_peer {',
    ...c.peers.map((p) => `        ${p}`),
    '    }',
    '    virtual_ipaddress {',
    `        ${c.vip}/${c.prefixLength} dev ${c.interface}`,
    '    }',
    '    track_script {',
    '        chk_haproxy',
    '    }',
    '}',
    '',
  ].join('\n');
}

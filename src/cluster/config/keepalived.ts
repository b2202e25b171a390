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
 * VRRP between the HAProxy hosts. Unicast peers, because the lab bridge's multicast is not something
 * a student's VMs can count on either; VRRPv3 so the advertisement interval can go below a second.
 */
export function keepalivedConfig(c: KeepalivedConfigInput): string {
  const advert = (c.advertIntMs / 1000).toFixed(2).replace(/\.?0+$/, '');
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
    `    interval ${Math.max(1, Math.round(c.advertIntMs / 1000))}`,
    '    timeout 1',
    '    fall 1',
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

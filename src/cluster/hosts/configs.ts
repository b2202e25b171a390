import { parse as parseYaml } from 'yaml';
import type { ControlPath } from './commands.js';
import type { KeepalivedSettings } from '../types.js';

/** Readers of the packaged services' own configuration files: what discovery learns from them. */

export interface PatroniFileFacts {
  name: string;
  scope: string;
  /** host:port of the REST API as Patroni advertises it. */
  rest: string;
  /** host:port of PostgreSQL as Patroni advertises it. */
  postgres: string;
  /** PostgreSQL's data directory (its postmaster.pid names the postmaster). */
  dataDir: string | null;
}

/** /etc/patroni/config.yml (or the inventory's path). */
export function parsePatroniConfig(text: string, where: string): PatroniFileFacts {
  const doc = (parseYaml(text) ?? {}) as {
    name?: string;
    scope?: string;
    restapi?: { connect_address?: string; listen?: string };
    postgresql?: { connect_address?: string; listen?: string; data_dir?: string };
  };
  const pick = (a: string | undefined, b: string | undefined, what: string) => {
    // listen may be "0.0.0.0:8008" or "*:5432": not an address to connect to.
    const v = a ?? (b && !/^(0\.0\.0\.0|\*|::)[:,]/.test(b) ? b.split(',')[0] : undefined);
    if (!v) throw new Error(`${where}: no ${what}.connect_address`);
    return v.trim();
  };
  if (!doc.name) throw new Error(`${where}: no member name (name:)`);
  return {
    name: String(doc.name),
    scope: String(doc.scope ?? ''),
    rest: pick(doc.restapi?.connect_address, doc.restapi?.listen, 'restapi'),
    postgres: pick(doc.postgresql?.connect_address, doc.postgresql?.listen, 'postgresql'),
    dataDir: doc.postgresql?.data_dir ?? null,
  };
}

export interface KeepalivedFacts {
  vip: string | null;
  advert_int_ms: number | null;
  nopreempt: boolean;
  /** This host's VRRP priority (keepalived's default 100). */
  priority: number;
  /** The first tracked vrrp_script, with keepalived's defaults filled in; null when the instance tracks none. */
  check: KeepalivedSettings['check'];
}

/** keepalived's own defaults (2.x): a script every 1 s, given as long as its interval, one failure, weight 0. */
const SCRIPT_DEFAULTS = { interval: 1, fall: 1, weight: 0 };

/**
 * /etc/keepalived/keepalived.conf: the first VRRP instance's VIP, advertisement interval, nopreempt,
 * priority and the health check it tracks (a weight in track_script overrides the script's).
 */
export function parseKeepalivedConfig(text: string): KeepalivedFacts {
  const clean = text.replace(/[#!].*$/gm, '');
  const num = (block: string, key: string) => {
    const m = new RegExp(`^\\s*${key}\\s+(-?[\\d.]+)`, 'm').exec(block);
    return m ? Number(m[1]) : null;
  };
  const advert = num(clean, 'advert_int');
  const vipBlock = /virtual_ipaddress\s*\{([^}]*)\}/.exec(clean);
  const vip = vipBlock ? (/(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+:[0-9a-f:]*)/i.exec(vipBlock[1]!)?.[1] ?? null) : null;
  const tracked = /track_script\s*\{\s*(\S+)(?:\s+weight\s+(-?\d+))?/.exec(clean);
  let check: KeepalivedFacts['check'] = null;
  if (tracked) {
    const script = new RegExp(`vrrp_script\\s+${tracked[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{([^}]*)\\}`).exec(clean)?.[1] ?? '';
    const interval = num(script, 'interval') ?? SCRIPT_DEFAULTS.interval;
    check = {
      interval_ms: Math.round(interval * 1000),
      timeout_ms: Math.round((num(script, 'timeout') ?? interval) * 1000),
      fall: num(script, 'fall') ?? SCRIPT_DEFAULTS.fall,
      weight: tracked[2] !== undefined ? Number(tracked[2]) : (num(script, 'weight') ?? SCRIPT_DEFAULTS.weight),
    };
  }
  return {
    vip,
    advert_int_ms: advert === null ? null : Math.round(advert * 1000),
    nopreempt: /^\s*nopreempt\b/m.test(clean),
    priority: num(clean, 'priority') ?? 100,
    check,
  };
}

/** $SSH_CONNECTION = "client-ip client-port server-ip server-port". */
export function parseSshConnection(text: string): ControlPath {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 4) throw new Error(`unexpected $SSH_CONNECTION "${text.trim()}"`);
  return { controller: parts[0]!, sshPort: Number(parts[3]) };
}

/** host:port, with [v6]:port. */
export function splitHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return { host: s, port: defaultPort };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
}

import { parse as parseYaml } from 'yaml';
import type { ControlPath } from './commands.js';
import type { ClusterSettings, KeepalivedSettings } from '../types.js';

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

export interface HaproxyFacts {
  inter_ms: number | null;
  fall: number | null;
  rise: number | null;
  stats: { port: number; uri: string; user: string; password: string } | null;
  /** Sections (listen/backend names) whose health check asks for the leader, and for replicas. */
  write: string | null;
  read: string | null;
  /** Ports the write and read sections bind, when they are listen sections. */
  writePort: number | null;
  readPort: number | null;
}

/** HAProxy timings in milliseconds: "500ms", "2s", "1m", or a bare number (ms). */
export function haproxyMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(v);
  if (!m) throw new Error(`not an HAProxy time: "${v}"`);
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}

const LEADER_CHECK = /\/(primary|master|leader|read-write)\b/;

/** HAProxy's own defaults for a server's checks: inter 2 s, fall 3, rise 2. */
const CHECK_DEFAULTS = { inter_ms: 2000, fall: 3, rise: 2 };

/** The check timings HAProxy runs with: what the file says, HAProxy's defaults where it says nothing. */
export function haproxyTimings(f: Pick<HaproxyFacts, 'inter_ms' | 'fall' | 'rise'>): ClusterSettings['haproxy'] {
  return { inter_ms: f.inter_ms ?? CHECK_DEFAULTS.inter_ms, fall: f.fall ?? CHECK_DEFAULTS.fall, rise: f.rise ?? CHECK_DEFAULTS.rise };
}

/** /etc/haproxy/haproxy.cfg: section by section, the lines discovery needs. */
export function parseHaproxyConfig(text: string): HaproxyFacts {
  const facts: HaproxyFacts = { inter_ms: null, fall: null, rise: null, stats: null, write: null, read: null, writePort: null, readPort: null };
  let section = '';
  let name = '';
  let bindPort: number | null = null;
  let statsSection = false;
  let auth: [string, string] | null = null;
  let uri = '/';
  const closeSection = () => {
    if (statsSection && bindPort) facts.stats = { port: bindPort, uri, user: auth?.[0] ?? '', password: auth?.[1] ?? '' };
    if (facts.write === name && section === 'listen') facts.writePort = bindPort;
    if (facts.read === name && section === 'listen') facts.readPort = bindPort;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    if (/^\S/.test(raw) && ['global', 'defaults', 'listen', 'frontend', 'backend', 'peers', 'resolvers', 'userlist'].includes(words[0]!)) {
      closeSection();
      section = words[0]!;
      name = words[1] ?? '';
      bindPort = null;
      statsSection = false;
      auth = null;
      uri = '/';
      continue;
    }
    const k = words[0]!;
    if (k === 'bind') {
      const port = /:(\d+)$/.exec(words[1] ?? '');
      if (port) bindPort = Number(port[1]);
    } else if (k === 'stats' && section !== 'global') {
      if (words[1] === 'enable' || words[1] === 'uri') statsSection = true;
      if (words[1] === 'uri' && words[2]) uri = words[2];
      if (words[1] === 'auth' && words[2]) {
        const i = words[2].indexOf(':');
        auth = [words[2].slice(0, i), words[2].slice(i + 1)];
        statsSection = true;
      }
    } else if ((k === 'option' && words[1] === 'httpchk') || (k === 'http-check' && words[1] === 'send')) {
      // The leader's check names a leader endpoint; the other checked section (/replica, /read-only,
      // /health as the seed's) serves reads.
      if (LEADER_CHECK.test(line)) facts.write ??= name;
      else facts.read ??= name;
    } else if (k === 'default-server' || k === 'server') {
      for (let i = 1; i < words.length - 1; i++) {
        const v = words[i + 1]!;
        if (words[i] === 'inter' && facts.inter_ms === null) facts.inter_ms = haproxyMs(v);
        if (words[i] === 'fall' && facts.fall === null) facts.fall = Number(v);
        if (words[i] === 'rise' && facts.rise === null) facts.rise = Number(v);
      }
    }
  }
  closeSection();
  return facts;
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

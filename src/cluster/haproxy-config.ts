/**
 * Reading an haproxy.cfg someone else wrote (a user's hosts, a user's compose project): the lines
 * discovery needs and the check timings the predictions use.
 */
import type { ClusterSettings } from './types.js';

/** A section that serves HAProxy's stats page. */
export interface StatsSection {
  ports: number[];
  uri: string;
  /** Its first `stats auth` user, if any. */
  auth: { user: string; password: string } | undefined;
}

export interface HaproxyFacts {
  inter_ms: number | null;
  fall: number | null;
  rise: number | null;
  /** Every section that serves a stats page, in file order. */
  stats: StatsSection[];
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
const SECTIONS = ['global', 'defaults', 'listen', 'frontend', 'backend', 'peers', 'resolvers', 'userlist', 'program'];

/** HAProxy's own defaults for a server's checks: inter 2 s, fall 3, rise 2. */
const CHECK_DEFAULTS = { inter_ms: 2000, fall: 3, rise: 2 };

/** The check timings HAProxy runs with: what the file says, HAProxy's defaults where it says nothing. */
export function haproxyTimings(f: Pick<HaproxyFacts, 'inter_ms' | 'fall' | 'rise'>): ClusterSettings['haproxy'] {
  return { inter_ms: f.inter_ms ?? CHECK_DEFAULTS.inter_ms, fall: f.fall ?? CHECK_DEFAULTS.fall, rise: f.rise ?? CHECK_DEFAULTS.rise };
}

/** An haproxy.cfg, section by section. */
export function parseHaproxyConfig(text: string): HaproxyFacts {
  const facts: HaproxyFacts = { inter_ms: null, fall: null, rise: null, stats: [], write: null, read: null, writePort: null, readPort: null };
  let section = '';
  let name = '';
  let ports: number[] = [];
  let statsSection = false;
  let auth: StatsSection['auth'];
  let uri = '/';
  const closeSection = () => {
    if (statsSection && ports.length > 0) facts.stats.push({ ports, uri, auth });
    if (facts.write === name && section === 'listen') facts.writePort = ports[0] ?? null;
    if (facts.read === name && section === 'listen') facts.readPort = ports[0] ?? null;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const words = line.split(/\s+/);
    if (SECTIONS.includes(words[0]!)) {
      closeSection();
      section = words[0]!;
      name = words[1] ?? '';
      ports = [];
      statsSection = false;
      auth = undefined;
      uri = '/';
      continue;
    }
    const k = words[0]!;
    if (k === 'bind') {
      for (const m of (words[1] ?? '').matchAll(/:(\d+)(?:-\d+)?/g)) ports.push(Number(m[1]));
    } else if (k === 'stats' && section !== 'global') {
      if (words[1] === 'enable' || words[1] === 'uri') statsSection = true;
      if (words[1] === 'uri' && words[2]) uri = words[2];
      if (words[1] === 'auth' && words[2]?.includes(':')) {
        const i = words[2].indexOf(':');
        auth ??= { user: words[2].slice(0, i), password: words[2].slice(i + 1) };
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

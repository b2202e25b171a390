/**
 * Node logs (Patroni with its PostgreSQL, etcd, HAProxy, keepalived, pgbouncer) read back onto the
 * history's time axis: the server side's own account of a drill, to check the observers against.
 */

/** What a log line says happened, in the few kinds a drill's story needs. */
export type LogEventKind =
  | 'lock_acquired'
  | 'promoted'
  | 'demoting'
  | 'no_action'
  | 'ha_loop'
  | 'postgres_shutdown'
  | 'postgres_panic'
  | 'postgres_down'
  | 'checkpoint'
  | 'failover_check'
  | 'etcd_leader'
  | 'etcd_leader_lost'
  | 'etcd_stepped_down'
  | 'etcd_peer_lost'
  | 'server_up'
  | 'server_down'
  | 'vrrp_master'
  | 'vrrp_backup';

export interface LogEvent {
  /** ms since t = 0 of the run. */
  t_ms: number;
  node: string;
  component: string;
  kind: LogEventKind;
  /** The line itself, trimmed, for a person to check. */
  line: string;
}

/** A node's log file as the drivers write it: `<node>.<component>.log`. */
export interface NodeLog {
  node: string;
  component: string;
  text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The wall-clock time (epoch ms) a log line was written, from whichever stamp it carries: Docker's
 * RFC 3339 prefix, journalctl's short-iso-precise one, etcd's JSON "ts", PostgreSQL's and pgbouncer's "YYYY-MM-DD HH:MM:SS.mmm UTC",
 * Patroni's "YYYY-MM-DD HH:MM:SS,mmm" (the nodes run in UTC), keepalived's ctime-like stamp.
 * Null for a line without one (a continuation, HAProxy's stderr).
 */
export function lineTime(line: string): number | null {
  // journalctl -o short-iso-precise (the hosts driver) writes the offset as +0000, Docker as Z.
  let m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)\s/.exec(line);
  if (m) return isoMs(`${m[1]}${m[2] ?? ''}Z`) - offsetMs(m[3]!);
  m = /"ts":"(\d{4}-\d\d-\d\dT[^"]+)"/.exec(line);
  if (m) return isoMs(m[1]!);
  m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)[.,](\d{1,6})(?: (UTC|GMT))?\b/.exec(line);
  if (m) return Date.parse(`${m[1]}T${m[2]}Z`) + Number(`0.${m[3]}`) * 1000;
  m = /^(?:\w{3} )?(\w{3}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.(\d+))? (\d{4})/.exec(line);
  if (m && MONTHS.includes(m[1]!)) {
    const month = String(MONTHS.indexOf(m[1]!) + 1).padStart(2, '0');
    return Date.parse(`${m[5]}-${month}-${m[2]!.padStart(2, '0')}T${m[3]}Z`) + (m[4] ? Number(`0.${m[4]}`) * 1000 : 0);
  }
  return null;
}

/** A UTC offset (Z, +0300, -05:30) in ms east of UTC. */
function offsetMs(tz: string): number {
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(tz);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
}

/** Date.parse keeps only milliseconds; the fraction beyond them is added back. */
function isoMs(iso: string): number {
  const frac = /\.(\d+)Z$/.exec(iso)?.[1] ?? '';
  return Date.parse(iso.replace(/\.\d+Z$/, 'Z')) + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

/** etcd 3.4/3.5's zap line ("peer became inactive", "peer-id":…) or capnslog's ("peer <id> became inactive"). */
const ETCD_PEER_LOST = /"msg":"peer became inactive[^"]*","peer-id":"([0-9a-f]+)"|peer ([0-9a-f]+) became inactive/;

/** The member id of the peer an 'etcd_peer_lost' line is about. */
export function lostPeer(line: string): string | null {
  const m = ETCD_PEER_LOST.exec(line);
  return m ? (m[1] ?? m[2])! : null;
}

const RULES: ReadonlyArray<{ kind: LogEventKind; re: RegExp }> = [
  // Patroni
  { kind: 'lock_acquired', re: /promoted self to leader by acquiring session lock|acquired session lock as a leader/ },
  { kind: 'demoting', re: /[Dd]emoting self/ },
  { kind: 'no_action', re: /no action\. +I am \(/ },
  // The lock holder's HA loop has read the cluster from etcd and goes on to renew its key.
  { kind: 'ha_loop', re: /Lock owner: (\S+); I am \1\s*$/ },
  // PostgreSQL (in Patroni's log: Patroni starts it with its output)
  { kind: 'promoted', re: /LOG: +archive recovery complete/ },
  { kind: 'postgres_shutdown', re: /LOG: +received (?:fast|smart|immediate) shutdown request/ },
  { kind: 'postgres_panic', re: /PANIC: +/ },
  { kind: 'postgres_down', re: /LOG: +database system is shut down/ },
  // A shutdown checkpoint's start and end: pg_control says "shut down" from just before its end.
  { kind: 'checkpoint', re: /LOG: +checkpoint (?:starting: shutdown|complete:)/ },
  // Patroni asking a member's REST API (fetch_node_status): in a leader race, or a stopping leader's
  // is_failover_possible before it deletes its key.
  { kind: 'failover_check', re: /INFO: Got response from \S+ http|WARNING: Request failed to \S+: GET / },
  // etcd 3.4/3.5 (raft)
  { kind: 'etcd_leader', re: /elected leader [0-9a-f]+ at term|became leader at term/ },
  // A follower whose leader went away, and a leader that steps down for want of a quorum (check-quorum).
  { kind: 'etcd_leader_lost', re: /lost leader [0-9a-f]+ at term/ },
  { kind: 'etcd_stepped_down', re: /stepped down to follower since quorum is not active/ },
  // A member no longer reaches a peer (warn level: logged at any setting but error).
  { kind: 'etcd_peer_lost', re: ETCD_PEER_LOST },
  // HAProxy
  { kind: 'server_up', re: /Server \S+ is UP\b/ },
  { kind: 'server_down', re: /Server \S+ is DOWN\b/ },
  // keepalived
  { kind: 'vrrp_master', re: /Entering MASTER STATE/ },
  { kind: 'vrrp_backup', re: /Entering (?:BACKUP|FAULT) STATE/ },
];

/** The key events of one node's log, on the history's axis (t0_ms = t = 0 in epoch ms). */
export function parseLog(log: NodeLog, t0_ms: number): LogEvent[] {
  const out: LogEvent[] = [];
  for (const raw of log.text.split('\n')) {
    const rule = RULES.find((r) => r.re.test(raw));
    if (!rule) continue;
    const at = lineTime(raw);
    if (at === null) continue;
    out.push({ t_ms: Math.round((at - t0_ms) * 10) / 10, node: log.node, component: log.component, kind: rule.kind, line: raw.trim().slice(0, 300) });
  }
  return out;
}

/** Every node's key events, in time order. */
export function logEvents(logs: readonly NodeLog[], t0_ms: number): LogEvent[] {
  return logs.flatMap((l) => parseLog(l, t0_ms)).sort((a, b) => a.t_ms - b.t_ms);
}

/**
 * Only the lines of `text` written within [from, to] (epoch ms); a line without a stamp goes with
 * the stamped line before it, and lines before the first stamp are kept (nothing says they are out).
 */
export function linesWithin(text: string, from: number, to: number): string {
  const kept: string[] = [];
  let keep = true;
  for (const line of text.split('\n')) {
    const at = lineTime(line);
    if (at !== null) keep = at >= from && at <= to;
    if (keep && line !== '') kept.push(line);
  }
  return kept.length ? `${kept.join('\n')}\n` : '';
}

import { isLeaderRole, isReplicating } from '../../cluster/roles.js';
import type { LeaderChange, Line, ListedMember, PatronictlTable, Rejoin } from '../types.js';

const BAR = '[|│]';
const HEADER = new RegExp(`^\\s*${BAR}\\s*(?:Cluster\\s*${BAR}\\s*)?Member\\s*${BAR}\\s*Host\\s*${BAR}\\s*Role\\s*${BAR}\\s*State\\s*${BAR}`, 'i');
const CLUSTER = /^\s*[+|│]\s*Cluster:\s*(\S+)\s*(?:\((\d+|uninitialized)\))?/i;
const BORDER = /^\s*[+├└┌╞][-+=─┼┬┴\s]*$|^\s*\+[-+]+\s*$/;

function cells(line: string): string[] {
  const parts = line.trim().split(/[|│]/);
  // A row starts and ends with a bar: drop the empty strings outside them.
  return parts.slice(1, parts.length - 1).map((c) => c.trim());
}

function normaliseRole(role: string): string {
  return role.trim().toLowerCase().replace(/\s+/g, '_');
}

/** The tables in a command's own output (not a report): every line is verbatim output. */
export function findTablesInOutput(output: string): PatronictlTable[] {
  return findTables(output.split(/\r?\n/).map((text, i) => ({ n: i + 1, text, code: true, block: 0, heading: null })));
}

/** Every `patronictl list` table in the text, old ("Lag in MB") and new (Receive/Replay LSN) formats. */
export function findTables(lines: Line[]): PatronictlTable[] {
  const tables: PatronictlTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!.text;
    if (!HEADER.test(header)) continue;
    const names = cells(header).map((c) => c.toLowerCase());
    const col = (re: RegExp) => names.findIndex((c) => re.test(c));
    const iMember = col(/^member$/);
    const iHost = col(/^host$/);
    const iRole = col(/^role$/);
    const iState = col(/^state$/);
    const iTl = col(/^tl$/);
    const iLagMb = col(/^lag in mb$/);
    const iReplay = col(/^replay lsn$/);
    const format = iReplay >= 0 || col(/^receive lsn$/) >= 0 ? 'lsn' : 'lag_mb';
    // In the LSN format the replay lag is the "Lag" column right after "Replay LSN".
    const iLag = iLagMb >= 0 ? iLagMb : iReplay >= 0 && names[iReplay + 1] === 'lag' ? iReplay + 1 : col(/^lag$/);

    let cluster: string | null = null;
    let systemId: string | null = null;
    let first = lines[i]!.n;
    for (let back = 1; back <= 2 && i - back >= 0; back++) {
      const m = CLUSTER.exec(lines[i - back]!.text);
      if (m) {
        cluster = m[1]!;
        systemId = m[2] && m[2] !== 'uninitialized' ? m[2] : null;
        first = lines[i - back]!.n;
        break;
      }
    }
    const members: ListedMember[] = [];
    let end = lines[i]!.n;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const t = lines[j]!.text;
      if (BORDER.test(t)) {
        end = lines[j]!.n;
        continue;
      }
      if (!/^\s*[|│]/.test(t)) break;
      const c = cells(t);
      const name = c[iMember] ?? '';
      if (!name) continue;
      const tl = iTl >= 0 ? Number.parseInt(c[iTl] ?? '', 10) : NaN;
      const lag = iLag >= 0 ? (c[iLag] ?? '') : '';
      members.push({
        line: lines[j]!.n,
        name,
        host: iHost >= 0 ? (c[iHost] ?? '') : '',
        role: normaliseRole(iRole >= 0 ? (c[iRole] ?? '') : ''),
        state: iState >= 0 ? (c[iState] ?? '').toLowerCase() : '',
        timeline: Number.isFinite(tl) ? tl : null,
        lag: lag === '' ? null : lag,
      });
      end = lines[j]!.n;
    }
    i = j - 1;
    const leaders = members.filter((m) => isLeaderRole(m.role));
    const tls = members.map((m) => m.timeline).filter((t): t is number => t !== null);
    tables.push({
      line: first,
      end_line: end,
      format,
      cluster,
      system_id: systemId,
      members,
      leader: leaders.length === 1 ? leaders[0]!.name : null,
      timeline: tls.length ? Math.max(...tls) : null,
    });
  }
  return tables;
}

function sameCluster(a: PatronictlTable, b: PatronictlTable): boolean {
  if (a.system_id && b.system_id) return a.system_id === b.system_id;
  return (a.cluster ?? '') === (b.cluster ?? '') || a.cluster === null || b.cluster === null;
}

/**
 * Leader changes between consecutive tables of the same cluster (a new system identifier means the
 * cluster was recreated, not failed over), and former leaders that show up again as running replicas.
 */
export function compareTables(tables: PatronictlTable[]): { changes: LeaderChange[]; rejoins: Rejoin[] } {
  const changes: LeaderChange[] = [];
  const rejoins: Rejoin[] = [];
  let prevWithLeader: PatronictlTable | null = null;
  // Members that lost the leadership and have not been seen as a running replica since: name → line.
  let deposed = new Map<string, number>();
  let prev: PatronictlTable | null = null;
  for (const t of tables) {
    if (prev && !sameCluster(prev, t)) {
      prevWithLeader = null;
      deposed = new Map();
    }
    if (t.leader) {
      if (prevWithLeader && prevWithLeader.leader !== t.leader) {
        changes.push({
          from: prevWithLeader.leader,
          to: t.leader,
          row_line: t.members.find((m) => m.name === t.leader)!.line,
          from_line: prevWithLeader.line,
          to_line: t.line,
          timeline_from: prevWithLeader.timeline,
          timeline_to: t.timeline,
        });
        deposed.set(prevWithLeader.leader!, prevWithLeader.line);
      }
      deposed.delete(t.leader);
      prevWithLeader = t;
    }
    for (const m of t.members) {
      const since = deposed.get(m.name);
      if (since !== undefined && isReplicating(m)) {
        rejoins.push({ member: m.name, leader_line: since, replica_line: t.line, row_line: m.line, state: m.state });
        deposed.delete(m.name);
      }
    }
    prev = t;
  }
  return { changes, rejoins };
}

import type { SubmissionDoc } from './types.js';

/**
 * Settings Patroni has, from its documentation ("YAML Configuration Settings" for the local file,
 * "Dynamic Configuration Settings" for bootstrap.dcs and `patronictl edit-config`). A key outside
 * these lists is one a report invented.
 */

export const PATRONI_DOCS = "Patroni's documentation (YAML Configuration Settings; Dynamic Configuration Settings)";

const DYNAMIC = new Set([
  'loop_wait', 'ttl', 'retry_timeout', 'maximum_lag_on_failover', 'maximum_lag_on_syncnode', 'max_timelines_history',
  'primary_start_timeout', 'primary_stop_timeout', 'master_start_timeout', 'master_stop_timeout', 'synchronous_mode',
  'synchronous_mode_strict', 'synchronous_node_count', 'failsafe_mode', 'postgresql', 'standby_cluster', 'member_slots_ttl',
  'slots', 'ignore_slots', 'check_timeline', 'pause',
]);

const LOCAL = new Set([
  'name', 'namespace', 'scope', 'log', 'bootstrap', 'citus', 'consul', 'etcd', 'etcd3', 'exhibitor', 'kubernetes', 'raft',
  'zookeeper', 'postgresql', 'restapi', 'ctl', 'watchdog', 'tags', ...DYNAMIC,
]);

export interface UnknownKey {
  line: number;
  key: string;
  text: string;
}

const KEY = /^(\s*)([A-Za-z_][\w-]*):(?:\s|$)/;

/** Keys of Patroni configuration blocks (and `patronictl edit-config -s key=…`) that Patroni does not have. */
export function unknownPatroniKeys(doc: SubmissionDoc): UnknownKey[] {
  const out: UnknownKey[] = [];
  for (const b of doc.blocks) {
    const top = b.lines.map((l) => KEY.exec(l.text)).filter((m) => m && m[1] === '').map((m) => m![2]!);
    const patroni = top.includes('scope') ? top.some((k) => ['restapi', 'bootstrap', 'postgresql'].includes(k)) : top.includes('bootstrap') && b.lines.some((l) => /^\s+dcs:/.test(l.text));
    let dcsIndent: number | null = null;
    let childIndent: number | null = null;
    for (const l of b.lines) {
      const edit = l.text.indexOf('edit-config');
      for (const m of edit < 0 ? [] : l.text.slice(edit).matchAll(/(?:\s-s|--set)\s+([a-z_][\w.]*)=/g)) {
        const key = m[1]!.split('.')[0]!;
        if (!DYNAMIC.has(key)) out.push({ line: l.n, key, text: l.text.trim() });
      }
      if (!patroni) continue;
      const m = KEY.exec(l.text);
      if (!m) continue;
      const indent = m[1]!.length;
      if (dcsIndent !== null && indent <= dcsIndent) dcsIndent = childIndent = null;
      if (indent === 0 && !LOCAL.has(m[2]!)) out.push({ line: l.n, key: m[2]!, text: l.text.trim() });
      if (dcsIndent !== null && indent > dcsIndent) {
        childIndent ??= indent;
        if (indent === childIndent && !DYNAMIC.has(m[2]!)) out.push({ line: l.n, key: m[2]!, text: l.text.trim() });
      }
      if (m[2] === 'dcs') dcsIndent = indent;
    }
  }
  return out;
}

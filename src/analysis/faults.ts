import type { EventRecord } from '../history/types.js';

/** A disturbance the experiment caused on purpose: an injected fault or a switchover. */
export interface Fault {
  /** The 'begin' event, completed with what only its 'end' knows (resolved nodes, their roles, the id). */
  event: EventRecord;
  /** Fault kind ('kill', 'stop', ...) or 'switchover'. */
  kind: string;
  start_ms: number;
  /** When it was undone: the heal's end (else its begin), a switchover's own end; null if never. */
  heal_ms: number | null;
}

/**
 * Faults in the order they were injected. A fault starts at its 'begin' event; the runner learns the
 * targets' roles only while injecting and records them on the 'end' event. An injection that ended in
 * 'error' did not happen.
 * @param events sorted by t_ms
 */
export function faultsOf(events: readonly EventRecord[]): Fault[] {
  const out: Fault[] = [];
  events.forEach((e, i) => {
    if (e.phase !== 'begin' || (e.action !== 'inject' && e.action !== 'switchover')) return;
    const outcome = events.slice(i + 1).find((x) => x.action === e.action && x.step === e.step && x.phase !== 'begin');
    if (outcome?.phase === 'error') return;
    const event: EventRecord = { ...e };
    for (const field of ['id', 'nodes', 'roles'] as const) {
      if (event[field] === undefined && outcome?.[field] !== undefined) Object.assign(event, { [field]: outcome[field] });
    }
    const kind = e.action === 'switchover' ? 'switchover' : (e.fault ?? 'inject');
    const heal = e.action === 'switchover' ? (outcome?.t_ms ?? null) : healTime(events, event);
    out.push({ event, kind, start_ms: e.t_ms, heal_ms: heal });
  });
  return out;
}

/** The heal of a fault is the first heal after it with the same id (or, without ids, the same target). */
function healTime(events: readonly EventRecord[], inject: EventRecord): number | null {
  const same = (h: EventRecord): boolean =>
    inject.id !== undefined ? h.id === inject.id : h.id === undefined && h.target !== undefined && h.target === inject.target;
  const heals = events.filter((h) => h.action === 'heal' && h.t_ms >= inject.t_ms && same(h));
  const first = heals[0];
  if (!first) return null;
  // The fault lasts until the heal has taken effect: its 'end' of the same step, when recorded.
  const end = heals.find((h) => h.phase === 'end' && h.step === first.step);
  return (end ?? first).t_ms;
}

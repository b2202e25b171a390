import type { FinalRead, RunMeta } from '../history/types.js';
import { round01 } from './format.js';
import { upperBound } from './records.js';
import type { Window } from './types.js';

/**
 * Every commit the final read holds, as an instant on the history's axis: written_at is the
 * server's clock_timestamp() at the insert, moved by t0_wall and by the server's offset from our
 * clock. Null when the run recorded no commit times or no t0_wall.
 */
export function commitTimes(final: FinalRead | null, meta: RunMeta): number[] | null {
  if (!final || !meta.t0_wall) return null;
  const t0 = Date.parse(meta.t0_wall);
  const offset = meta.clock?.offset_ms ?? 0;
  const out: number[] = [];
  for (const row of final.rows) {
    const at = row[2];
    if (at === undefined) return null;
    out.push(at - offset - t0);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The server-side gap that covers each window: of the consecutive commits around and inside it, the
 * pair furthest apart. Writes that committed but were never acknowledged (indeterminate, landed) are
 * commits too, and split the gap: the difference to the window is then the server's side of the story.
 */
export function withServerGaps(windows: readonly Window[], commits: readonly number[] | null): Window[] {
  if (!commits || commits.length < 2) return [...windows];
  return windows.map((w) => {
    // From the last commit at or before the window's start to the first at or after its end; a
    // window with no commit on one side (writes failing from the run's start) has no server-side gap.
    const before = upperBound(commits, w.start_ms + w.start_resolution_ms) - 1;
    const after = upperBound(commits, w.end_ms - w.end_resolution_ms - 1);
    if (before < 0 || after >= commits.length) return { ...w };
    const first = before;
    const last = after;
    let best: [number, number] | null = null;
    for (let i = first; i < last; i++) {
      const a = commits[i]!;
      const b = commits[i + 1]!;
      if (b < w.start_ms || a > w.end_ms) continue;
      if (!best || b - a > best[1] - best[0]) best = [a, b];
    }
    if (!best) return { ...w };
    return { ...w, server_gap_ms: round01(best[1] - best[0]), server_gap_start_ms: round01(best[0]), server_gap_end_ms: round01(best[1]) };
  });
}

import { createHash } from 'node:crypto';
import type { FaultTag } from '../cluster/types.js';

/** What every driver needs to know about one injection, beyond its kind and target. */

/**
 * A short, stable key of an injection's tag (the step's fault id), fit where a driver names what it
 * made: iptables chains (28 characters at most), file names, cgroup names, tc class numbers.
 */
export function tagKey(tag: FaultTag = ''): string {
  return createHash('sha1').update(tag).digest('hex').slice(0, 8);
}

/** A setting the fault kind cannot do without (the loader already required it; the CLI did too). */
export function requiredParam(value: number | undefined, what: string): number {
  if (value === undefined) throw new Error(`this fault needs ${what}`);
  return value;
}

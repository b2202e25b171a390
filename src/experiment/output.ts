import path from 'node:path';
import { PROJECT_ROOT } from './load.js';

export const REPORTS_DIR = path.join(PROJECT_ROOT, 'reports');

/** reports/<UTC timestamp>-<name>: sorts by time, and names the run at a glance. */
export function defaultOutDir(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  return path.join(REPORTS_DIR, `${stamp}-${name}`);
}

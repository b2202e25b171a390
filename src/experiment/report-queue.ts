import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Lang } from '../report/i18n.js';

const SCRIPT = fileURLToPath(new URL('./render-runs.ts', import.meta.url));
const TSX = fileURLToPath(import.meta.resolve('tsx'));
/** Below the cluster's processes and the load generator: rendering must not bend the next drill's figures. */
const NICENESS = 10;

/**
 * Renders finished runs' reports in a child process of lower priority while the suite goes on with
 * the next drill, instead of making the next drill wait for charts. One child at a time, each taking
 * every folder queued so far. `done()` waits for all of them and names the folders that failed.
 */
export class ReportQueue {
  private queued: string[] = [];
  private draining: Promise<void> | null = null;
  private readonly failures: string[] = [];

  constructor(
    private readonly lang: Lang,
    private readonly signal?: AbortSignal,
  ) {}

  add(runDir: string): void {
    this.queued.push(runDir);
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
    });
  }

  /** Waits until every queued report is rendered; the failures, one line each (empty when none). */
  async done(): Promise<string[]> {
    while (this.draining) await this.draining;
    return [...this.failures];
  }

  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      const child = execa(process.execPath, ['--import', TSX, SCRIPT, this.lang, ...batch], { reject: false, cancelSignal: this.signal, all: true });
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, NICENESS);
        } catch {
          // Already gone: its exit status below says how it went.
        }
      }
      const r = await child;
      if (r.exitCode !== 0) this.failures.push(`reports of ${batch.join(', ')} not all rendered: ${(r.all || r.shortMessage || '').trim()}`);
    }
  }
}

import { createWriteStream, type WriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FinalRead, HistoryRecord, RecordedRun, RunMeta } from './types.js';

export const HISTORY_FILE = 'history.ndjson';
export const FINAL_READ_FILE = 'final-read.json';
export const META_FILE = 'run.json';

/**
 * The one history every load worker and observer appends to. Records are kept in memory for
 * analysis and streamed to history.ndjson as they arrive, so a run that dies still leaves its record.
 */
export class History {
  readonly records: HistoryRecord[] = [];
  private readonly t0: number;
  /** Wall-clock time of t = 0 (ISO), read at the same instant, so records line up with server logs. */
  readonly t0_wall: string;
  private stream: WriteStream | null = null;
  /** The first write error of the file (a full disk, a removed folder); the records stay in memory. */
  private writeError: Error | null = null;
  private readonly errorListeners: Array<(err: Error) => void> = [];

  constructor(t0: number = performance.now()) {
    this.t0 = t0;
    this.t0_wall = new Date(Date.now() - (performance.now() - t0)).toISOString();
  }

  /**
   * t = 0 on the clock every thread of this process shares (performance.timeOrigin + now(), which
   * agree across threads to well under 1 ms), for a thread that records on this history's axis.
   */
  get origin_ms(): number {
    return performance.timeOrigin + this.t0;
  }

  get error(): Error | null {
    return this.writeError;
  }

  /**
   * Called once when history.ndjson cannot be written. Without a listener a stream error is an
   * uncaught exception that would end the runner while a fault is still injected.
   */
  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
    if (this.writeError) listener(this.writeError);
  }

  /** Monotonic ms since the run started, at 0.1 ms precision. */
  now(): number {
    return sinceOrigin(this.origin_ms);
  }

  toFile(dir: string): void {
    const stream = createWriteStream(path.join(dir, HISTORY_FILE), { flags: 'w' });
    stream.on('error', (err) => this.failed(stream, err));
    this.stream = stream;
    for (const r of this.records) stream.write(JSON.stringify(r) + '\n');
  }

  add(record: HistoryRecord): void {
    this.records.push(record);
    this.stream?.write(JSON.stringify(record) + '\n');
  }

  /** Ends the file; a write error is reported through onError/error, never thrown from here. */
  async close(): Promise<void> {
    const s = this.stream;
    this.stream = null;
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => {
      s.once('close', resolve);
      s.end();
    });
  }

  private failed(stream: WriteStream, err: Error): void {
    if (this.stream === stream) this.stream = null;
    stream.destroy();
    if (this.writeError) return;
    this.writeError = new Error(`writing ${HISTORY_FILE} failed: ${err.message}`);
    for (const l of this.errorListeners) l(this.writeError);
  }
}

/** Monotonic ms since `origin_ms` (History.origin_ms), at 0.1 ms precision, in any thread. */
export function sinceOrigin(origin_ms: number): number {
  return Math.round((performance.timeOrigin + performance.now() - origin_ms) * 10) / 10;
}

export async function readHistory(file: string): Promise<HistoryRecord[]> {
  const text = await readFile(file, 'utf8');
  const out: HistoryRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim()) out.push(JSON.parse(line) as HistoryRecord);
  }
  return out;
}

/** Loads a recorded run from its folder (run.json, history.ndjson, final-read.json). */
export async function readRecordedRun(dir: string): Promise<RecordedRun> {
  const meta = JSON.parse(await readFile(path.join(dir, META_FILE), 'utf8')) as RunMeta;
  const history = await readHistory(path.join(dir, HISTORY_FILE));
  let final: FinalRead | null = null;
  try {
    final = JSON.parse(await readFile(path.join(dir, FINAL_READ_FILE), 'utf8')) as FinalRead;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { meta, history, final, logs: await readNodeLogs(dir) };
}

export const LOGS_DIR = 'logs';

/** The node logs of a run folder (logs/<node>.<component>.log); empty when none were collected. */
export async function readNodeLogs(dir: string): Promise<NonNullable<RecordedRun['logs']>> {
  const files = await readdir(path.join(dir, LOGS_DIR)).catch(() => [] as string[]);
  const out: NonNullable<RecordedRun['logs']> = [];
  for (const f of files.sort()) {
    const m = /^([^./]+)\.([^./]+)\.log$/.exec(f);
    if (m) out.push({ node: m[1]!, component: m[2]!, text: await readFile(path.join(dir, LOGS_DIR, f), 'utf8') });
  }
  return out;
}

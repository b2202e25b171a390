import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { linesWithin } from '../../analysis/logs.js';

/**
 * Copies each node's logs (every process logs to `<base>/<node>/<component>.log`; Patroni's carries
 * its PostgreSQL's too) into `<outDir>/logs/<node>.<component>.log`, cut to the span.
 */
export async function collectLocalLogs(base: string, nodes: readonly string[], outDir: string, span: { from: Date; to: Date }): Promise<string[]> {
  const dir = path.join(outDir, 'logs');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const node of nodes) {
    const files = (await readdir(path.join(base, node)).catch(() => [] as string[])).filter((f) => f.endsWith('.log')).sort();
    for (const file of files) {
      const text = await readFile(path.join(base, node, file), 'utf8');
      const out = path.join(dir, `${node}.${file}`);
      await writeFile(out, linesWithin(text, span.from.getTime(), span.to.getTime()));
      written.push(out);
    }
  }
  return written;
}

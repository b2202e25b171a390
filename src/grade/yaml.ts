import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

/** A configuration file that failed to load; the message names file:line:column of each problem. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses YAML and validates it with a zod schema. Problems are reported at the line of the offending
 * node (or of its nearest existing parent, for a missing key), like "rubrics/x.yaml:12:13: criteria.2.points: ...".
 */
export function loadYaml<S extends z.ZodType>(file: string, schema: S, text = readFileSync(file, 'utf8')): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    let node: unknown = undefined;
    for (let n = path.length; n >= 0 && !isNode(node); n--) node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const pos = lineCounter.linePos(offset);
    const where = path.length ? `${path.join('.')}: ` : '';
    return `${file}:${pos.line}:${pos.col}: ${where}${issue.message}`;
  });
  throw new ConfigError(file, problems);
}

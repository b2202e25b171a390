import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseMarkdown } from './markdown.js';
import type { SubmissionDoc } from './types.js';

/**
 * Turns command-line paths into submissions. A path is a Markdown file; a folder (or repository
 * checkout) holding hw3/HW_3_SOLUTION.md or exactly one .md file is one submission, and its folder is
 * where its images are looked for; any other folder is a folder of submissions.
 */

/** A path on the command line that does not exist. */
export class MissingInputError extends Error {
  constructor(readonly input: string) {
    super(`${input}: no such file or folder`);
    this.name = 'MissingInputError';
  }
}

interface Found {
  file: string;
  /** The submission's own folder, when it came as one. */
  root: string | null;
  /** Path relative to the command-line argument's parent, for display. */
  source: string;
}

/** A folder's README and the labels of a development set are not homework. */
const NOT_SUBMISSIONS = /^(?:readme|labels)\.md$/i;
const HW_DIR = /^hw_?3$/i;
const HW_FILE = /^hw_?3_solution\.md$/i;

function entries(dir: string): Array<{ name: string; full: string; dir: boolean }> {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && n !== 'node_modules')
    .sort()
    .map((name) => {
      const full = path.join(dir, name);
      return { name, full, dir: statSync(full).isDirectory() };
    });
}

function submissionFileIn(dir: string): string | null {
  const list = entries(dir);
  for (const e of list.filter((x) => x.dir && HW_DIR.test(x.name))) {
    const hw = entries(e.full).find((x) => !x.dir && HW_FILE.test(x.name));
    if (hw) return hw.full;
  }
  const md = list.filter((x) => !x.dir && /\.md$/i.test(x.name));
  return md.length === 1 ? md[0]!.full : null;
}

function collect(p: string, base: string, out: Found[], skip: ReadonlySet<string>): void {
  if (skip.has(p)) return;
  const rel = path.relative(base, p).split(path.sep).join('/') || path.basename(p);
  if (!statSync(p).isDirectory()) {
    out.push({ file: p, root: null, source: rel });
    return;
  }
  const own = submissionFileIn(p);
  if (own) {
    out.push({ file: own, root: p, source: path.relative(base, own).split(path.sep).join('/') });
    return;
  }
  for (const e of entries(p)) {
    if (e.dir) collect(e.full, base, out, skip);
    else if (/\.md$/i.test(e.name) && !NOT_SUBMISSIONS.test(e.name)) out.push({ file: e.full, root: null, source: path.relative(base, e.full).split(path.sep).join('/') });
  }
}

function slug(found: Found): string {
  const name = found.root ? path.basename(found.root) : path.basename(found.file).replace(/\.md$/i, '');
  return name.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '') || 'submission';
}

/**
 * Submissions for the given paths, in a stable order, with unique ids. Folders in `skip` (the output
 * folder, when it lies inside a folder being graded) are not read.
 */
export function resolveSubmissions(paths: string[], skip: string[] = []): SubmissionDoc[] {
  const found: Found[] = [];
  const skipped = new Set(skip.map((p) => path.resolve(p)));
  for (const arg of paths) {
    const abs = path.resolve(arg);
    if (!existsSync(abs)) throw new MissingInputError(arg);
    collect(abs, path.dirname(abs), found, skipped);
  }
  const seen = new Set<string>();
  const unique = found.filter((f) => (seen.has(f.file) ? false : (seen.add(f.file), true)));
  // Plain code-unit order: the same on every machine, whatever its locale.
  unique.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const ids = new Set<string>();
  return unique.map((f) => {
    let id = slug(f);
    for (let i = 2; ids.has(id); i++) id = `${slug(f)}-${i}`;
    ids.add(id);
    return loadSubmission(f.file, { id, source: f.source, root: f.root });
  });
}

export function loadSubmission(file: string, meta: { id: string; source: string; root: string | null }, text = readFileSync(file, 'utf8')): SubmissionDoc {
  return { ...meta, file, ...parseMarkdown(text) };
}

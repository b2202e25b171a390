import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Lexer, type Token } from 'marked';
import type { ImageRef, Line } from '../types.js';

const MD_IMAGE = /!\[([^\]]*)\]\(([^)]*)\)/g;
const WIKI_IMAGE = /!\[\[([^\]|]+)(?:\|[^\]]*)?\]\]/g;
const HTML_IMAGE = /<img\s[^>]*src\s*=\s*["']([^"']+)["'][^>]*>/gi;
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;

/** Image tokens marked finds on a line: what GitHub will actually render as an image. */
function renderedImages(text: string): Array<{ href: string; alt: string }> {
  const out: Array<{ href: string; alt: string }> = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      if (t.type === 'image') out.push({ href: (t as { href: string }).href, alt: (t as { text: string }).text });
      const children = (t as { tokens?: Token[] }).tokens;
      if (children) walk(children);
    }
  };
  walk(Lexer.lexInline(text, { gfm: true }));
  return out;
}

function listFiles(root: string, limit = 5000): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (out.length >= limit || name === '.git' || name === 'node_modules') continue;
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else out.push(p);
    }
  };
  visit(root);
  return out;
}

function decode(target: string): string {
  const bare = target.replace(/^<|>$/g, '').split(/[?#]/)[0]!;
  try {
    return decodeURIComponent(bare);
  } catch {
    return bare;
  }
}

/**
 * Every image the report links, and why one will not show: Obsidian-style embeds and images inside
 * code fences never render; a link with spaces is not an image to a Markdown renderer; and when the
 * submission came as a folder, a file that is missing or differs in case (GitHub is case-sensitive).
 */
export function findImages(lines: Line[], file: string, root: string | null): ImageRef[] {
  const images: ImageRef[] = [];
  const dir = path.dirname(file);
  let files: string[] | null = null;
  const check = (ref: ImageRef, target: string) => {
    if (!root || ref.remote || ref.problem) return;
    const wanted = path.resolve(dir, decode(target));
    if (existsSync(wanted)) return;
    files ??= listFiles(root);
    const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
    const sameCase = files.find((f) => f.toLowerCase() === wanted.toLowerCase());
    if (sameCase) {
      ref.problem = 'name_case_mismatch';
      ref.detail = `the file is ${rel(sameCase)}; GitHub's file names are case-sensitive`;
      return;
    }
    const base = path.basename(wanted).toLowerCase();
    const elsewhere = files.find((f) => path.basename(f).toLowerCase() === base);
    if (elsewhere) {
      ref.problem = 'wrong_path';
      ref.detail = `the file is at ${rel(elsewhere)}`;
      return;
    }
    ref.problem = 'missing_file';
    ref.detail = `${rel(wanted)} is not in the submission`;
  };

  for (const l of lines) {
    if (l.code) {
      for (const m of l.text.matchAll(MD_IMAGE)) {
        images.push({ line: l.n, target: m[2]!, alt: m[1]!, remote: REMOTE.test(m[2]!), problem: 'in_code_fence', detail: 'inside a code fence it shows as text' });
      }
      for (const m of l.text.matchAll(WIKI_IMAGE)) {
        images.push({ line: l.n, target: m[1]!, alt: '', remote: false, problem: 'in_code_fence', detail: 'inside a code fence it shows as text' });
      }
      continue;
    }
    for (const m of l.text.matchAll(WIKI_IMAGE)) {
      const ref: ImageRef = { line: l.n, target: m[1]!, alt: '', remote: false, problem: 'wiki_embed', detail: 'an Obsidian-style embed; GitHub and other Markdown renderers show it as text' };
      images.push(ref);
    }
    const rendered = renderedImages(l.text);
    const written = [...l.text.matchAll(MD_IMAGE)];
    for (const r of rendered) {
      const ref: ImageRef = { line: l.n, target: r.href, alt: r.alt, remote: REMOTE.test(r.href) || r.href.startsWith('data:'), problem: null, detail: null };
      images.push(ref);
      check(ref, r.href);
    }
    // Written like an image but not one to a Markdown renderer (spaces or brackets in the path).
    const unmatched = rendered.map((r) => decode(r.href));
    for (const w of written) {
      const i = unmatched.indexOf(decode(w[2]!.trim()));
      if (i >= 0) {
        unmatched.splice(i, 1);
        continue;
      }
      images.push({ line: l.n, target: w[2]!, alt: w[1]!, remote: false, problem: 'does_not_render', detail: 'not parsed as an image: encode spaces as %20 or wrap the path in <>' });
    }
    for (const m of l.text.matchAll(HTML_IMAGE)) {
      const ref: ImageRef = { line: l.n, target: m[1]!, alt: '', remote: REMOTE.test(m[1]!), problem: null, detail: null };
      images.push(ref);
      check(ref, m[1]!);
    }
  }
  return images;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Handlebars from 'handlebars';
import { mdEscape } from './markdown.js';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * One Handlebars instance for every render (reports, index, grade sheets). Markdown templates
 * (*.md.hbs) compile with noEscape and must pass input through {{md x}}; HTML templates keep
 * Handlebars' own escaping.
 */
const hb = Handlebars.create();

hb.registerHelper('md', (v: unknown) => mdEscape(v));
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('json', (v: unknown) =>
  // Safe inside <script>: no "</script>" or "<!--" can close or comment the element.
  new Handlebars.SafeString(JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')),
);

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name> (e.g. "report/report.md.hbs") with the given context. */
export function renderTemplate(name: string, context: unknown): string {
  let tpl = cache.get(name);
  if (!tpl) {
    const source = readFileSync(path.join(TEMPLATES_DIR, name), 'utf8');
    tpl = hb.compile(source, { noEscape: name.endsWith('.md.hbs'), strict: false });
    cache.set(name, tpl);
  }
  return tpl(context);
}



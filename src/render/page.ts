import { renderTemplate } from './templates.js';

export interface PageOptions {
  title: string;
  /** Body HTML, already safe. */
  body: string;
  /** Extra <head> HTML (inlined scripts, styles), already safe. */
  head?: string;
  lang?: string;
}

/** Wraps a body in the shared self-contained HTML page (styles inlined; works offline). */
export function htmlPage(opts: PageOptions): string {
  return renderTemplate('page.html.hbs', { lang: 'en', head: '', ...opts });
}

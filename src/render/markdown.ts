import { Marked, type Tokens } from 'marked';

/**
 * Escapes text that came from input (descriptions, node names, error messages, student prose) so
 * that it shows as text both on GitHub and after markdownToHtml: no raw HTML, no accidental
 * emphasis, links or table breaks.
 */
export function mdEscape(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

export function htmlEscape(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Raw HTML inside Markdown is shown as text: Markdown here is generated from templates, and any
// HTML in it can only have come from input.
const marked = new Marked({
  gfm: true,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return htmlEscape(token.text);
    },
  },
});

export function markdownToHtml(md: string): string {
  return marked.parse(md, { async: false });
}

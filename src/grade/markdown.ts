import { Lexer, type Token, type Tokens } from 'marked';
import type { CodeBlock, Line } from './types.js';

/**
 * A submission read through marked's CommonMark lexer, with every piece mapped back to its source
 * line so that each decision can quote the line it rests on. Only the lexer decides what is code:
 * "```text```" inside a sentence is inline code and never opens a block.
 */

export interface Section {
  index: number;
  line: number;
  depth: number;
  title: string;
  /** Enclosing section, or null at the top. */
  parent: number | null;
}

/** A line of prose: a heading, a line of a paragraph or list item, or a row of a Markdown table. */
export interface ProseLine {
  line: number;
  text: string;
  kind: 'heading' | 'text' | 'table_row';
  /** Innermost section the line belongs to, or null before the first heading. */
  section: number | null;
  /** Cells, for table rows. */
  cells?: string[];
}

/** A Markdown (pipe) table: the student's own summary, not tool output. */
export interface MdTable {
  line: number;
  end: number;
  header: string[];
  rows: Array<{ line: number; cells: string[] }>;
  section: number | null;
}

export interface ParsedMarkdown {
  lines: Line[];
  blocks: CodeBlock[];
  sections: Section[];
  prose: ProseLine[];
  tables: MdTable[];
}

function newlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Text of a line of prose without Markdown decoration. */
function plainText(text: string): string {
  return text
    .replace(/!\[\[[^\]]*\]\]/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/<img\s[^>]*>/gi, ' ')
    .replace(/\[\[[^\]|]*\|([^\]]*)\]\]/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s*(?:>\s*)*(?:#{1,6}|[-*+]|\d+[.)])\s+/, '')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Lines of a paragraph, with hard-wrapped sentences joined: a line that does not end a sentence
 * continues on the next when that one starts in lower case. Each piece keeps the index of its first line.
 */
function joinWrapped(ls: string[]): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  ls.forEach((l, i) => {
    const prev = out[out.length - 1];
    if (prev && !/[.!?:…]\s*$/.test(prev[1]) && /^\s*\p{Ll}/u.test(l)) prev[1] = `${prev[1].trimEnd()} ${l.trim()}`;
    else out.push([i, l]);
  });
  return out;
}

export function parseMarkdown(source: string): ParsedMarkdown {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const raw = text.split('\n');
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  const lines: Line[] = raw.map((t, i) => ({ n: i + 1, text: t, code: false, block: null, heading: null }));
  const blocks: CodeBlock[] = [];
  const sections: Section[] = [];
  const prose: ProseLine[] = [];
  const tables: MdTable[] = [];
  let current: number | null = null;

  const addProse = (line: number, t: string, kind: ProseLine['kind'], cells?: string[]) => {
    const clean = plainText(t);
    if (clean) prose.push({ line, text: clean, kind, section: current, ...(cells ? { cells } : {}) });
  };

  /** Tokens whose raw text starts at `line`; nested tokens keep the line count of their parent. */
  const walk = (tokens: Token[], line: number) => {
    for (const t of tokens) {
      const lead = /^\n*/.exec(t.raw)![0].length;
      const start = line + lead;
      const end = start + newlines(t.raw.slice(lead).replace(/\n+$/, ''));
      visit(t, start, end);
      line += newlines(t.raw);
    }
  };

  const visit = (t: Token, start: number, end: number) => {
    switch (t.type) {
      case 'heading': {
        const h = t as Tokens.Heading;
        while (current !== null && sections[current]!.depth >= h.depth) current = sections[current]!.parent;
        const s: Section = { index: sections.length, line: start, depth: h.depth, title: plainText(h.text), parent: current };
        sections.push(s);
        current = s.index;
        lines[start - 1]!.heading = h.depth;
        addProse(start, h.text, 'heading');
        return;
      }
      case 'code': {
        const fenced = /^\s*(?:`{3,}|~{3,})/.test(t.raw);
        const block: CodeBlock = { index: blocks.length, start, end, lang: (t as Tokens.Code).lang ?? '', lines: [] };
        for (let n = start; n <= end; n++) {
          const l = lines[n - 1];
          if (!l) continue;
          l.code = true;
          l.block = block.index;
          const isFence = fenced && (n === start || (n === end && /^\s*(?:`{3,}|~{3,})\s*$/.test(l.text)));
          if (!isFence) block.lines.push({ n, text: l.text });
        }
        blocks.push(block);
        return;
      }
      case 'table': {
        const tb = t as Tokens.Table;
        const cellText = (cells: Tokens.TableCell[]) => cells.map((c) => plainText(c.text));
        const table: MdTable = {
          line: start,
          end,
          header: cellText(tb.header),
          rows: tb.rows.map((r, i) => ({ line: start + 2 + i, cells: cellText(r) })),
          section: current,
        };
        tables.push(table);
        for (const r of table.rows) addProse(r.line, r.cells.join(' | '), 'table_row', r.cells);
        return;
      }
      case 'list':
        for (const item of (t as Tokens.List).items) {
          const at = t.raw.indexOf(item.raw);
          const itemStart = start + newlines(t.raw.slice(0, Math.max(0, at)));
          walk(item.tokens, itemStart);
        }
        return;
      case 'blockquote':
        walk((t as Tokens.Blockquote).tokens, start);
        return;
      case 'paragraph':
      case 'text':
        joinWrapped(t.raw.replace(/\n+$/, '').split('\n')).forEach(([i, l]) => addProse(start + i, l, 'text'));
        return;
      default:
        return;
    }
  };

  walk(new Lexer({ gfm: true }).lex(text), 1);
  return { lines, blocks, sections, prose, tables };
}

/** The titles of a section and its ancestors, innermost first. */
export function sectionPath(sections: Section[], index: number | null): Section[] {
  const out: Section[] = [];
  for (let i = index; i !== null; i = sections[i]!.parent) out.push(sections[i]!);
  return out;
}

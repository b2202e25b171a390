import type { CodeBlock, Line } from './types.js';

/**
 * Splits a submission into numbered lines and fenced code blocks.
 *
 * Line-based on purpose: every piece of evidence is quoted by its source line, including fences
 * nested in list items and logs pasted without fences. marked's token tree strips the indentation of
 * nested blocks, so its tokens cannot be mapped back to lines; it is used for inline images only.
 * Fences follow CommonMark: ``` or ~~~ (3 or more), closed by the same character at least as long;
 * an unclosed fence runs to the end of the file.
 */
export function parseLines(text: string): { lines: Line[]; blocks: CodeBlock[] } {
  const raw = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  const lines: Line[] = [];
  const blocks: CodeBlock[] = [];
  let open: { ch: string; len: number; block: CodeBlock } | null = null;

  raw.forEach((textLine, i) => {
    const n = i + 1;
    const fence = /^\s*(`{3,}|~{3,})\s*([^`\s]*)/.exec(textLine);
    if (open) {
      const closes = fence && fence[1]![0] === open.ch && fence[1]!.length >= open.len && textLine.trim() === fence[1];
      lines.push({ n, text: textLine, code: true, block: open.block.index, heading: null });
      if (closes) {
        open.block.end = n;
        open = null;
      } else {
        open.block.lines.push({ n, text: textLine });
        open.block.end = n;
      }
      return;
    }
    if (fence) {
      const block: CodeBlock = { index: blocks.length, start: n, end: n, lang: fence[2] ?? '', lines: [] };
      blocks.push(block);
      open = { ch: fence[1]![0]!, len: fence[1]!.length, block };
      lines.push({ n, text: textLine, code: true, block: block.index, heading: null });
      return;
    }
    const h = /^ {0,3}(#{1,6})\s/.exec(textLine);
    lines.push({ n, text: textLine, code: false, block: null, heading: h ? h[1]!.length : null });
  });
  return { lines, blocks };
}

/** Prose text of a line without Markdown decoration that gets in the way of matching words. */
export function plainText(text: string): string {
  return text
    .replace(/!\[\[[^\]]*\]\]/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s*(?:#{1,6}|[-*+]|\d+[.)])\s+/, '')
    .replace(/[*_`]+/g, '')
    .trim();
}

/** Sentences of a prose line, with their offsets; splitting keeps numbers like "5.1." together. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const re = /[.!?…;]+(?=\s+|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const end = m.index + m[0].length;
    const piece = text.slice(start, end).trim();
    // "5.1." or "1." at the start is a list number, not a sentence.
    if (piece && !/^\d+(?:\.\d+)*\.$/.test(piece)) {
      out.push(piece);
      start = end;
    }
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

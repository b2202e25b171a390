import { stemmer as stemEn } from '@orama/stemmers/english';
import { stemmer as stemRu } from '@orama/stemmers/russian';

/**
 * Words, clauses and mood, Russian and English. Concepts are lists of dictionary words run through
 * the Snowball stemmers, so "остановил", "остановка" and "остановлена" meet at one stem without
 * hand-cut suffixes; latin product names (etcd, HAProxy) pass through unchanged.
 */

export interface Word {
  text: string;
  lower: string;
  stem: string;
}

const CYRILLIC = /[\u0400-\u04FF]/;

/** Stemming dominates grading time, and a report repeats its words: stems are kept once computed. */
const stems = new Map<string, string>();

export function stem(word: string): string {
  const w = word.toLowerCase().replace(/ё/g, 'е');
  let s = stems.get(w);
  if (s === undefined) {
    s = CYRILLIC.test(w) ? stemRu(w) : stemEn(w);
    stems.set(w, s);
  }
  return s;
}

const wordLists = new Map<string, Word[]>();

/** The words of a text; every clause is looked at by many concepts, so the list is made once. */
export function words(text: string): Word[] {
  let ws = wordLists.get(text);
  if (!ws) {
    ws = [...text.matchAll(/[\p{L}\p{N}]+(?:'[\p{L}]+)?\+?/gu)].map((m) => ({ text: m[0], lower: m[0].toLowerCase(), stem: stem(m[0]) }));
    wordLists.set(text, ws);
  }
  return ws;
}

/**
 * A concept: some dictionary words and phrases. A word matches when its stem equals the entry's
 * stem or, for stems long enough not to be ambiguous, starts with it ("выключен" from "выключение"
 * starts with "выключ" from "выключить").
 */
export class Concept {
  private readonly entries: string[][];
  constructor(
    readonly name: string,
    phrases: readonly string[],
  ) {
    this.entries = phrases.map((p) => words(p).map((w) => w.stem));
  }

  private static same(word: string, entry: string): boolean {
    return word === entry || (entry.length >= 5 && word.startsWith(entry));
  }

  private readonly seen = new WeakMap<Word[], number[]>();

  /** Index of each word where a phrase of this concept starts. */
  positions(ws: Word[]): number[] {
    let found = this.seen.get(ws);
    if (!found) {
      found = this.find(ws);
      this.seen.set(ws, found);
    }
    return found;
  }

  private find(ws: Word[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < ws.length; i++) {
      if (this.entries.some((e) => e.length > 0 && e.every((s, k) => ws[i + k] !== undefined && Concept.same(ws[i + k]!.stem, s)))) out.push(i);
    }
    return out;
  }

  in(ws: Word[]): boolean {
    return this.positions(ws).length > 0;
  }
}

export const concept = (name: string, ...phrases: string[]) => new Concept(name, phrases);

export const NEGATION = concept('negation', 'не', 'нет', 'ни', 'без', 'no', 'not', 'never', 'without', "didn't", "doesn't", "don't", "isn't", "wasn't", "won't", 'нельзя', 'невозможно');
/** Conditional or unrealised mood: what would happen, not what was seen. */
export const CONDITIONAL = concept('conditional', 'если', 'бы', 'if', 'would', 'unless', 'случае', 'предположим', 'теоретически', 'suppose', 'hypothetically');
/** Hedging: still a claim ("могут читаться с реплик" says something about the load). */
export const HEDGE = concept('hedge', 'может', 'могут', 'возможно', 'наверное', 'вероятно', 'may', 'might', 'probably', 'likely', 'должно', 'should');
/** Ability of the speaker ("читать можем"): a statement about what the setup allows, not about this load. */
/** Advice ("включить synchronous replication"): what should be done, not what is. */
export const ADVICE = concept('advice', 'включить', 'использовать', 'настроить', 'нужно', 'нужна', 'стоит', 'следует', 'рекомендуется', 'enable', 'use', 'configure', 'recommend', 'should');
export const CAPABILITY = concept('capability', 'можем', 'можно', 'could', 'we can', 'allows', 'позволяет');

/** Sentences of a line of prose; "5.1." at the start is a list number, not a sentence. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const re = /[.!?…]+(?=\s+|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const end = m.index + m[0].length;
    const piece = text.slice(start, end).trim();
    if (piece && !/^\d+(?:\.\d+)*\.$/.test(piece) && !/(?:^|\s)(?:т|т\.е|e\.g|i\.e|etc|vs|др|см)\.$/i.test(piece)) {
      out.push(piece);
      start = end;
    }
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Clauses of a sentence: negation, hedging and mood are judged inside one clause. */
export function clauses(sentence: string): string[] {
  return sentence
    .split(/\s*(?:[,;:()«»"]|\s[-–—]\s|->|→|\|)\s*|\s+(?=(?:но|а|однако|but|however|whereas|while|хотя|although|потому|because|так как|поэтому|so|если|if|даже если|even if)\s)/iu)
    .map((c) => c.trim())
    .filter((c) => /[\p{L}\p{N}]/u.test(c));
}

/** A negation within the four words before position i ("did not have time to stop"), or "нет" right after it. */
export function negatedAt(ws: Word[], i: number): boolean {
  const before = ws.slice(Math.max(0, i - 4), i);
  if (NEGATION.in(before)) return true;
  const after = ws.slice(i + 1, i + 3);
  return after.some((w) => w.lower === 'нет' || w.lower === 'not');
}

/** Positions of a concept that are not negated. */
export function affirmed(c: Concept, ws: Word[]): number[] {
  return c.positions(ws).filter((i) => !negatedAt(ws, i));
}

export type Mood = 'done' | 'hypothetical';

/** A clause is hypothetical when it or the clause it depends on ("если X, Y") is conditional. */
export function moods(parts: string[]): Mood[] {
  let conditionalOpen = false;
  return parts.map((p) => {
    const ws = words(p);
    const conditional = CONDITIONAL.in(ws);
    const mood: Mood = conditional || conditionalOpen ? 'hypothetical' : 'done';
    // "если он сложится - не достучимся": the main clause after an "если" clause is as unreal as it.
    conditionalOpen = conditional && /^(?:если|if|в случае|даже если|even if)(?![\p{L}])/iu.test(p.trim());
    return mood;
  });
}

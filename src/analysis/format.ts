/** Number formatting shared by the analysis' plain-words explanations and formulas. */

/** Times are recorded at 0.1 ms precision; rounding keeps float noise out of results.json. */
export function round01(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** "20 s", "0.5 s", "23.45 s": seconds with at most three decimals, trailing zeros dropped. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * JUnit XML for CI: one testsuite per experiment run, one testcase per assertion, and a "run"
 * testcase carrying the error when the run itself ended in error.
 */
import type { Results } from '../results/types.js';

// XML 1.0 cannot carry most control characters or lone surrogates, even escaped.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlAttr(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Attribute values are whitespace-normalised by parsers; keep line breaks in messages.
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function suite(r: Results): { xml: string; tests: number; failures: number; errors: number } {
  const classname = `patroni-drill.${r.experiment}`;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;

  if (r.verdict === 'error') {
    errors++;
    const message = r.error ?? 'the run ended in error';
    cases.push(
      `    <testcase${attrs({ classname, name: 'run', time: seconds(r.duration_ms) })}>\n` +
        `      <error${attrs({ message, type: 'RunError' })}>${xmlText(message)}</error>\n` +
        `    </testcase>`,
    );
  }
  for (const a of r.assertions) {
    const open = `    <testcase${attrs({ classname, name: a.name, time: '0' })}`;
    if (a.passed) {
      cases.push(`${open}/>`);
      continue;
    }
    failures++;
    const message = `observed ${a.observed}, expected ${a.expected}`;
    cases.push(
      `${open}>\n` +
        `      <failure${attrs({ message, type: 'AssertionFailure' })}>` +
        `${xmlText(`observed: ${a.observed}\nexpected: ${a.expected}`)}</failure>\n` +
        `    </testcase>`,
    );
  }

  const properties: Record<string, string> = {
    description: r.description,
    verdict: r.verdict,
    driver: r.driver,
    ...Object.fromEntries(Object.entries(r.versions).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
  const tests = cases.length;
  const xml =
    `  <testsuite${attrs({
      name: r.experiment,
      tests,
      failures,
      errors,
      skipped: 0,
      time: seconds(r.duration_ms),
      timestamp: r.started_at,
    })}>\n` +
    `    <properties>\n` +
    Object.entries(properties)
      .map(([name, value]) => `      <property${attrs({ name, value })}/>\n`)
      .join('') +
    `    </properties>\n` +
    cases.map((c) => `${c}\n`).join('') +
    `  </testsuite>\n`;
  return { xml, tests, failures, errors };
}

/** JUnit XML for one experiment's results, or for several (a suite run) in one document. */
export function toJUnitXml(results: Results | readonly Results[]): string {
  const list: readonly Results[] = Array.isArray(results) ? results : [results as Results];
  const suites = list.map(suite);
  const total = (k: 'tests' | 'failures' | 'errors') => suites.reduce((n, s) => n + s[k], 0);
  const time = list.reduce((n, r) => n + r.duration_ms, 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites${attrs({
      name: 'patroni-drill',
      tests: total('tests'),
      failures: total('failures'),
      errors: total('errors'),
      time: seconds(time),
    })}>\n` +
    suites.map((s) => s.xml).join('') +
    `</testsuites>\n`
  );
}

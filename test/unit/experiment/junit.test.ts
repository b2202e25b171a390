import { describe, expect, it } from 'vitest';
import { toJUnitXml } from '../../../src/experiment/junit.js';
import type { Results } from '../../../src/results/types.js';
import { analysis, run } from './fixtures.js';

function results(over: Partial<Results> = {}): Results {
  const { meta } = run([]);
  return {
    schema_version: 2,
    experiment: 'leader-stop',
    description: 'Stop the leader & see <what> happens',
    verdict: 'fail',
    driver: meta.driver,
    started_at: meta.started_at,
    duration_ms: 42_500,
    versions: meta.versions,
    topology: meta.topology,
    config: meta.config,
    events: [],
    members_before: [],
    members_after: [],
    analysis: analysis(),
    assertions: [
      { name: 'max write outage', passed: true, observed: '3.06 s', expected: '<= 10 s' },
      { name: 'lost writes', passed: false, observed: '2 (k"1\', <k2>)', expected: '0' },
    ],
    files: { history: 'history.ndjson', final_read: 'final-read.json', meta: 'run.json' },
    ...over,
  };
}

const ENTITY_OR_AMP = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/**
 * A strict check of the XML subset the writer emits: balanced elements, quoted attributes without
 * '<' or stray '&', text without '<' or stray '&', no characters XML 1.0 forbids.
 */
function expectWellFormed(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const stack: string[] = [];
  let roots = 0;
  for (let pos = 0; pos < body.length; pos = token.lastIndex) {
    token.lastIndex = pos;
    const m = token.exec(body);
    if (!m) throw new Error(`not well-formed at ${pos}: ${body.slice(pos, pos + 40)}`);
    const [, closing, name, attributes, selfClosing, text] = m;
    if (text !== undefined) {
      expect(text).not.toMatch(ENTITY_OR_AMP);
      if (stack.length === 0) expect(text.trim()).toBe('');
      continue;
    }
    expect(attributes ?? '').not.toMatch(ENTITY_OR_AMP);
    if (closing) expect(stack.pop()).toBe(name);
    else {
      if (stack.length === 0) roots++;
      if (!selfClosing) stack.push(name!);
    }
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('toJUnitXml', () => {
  it('one testsuite per experiment, one testcase per assertion, failures with observed vs expected', () => {
    const xml = toJUnitXml(results());
    expectWellFormed(xml);
    expect(xml).toContain('<testsuites name="patroni-drill" tests="2" failures="1" errors="0" time="42.500">');
    expect(xml).toContain(
      '<testsuite name="leader-stop" tests="2" failures="1" errors="0" skipped="0" time="42.500" timestamp="2025-01-01T00:00:00.000Z">',
    );
    expect(xml).toContain('<testcase classname="patroni-drill.leader-stop" name="max write outage" time="0"/>');
    expect(xml).toContain(
      '<failure message="observed 2 (k&quot;1&apos;, &lt;k2&gt;), expected 0" type="AssertionFailure">' +
        'observed: 2 (k"1\', &lt;k2&gt;)\nexpected: 0</failure>',
    );
    expect(xml).toContain('<property name="description" value="Stop the leader &amp; see &lt;what&gt; happens"/>');
    expect(xml).toContain('<property name="patroni" value="4.0.7"/>');
  });

  it('an error verdict is an <error> testcase', () => {
    const xml = toJUnitXml(results({ verdict: 'error', error: 'wait "healthy" timed out\nafter 60 s & <gave up>', assertions: [] }));
    expectWellFormed(xml);
    expect(xml).toContain('tests="1" failures="0" errors="1"');
    expect(xml).toContain(
      '<testcase classname="patroni-drill.leader-stop" name="run" time="42.500">\n' +
        '      <error message="wait &quot;healthy&quot; timed out&#10;after 60 s &amp; &lt;gave up&gt;" type="RunError">' +
        'wait "healthy" timed out\nafter 60 s &amp; &lt;gave up&gt;</error>',
    );
  });

  it('several experiments make several testsuites with summed totals', () => {
    const xml = toJUnitXml([results(), results({ experiment: 'switchover', verdict: 'pass', assertions: [] })]);
    expectWellFormed(xml);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml).toContain('<testsuites name="patroni-drill" tests="2" failures="1" errors="0" time="85.000">');
    expect(xml).toContain('<testsuite name="switchover" tests="0" failures="0" errors="0"');
  });

  it('replaces characters XML cannot carry', () => {
    const xml = toJUnitXml(
      results({ assertions: [{ name: 'bell\u0007 and \uD800 lone surrogate', passed: false, observed: 'x\u0000', expected: '0' }] }),
    );
    expectWellFormed(xml);
    expect(xml).toContain('name="bell\uFFFD and \uFFFD lone surrogate"');
  });
});

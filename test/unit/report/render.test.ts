import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunDirs, renderIndex, renderRunReport, type Rendered } from '../../../src/report/render.js';
import { copyFixtures, RUN } from './helpers.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let root: string;
const out = new Map<string, Rendered>();
let index: Rendered;

beforeAll(async () => {
  root = await copyFixtures();
  for (const dir of await findRunDirs(root)) out.set(path.basename(dir), await renderRunReport(dir));
  index = await renderIndex(root);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const headings = (md: string) => md.split('\n').filter((l) => /^##? /.test(l));

/** report.html inlines 280 KB of libraries: a failed toContain on it would print them all. */
function expectIn(html: string, text: string, present = true): void {
  expect(html.includes(text), `${present ? 'missing' : 'unexpected'}: ${text}`).toBe(present);
}

describe('renderRunReport', () => {
  it('writes report.md, report.html and the PNGs the Markdown links to', async () => {
    const dir = path.join(root, RUN.crash);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['report.md', 'report.html', 'chart-throughput.png', 'chart-latency.png', 'chart-roles.png', 'chart-lag.png', 'chart-phases-1.png']));
    const { md, pngs } = out.get(RUN.crash)!;
    expect(await readFile(path.join(dir, 'report.md'), 'utf8')).toBe(md);
    const linked = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(linked.sort()).toEqual(pngs.map((p) => path.basename(p)).sort());
    for (const png of pngs) {
      const buf = await readFile(png);
      expect(buf.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(buf.length).toBeGreaterThan(10_000);
    }
  });

  it('puts the verdict and the conclusions first, then charts, phases, data and the rest', () => {
    expect(headings(out.get(RUN.crash)!.md)).toEqual([
      '# leader-crash: PASS',
      '## Conclusions',
      '## Throughput',
      '## Latency',
      '## Cluster roles over time',
      '## Replication lag',
      '## The outage, phase by phase',
      '## Data accounting',
      '## Assertions',
      '## Experiment timeline',
      '## Cluster before and after',
      '## Topology, versions and settings',
      '## Client errors',
    ]);
    const md = out.get(RUN.crash)!.md;
    expect(md).toContain('| 101 | 134 | 32 | sequence pre-logging |');
    expect(md).toContain('| Recovered (indeterminate, present) | 1 | — |');
    expect(md).toContain('| patroni2 | 10.77.0.22 | Leader | running | 2 |  |');
    expect(md).toContain('| 2 | inject kill | leader | patroni1 | \\+10.00 s | \\+10.03 s |  |');
  });

  it('shows markup from an experiment description as text, in Markdown and in HTML', () => {
    const { md, html } = out.get(RUN.splitBrain)!;
    expect(md).toContain('bypassing HAProxy. &lt;script&gt;alert\\(1\\)&lt;/script&gt;');
    expect(md).not.toContain('<script');
    expectIn(html, 'bypassing HAProxy. &lt;script&gt;alert(1)&lt;/script&gt;');
    expectIn(html, 'alert(1)</script>', false);
    // Four libraries and the chart script, inlined once each, and the two JSON blocks: no more.
    expect(html.match(/<script[\s>]/g)).toHaveLength(7);
    expect(html.match(/Chart\.js v4/g)).toHaveLength(1);
  });

  it('escapes markup in node names, error messages and the run error wherever they appear', async () => {
    const dir = path.join(root, RUN.haproxy);
    const results = JSON.parse(await readFile(path.join(dir, 'results.json'), 'utf8'));
    results.verdict = 'error';
    results.error = 'wait failed: <i>boom</i>';
    results.analysis.errors[0].example = '<img src=x onerror=alert(2)>';
    results.members_after[0].name = '<b>patroni1</b>';
    results.events[4].nodes = ['<u>haproxy1</u>'];
    await writeFile(path.join(dir, 'results.json'), JSON.stringify(results));
    const { md, html } = await renderRunReport(dir);
    for (const raw of ['<i>boom', '<img', '<b>patroni1', '<u>haproxy1']) {
      expectIn(html, raw, false);
      expect(md).not.toContain(raw);
    }
    // Handlebars escapes = as well.
    expectIn(html, '&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
    expectIn(html, 'the run did not complete: wait failed: &lt;i&gt;boom&lt;/i&gt;');
    expect(md).toContain('&lt;b&gt;patroni1&lt;/b&gt;');
  });

  it('shows split brain and the lost write in the verdict box, and the failed assertions', () => {
    const { md, html } = out.get(RUN.splitBrain)!;
    expect(md).toContain('> ⚠ **Split brain:** patroni1 and patroni2 accepted writes at the same time');
    expect(md).toContain('| acknowledged writes lost | ❌ **FAILED** | 1 | 0 |');
    expectIn(html, '<div class="warning">⚠ <strong>Split brain:</strong>');
    expectIn(html, '<span class="badge badge-fail">FAIL</span>');
  });

  it('renders what a run that ended in error has, and says what it lacks', () => {
    const { md, pngs } = out.get(RUN.error)!;
    expect(md).toMatch(/^# leader-pause: ERROR/);
    expect(md).toContain('**Incomplete run:** not recorded: the analysis');
    expect(md).toContain('## Data accounting\n\n_Not analysed: the run ended before its analysis was written._');
    expect(pngs.map((p) => path.basename(p)).sort()).toEqual(['chart-lag.png', 'chart-latency.png', 'chart-roles.png', 'chart-throughput.png']);
  });

  it('renders in Russian on request, and drops chart PNGs an earlier render left behind', async () => {
    const dir = path.join(root, RUN.quorum);
    await writeFile(path.join(dir, 'chart-phases-2.png'), 'stale');
    const ru = await renderRunReport(dir, { lang: 'ru' });
    expect(headings(ru.md).slice(0, 3)).toEqual(['# etcd-quorum-loss: УСПЕХ', '## Выводы', '## Пропускная способность']);
    expect(ru.md).toContain('Включите failsafe_mode');
    expectIn(ru.html, '<html lang="ru">');
    expect(await readdir(dir)).not.toContain('chart-phases-2.png');
  });
});

describe('renderIndex', () => {
  it('lists every run newest first, with its verdict and key figures, linking to its report', async () => {
    const rows = index.md.split('\n').filter((l) => /^\| 2025-/.test(l));
    expect(rows.map((r) => r.split('|')[2]!.trim())).toEqual([
      `[leader-pause](${RUN.error}/report.md)`,
      `[patroni-kill-direct-client](${RUN.splitBrain}/report.md)`,
      `[haproxy-stop](${RUN.haproxy}/report.md)`,
      `[etcd-quorum-loss](${RUN.quorum}/report.md)`,
      `[leader-crash](${RUN.crash}/report.md)`,
      `[leader-crash](${RUN.crashOld}/report.md)`,
    ]);
    expect(rows[1]).toContain('| ❌ FAIL | 19.20 s | 18.2 s … 23.3 s | 0.00 s | **1** | 0 | 1 | **11.0 s** |');
    expect(rows[3]).toContain('| ✅ PASS | 25.10 s | 14.1 s … 25.8 s | 0.00 s | 0 | 1 | 2 |  |');
    expectIn(index.html, `<a href="${RUN.crash}/report.html">leader-crash</a>`);
    expect(await readFile(path.join(root, 'index.md'), 'utf8')).toBe(index.md);
  });

  it('compares write outage per experiment, with the spread where one ran several times', () => {
    expect(index.md).toContain('| leader-crash | 2 | 2 | 20.60 s | 22.55 s | 24.50 s | 24.50 s | 18.2 s … 23.3 s |');
    expect(index.md).toContain('![Write outage per experiment](chart-outage-per-experiment.png)');
    expect(index.pngs.map((p) => path.basename(p))).toEqual(['chart-outage-per-experiment.png']);
    const specs = JSON.parse(index.html.match(/<script type="application\/json" id="chart-specs">(.*?)<\/script>/s)![1]!);
    const [spread] = specs[0].config.data.datasets;
    expect(specs[0].config.data.labels).toEqual(['etcd-quorum-loss', 'haproxy-stop', 'leader-crash', 'patroni-kill-direct-client']);
    expect(spread.data).toEqual([null, null, [20.6, 24.503], null]);
  });

  it('escapes descriptions in the index page too', () => {
    expectIn(index.html, '&lt;script&gt;alert(1)&lt;/script&gt;');
    expectIn(index.html, 'alert(1)</script>', false);
  });
});

import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderIndex, renderRunReport } from '../../../src/report/render.js';
import { copyFixtures, RUN } from './helpers.js';

// Debian's chromium: the tools' own browser downloads fail on these machines.
const CHROMIUM = '/usr/bin/chromium';

/**
 * What the page offers, typed here because the project compiles without the DOM library; the
 * functions given to page.evaluate run in the browser and reach it through globalThis.
 */
interface CanvasLike {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
interface ChartLike {
  $spec: { time: boolean };
  scales: { x: { min: number; max: number } };
  tooltip: { getActiveElements(): unknown[]; title: string[] };
}
interface PageGlobals {
  document: { querySelectorAll(selector: string): Iterable<CanvasLike> };
  Chart: { getChart(canvas: CanvasLike): unknown };
  reportCharts?: ChartLike[];
}

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
}

// `npm run setup` installs Debian's chromium: without it this fails rather than passing unseen.
describe('report.html in headless Chromium', () => {
  let root: string;
  let browser: Browser;

  beforeAll(async () => {
    root = await copyFixtures();
    await renderRunReport(path.join(root, RUN.splitBrain));
    await renderRunReport(path.join(root, RUN.crash), { lang: 'ru' });
    await renderIndex(root);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => Array.isArray((globalThis as unknown as PageGlobals).reportCharts), undefined, { timeout: 10_000 });
    return { page, problems, requests };
  }

  /** Per canvas: whether Chart.js owns it, and how many of its pixels were painted. */
  async function canvases(page: Page) {
    return page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return [...g.document.querySelectorAll('canvas')].map((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return { id: canvas.id, chart: g.Chart.getChart(canvas) !== undefined, painted: painted / (canvas.width * canvas.height) };
      });
    });
  }

  it('draws every chart of a report, offline and without a console error', async () => {
    const { page, problems, requests } = await open(path.join(root, RUN.splitBrain, 'report.html'));
    const drawn = await canvases(page);
    expect(drawn.map((c) => c.id)).toEqual(['chart-throughput', 'chart-latency', 'chart-roles', 'chart-lag', 'chart-phases-1']);
    for (const c of drawn) {
      expect(c.chart, c.id).toBe(true);
      expect(c.painted, c.id).toBeGreaterThan(0.05);
    }
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    // The description's script is text on the page, not a script that ran.
    expect(await page.locator('.description').innerText()).toContain('<script>alert(1)</script>');
    await page.close();
  });

  it('shows values on hover and zooms every time chart to the outage and back', async () => {
    const { page, problems } = await open(path.join(root, RUN.crash, 'report.html'));
    const canvas = page.locator('#chart-throughput');
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.3, y: box.height * 0.5 } });
    const tooltip = () =>
      page.evaluate(() => {
        const chart = (globalThis as unknown as PageGlobals).reportCharts![0]!;
        return { active: chart.tooltip.getActiveElements().length, title: chart.tooltip.title };
      });
    await expect.poll(async () => (await tooltip()).active).toBeGreaterThan(0);
    expect((await tooltip()).title[0]).toMatch(/^t = \d+(,\d+)? с$/);

    const ranges = () =>
      page.evaluate(() =>
        (globalThis as unknown as PageGlobals)
          .reportCharts!.filter((c) => c.$spec.time)
          .map((c) => [c.scales.x.min, c.scales.x.max]),
      );
    const before = await ranges();
    await page.getByRole('button', { name: 'Приблизить простой' }).click();
    const zoomed = await ranges();
    expect(zoomed).toHaveLength(4);
    for (const [min, max] of zoomed) {
      expect(min).toBeGreaterThan(5);
      expect(max).toBeLessThan(before[0]![1]!);
    }
    await page.getByRole('button', { name: 'Сбросить масштаб' }).click();
    expect(await ranges()).toEqual(before);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the index chart', async () => {
    const { page, problems, requests } = await open(path.join(root, 'index.html'));
    const drawn = await canvases(page);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.chart).toBe(true);
    expect(drawn[0]!.painted).toBeGreaterThan(0.02);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});

import { ChartJSNodeCanvas } from 'chartjs-node-canvas';
import type { ChartConfiguration } from 'chart.js';
import { PNG_WIDTH, type ChartSpec } from './charts.js';

/** Sharp on high-density screens (GitHub serves the PNG scaled to the column width). */
const DEVICE_PIXEL_RATIO = 1.5;

// One renderer per height: each loads its own Chart.js, which costs ~100 ms.
const renderers = new Map<number, ChartJSNodeCanvas>();

function renderer(height: number): ChartJSNodeCanvas {
  let r = renderers.get(height);
  if (!r) {
    r = new ChartJSNodeCanvas({
      width: PNG_WIDTH,
      height,
      backgroundColour: 'white',
      plugins: { modern: ['chartjs-plugin-annotation'] },
      chartCallback: (ChartJS) => {
        ChartJS.defaults.font.family = '"DejaVu Sans", sans-serif';
        ChartJS.defaults.font.size = 12;
      },
    });
    renderers.set(height, r);
  }
  return r;
}

/** Draws a chart spec into a PNG; the spec is copied because Chart.js annotates what it is given. */
export async function renderPng(spec: ChartSpec): Promise<Buffer> {
  const config = structuredClone(spec.config) as ChartConfiguration;
  config.options = { ...config.options, devicePixelRatio: DEVICE_PIXEL_RATIO, responsive: false, animation: false };
  return renderer(spec.height).renderToBuffer(config, 'image/png');
}

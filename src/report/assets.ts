import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TEMPLATES_DIR } from '../render/templates.js';

const require = createRequire(import.meta.url);

/** A package's folder: its entry point resolved, then up to its package.json (exports hide the rest). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

// Order matters: the plugins' UMD builds look for the Chart and Hammer globals when they load.
const LIBRARIES: Array<[pkg: string, file: string]> = [
  ['chart.js', 'dist/chart.umd.min.js'],
  ['chartjs-plugin-annotation', 'dist/chartjs-plugin-annotation.min.js'],
  ['hammerjs', 'hammer.min.js'],
  ['chartjs-plugin-zoom', 'dist/chartjs-plugin-zoom.min.js'],
];

let cached: string | null = null;

function scriptTag(source: string): string {
  // Nothing inside may close the element early.
  return `<script>${source.replace(/<\/(script)/gi, '<\\/$1')}</script>`;
}

/**
 * Chart.js, its annotation and zoom plugins and the report's own chart script, each inlined once,
 * so report.html and index.html open offline as single files.
 */
export function chartScripts(): string {
  if (cached === null) {
    const libs = LIBRARIES.map(([pkg, file]) => scriptTag(readFileSync(path.join(packageDir(pkg), file), 'utf8')));
    libs.push(scriptTag(readFileSync(path.join(TEMPLATES_DIR, 'report', 'charts.client.js'), 'utf8')));
    cached = libs.join('\n');
  }
  return cached;
}

/**
 * Child-process entry of ReportQueue: renders the report of each run folder given, in order.
 * Usage: render-runs.ts <lang> <run folder>...; exits 1 if any folder could not be rendered.
 */
import { renderRunReport } from '../report/render.js';
import { LANGS, type Lang } from '../report/i18n.js';

const [lang, ...dirs] = process.argv.slice(2);
if (!LANGS.includes(lang as Lang)) throw new Error(`render-runs: unknown language ${lang ?? '(none)'}`);
for (const dir of dirs) {
  try {
    await renderRunReport(dir, { lang: lang as Lang });
  } catch (err) {
    console.error(`${dir}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}

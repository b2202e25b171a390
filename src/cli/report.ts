import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { LANGS, type Lang } from '../report/i18n.js';
import { findRunDirs, INDEX_HTML, INDEX_MD, REPORT_HTML, REPORT_MD, renderIndex, renderRunReport } from '../report/render.js';

const program = new Command()
  .name('report')
  .description('Re-render the report of every run folder under the reports folder (those holding results.json), then the index. No cluster is needed.')
  .addOption(new Option('--lang <lang>', 'report language').choices([...LANGS]).default('en'))
  .option('--dir <dir>', 'reports folder', 'reports')
  .argument('[runs...]', 'only these run folders (the index still lists every run)')
  .action(async (runs: string[], opts: { lang: Lang; dir: string }) => {
    const reportsDir = path.resolve(opts.dir);
    if (!(await stat(reportsDir).catch(() => null))?.isDirectory()) {
      console.error(`no reports folder at ${reportsDir}`);
      process.exitCode = 1;
      return;
    }
    const dirs = runs.length ? runs.map((r) => path.resolve(r)) : await findRunDirs(reportsDir);
    const rel = (p: string) => path.relative(process.cwd(), p) || '.';
    let failed = 0;
    for (const dir of dirs) {
      const started = performance.now();
      try {
        const { pngs } = await renderRunReport(dir, { lang: opts.lang });
        const ms = Math.round(performance.now() - started);
        console.log(`${rel(path.join(dir, REPORT_MD))}, ${REPORT_HTML} and ${pngs.length} chart${pngs.length === 1 ? '' : 's'} (${ms} ms)`);
      } catch (err) {
        failed++;
        console.error(`${rel(dir)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const { pngs } = await renderIndex(reportsDir, { lang: opts.lang });
    console.log(`${rel(path.join(reportsDir, INDEX_MD))}, ${INDEX_HTML} and ${pngs.length} chart${pngs.length === 1 ? '' : 's'}: ${dirs.length} run${dirs.length === 1 ? '' : 's'}`);
    if (failed) {
      console.error(`${failed} run${failed === 1 ? '' : 's'} could not be rendered`);
      process.exitCode = 1;
    }
  });

await program.parseAsync();

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { gradeSubmission } from '../grade/grade.js';
import { writeGrades } from '../grade/render.js';
import { loadRubric } from '../grade/rubric.js';
import { MissingInputError, resolveSubmissions } from '../grade/submissions.js';
import { loadTruth, truthFromRuns } from '../grade/truth.js';
import { ConfigError } from '../grade/yaml.js';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

/** A path as given if it exists from here, else relative to the project (where the shipped files are). */
function shipped(p: string): { file: string; shown: string } {
  return { file: existsSync(p) ? p : path.join(PROJECT, p), shown: p };
}

const program = new Command()
  .name('grade')
  .description('Grade homework reports against the behaviour this tool measured.')
  .argument('<paths...>', 'Markdown files, submission folders (with hw3/HW_3_SOLUTION.md) or folders of submissions')
  .option('--out <dir>', 'where the grade sheets and the class summary go', 'reports/grades')
  .option('--rubric <file>', 'rubric YAML', 'rubrics/default.yaml')
  .option('--truth-file <file>', 'measured behaviour YAML', 'rubrics/measured-truth.yaml')
  .option('--truth <reports dir>', "take the measured outages from this tool's recorded runs (results.json) instead")
  .action((paths: string[], opts: { out: string; rubric: string; truthFile: string; truth?: string }) => {
    try {
      const rubric = shipped(opts.rubric);
      let truth = loadTruth(shipped(opts.truthFile).file);
      if (opts.truth) truth = truthFromRuns(truth, opts.truth);
      const docs = resolveSubmissions(paths, [opts.out]);
      if (!docs.length) {
        console.error('No submission found (a .md file, or a folder with hw3/HW_3_SOLUTION.md or one .md file).');
        process.exitCode = 1;
        return;
      }
      const options = { rubric: loadRubric(rubric.file), rubricFile: rubric.shown, truth };
      const sheets = docs.map((d) => gradeSubmission(d, options));
      writeGrades(sheets, opts.out);
      for (const g of sheets) {
        const errors = g.flags.filter((f) => f.severity === 'error').length;
        const warnings = g.flags.filter((f) => f.severity === 'warning').length;
        const pending = g.pending ? ` (+${g.pending} pending review)` : '';
        console.log(`${g.source}: ${g.total}/${g.max}${pending}, ${errors} error flag(s), ${warnings} warning(s)`);
      }
      console.log(`Grade sheets and summary written to ${path.join(opts.out, 'index.html')}`);
    } catch (err) {
      if (err instanceof ConfigError || err instanceof MissingInputError) {
        console.error(err.message);
        process.exitCode = err instanceof ConfigError ? 2 : 1;
        return;
      }
      throw err;
    }
  });

program.parse();

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { evaluate, loadLabels } from '../grade/evaluate.js';
import { gradeSubmission } from '../grade/grade.js';
import { LANGS, type Lang } from '../grade/i18n.js';
import { explain, writeGrades } from '../grade/render.js';
import { loadRubric } from '../grade/rubric.js';
import { MissingInputError, resolveSubmissions } from '../grade/submissions.js';
import { loadTruth, truthFromRuns } from '../grade/truth.js';
import { ConfigError } from '../grade/yaml.js';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

/** A path as given if it exists from here, else relative to the project (where the shipped files are). */
function shipped(p: string): { file: string; shown: string } {
  return { file: existsSync(p) ? p : path.join(PROJECT, p), shown: p };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

interface Opts {
  out: string;
  rubric: string;
  truthFile: string;
  truth?: string;
  lang: Lang;
  explain?: boolean;
  evaluate?: string;
}

const program = new Command()
  .name('grade')
  .description("Grade homework reports against Patroni's real behaviour and this tool's measured runs.")
  .argument('<paths...>', 'Markdown files, submission folders (with hw3/HW_3_SOLUTION.md or one .md file) or folders of submissions')
  .option('--out <dir>', 'where the grade sheets and the class summary go', 'reports/grades')
  .option('--rubric <file>', 'rubric YAML', 'rubrics/default.yaml')
  .option('--truth-file <file>', 'measured behaviour YAML', 'rubrics/measured-truth.yaml')
  .option('--truth <reports dir>', "take the measured outages from this tool's recorded runs (results.json) instead")
  .addOption(new Option('--lang <lang>', 'language of the grade sheets').choices(LANGS).default('en'))
  .option('--explain', 'print, per criterion, the lines and words that decided it')
  .option('--evaluate <labels.yaml>', 'compare with human labels: in-sample and leave-one-out agreement per (submission, criterion)')
  .action((paths: string[], opts: Opts) => {
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
      if (opts.evaluate) {
        const e = evaluate(docs, loadLabels(opts.evaluate), options);
        console.log(`${e.reports} labelled reports, ${e.cells} (submission, criterion) cells`);
        console.log(`in-sample agreement (default parameters): ${percent(e.in_sample)}`);
        console.log(`leave-one-out agreement (parameters fitted on the other reports): ${percent(e.leave_one_out)}`);
        for (const d of e.disagreements) console.log(`  ${d.file} ${d.cell}: labelled ${d.expected}, graded ${d.got}`);
        return;
      }
      const sheets = docs.map((d) => gradeSubmission(d, options));
      writeGrades(sheets, opts.out, opts.lang);
      for (const g of sheets) {
        const wrong = g.flags.filter((f) => f.severity === 'error').length;
        console.log(opts.explain ? explain(g) : `${g.source}: ${g.total}/${g.max}, ${wrong} wrong claim(s)${g.needs_person.length ? ', needs a person' : ''}`);
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

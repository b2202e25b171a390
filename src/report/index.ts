/** What the runner, the suite and the CLI call: render one run's report, and the index of all runs. */
export { renderIndex, renderRunReport, findRunDirs, type Rendered, type ReportOptions } from './render.js';
export { conclude, type Conclusions } from './conclusions.js';
export type { Lang } from './i18n.js';

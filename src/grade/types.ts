import type { RuleId } from './claims.js';
import type { EvidenceItem, EvidenceState, ExperimentFinding, Fault } from './experiments.js';
import type { ParsedMarkdown } from './markdown.js';
import type { Setup } from './setup.js';

/**
 * What the grader reads out of a homework report and what it hands to the renderers.
 * Line numbers are 1-based lines of the submission's Markdown file.
 */

/** A line of the student's text, quoted as evidence. */
export interface Quote {
  line: number;
  text: string;
}

// ---------------------------------------------------------------------------------------------
// The document

export interface Line {
  n: number;
  text: string;
  /** Inside a fenced code block (the fence lines themselves count as code). */
  code: boolean;
  /** Index of the fenced block this line belongs to, or null for prose. */
  block: number | null;
  /** Heading level (1–6) if the line is an ATX heading. */
  heading: number | null;
}

export interface CodeBlock {
  index: number;
  /** Line of the opening fence. */
  start: number;
  /** Line of the closing fence (or the last line when the fence is never closed). */
  end: number;
  lang: string;
  /** The content lines (without fences). */
  lines: Array<{ n: number; text: string }>;
}

export type ImageProblem =
  | 'wiki_embed'
  | 'in_code_fence'
  | 'does_not_render'
  | 'missing_file'
  | 'name_case_mismatch'
  | 'wrong_path';

export interface ImageRef {
  line: number;
  /** The target as written (still URL-encoded). */
  target: string;
  alt: string;
  remote: boolean;
  /** Why it will not show, if it will not. */
  problem: ImageProblem | null;
  /** Plain-words detail of the problem (e.g. the file that does exist). */
  detail: string | null;
}

export interface SubmissionDoc extends Omit<ParsedMarkdown, 'lines' | 'blocks'> {
  /** Stable identifier used for output file names. */
  id: string;
  /** Path shown in reports, relative to what was given on the command line. */
  source: string;
  /** The folder the submission came in, when a folder was given (images are checked against it). */
  root: string | null;
  /** Absolute path of the Markdown file. */
  file: string;
  lines: Line[];
  blocks: CodeBlock[];
}

// ---------------------------------------------------------------------------------------------
// Evidence extracted from the text

export type ListFormat = 'lsn' | 'lag_mb';

export interface ListedMember {
  /** Line of the member's row. */
  line: number;
  name: string;
  host: string;
  /** Normalised: 'leader' | 'replica' | 'sync_standby' | 'standby_leader' | other as written, lower case. */
  role: string;
  state: string;
  timeline: number | null;
  /** Lag as printed (MB in the old format, the replay lag in the LSN format). */
  lag: string | null;
}

/** One `patronictl list` table found in the text. */
export interface PatronictlTable {
  /** Line of the first line of the table (the "+ Cluster:" line when present). */
  line: number;
  end_line: number;
  /** Newer format with Receive/Replay LSN columns, or the older one with "Lag in MB". */
  format: ListFormat;
  cluster: string | null;
  system_id: string | null;
  members: ListedMember[];
  /** Name of the member with role leader (or standby_leader), if exactly one. */
  leader: string | null;
  /** Highest timeline in the table. */
  timeline: number | null;
}

export interface LeaderChange {
  from: string | null;
  to: string | null;
  /** Line of the new leader's row. */
  row_line: number;
  /** Lines of the two tables compared. */
  from_line: number;
  to_line: number;
  timeline_from: number | null;
  timeline_to: number | null;
}

/** A member that was the leader in one table and shows up as a replica in a later one. */
export interface Rejoin {
  member: string;
  leader_line: number;
  replica_line: number;
  /** Line of the member's row as a replica. */
  row_line: number;
  state: string;
}

export type LogKind = 'generator' | 'hatester';

export type LogEventKind = 'ok_write' | 'ok_read' | 'failure' | 'connected' | 'retry' | 'restart';

export interface LogEvent {
  line: number;
  kind: LogEventKind;
  /** Seconds since midnight of the log's own clock; null for lines without a time (READ check). */
  t: number | null;
  /** READ check ids, newest first as printed. */
  ids?: number[];
  /** HAtester: role and address it says it works with. */
  role?: 'master' | 'replica';
  address?: string;
  /** Failure text, e.g. "CONNECTION LOST", "session is read-only". */
  message?: string;
  port?: number;
}

/** An unbroken piece of log: one fenced block, or several when the later one continues an outage. */
export interface LogSegment {
  kind: LogKind;
  start_line: number;
  end_line: number;
  events: LogEvent[];
  /** HAtester: the role the stream started on ('master' = write port, 'replica' = read port). */
  stream: 'write' | 'read';
  port: number | null;
}

/** A write outage as the log shows it, at the log's 1-second resolution. */
export interface LogWindow {
  kind: LogKind;
  stream: 'write' | 'read';
  /** Line of the first failure (or of the last success when the log shows no failure line). */
  line: number;
  end_line: number | null;
  last_ok: number | null;
  first_fail: number | null;
  first_ok_after: number | null;
  /** first_ok_after − (first_fail ?? last_ok), whole seconds; null when the log never shows recovery. */
  duration_s: number | null;
  /** Lower bound when the window never closes: last failure seen − first failure. */
  at_least_s: number | null;
  /** The client was restarted by hand inside the window, so its end includes human time. */
  restarted: boolean;
  /** Failure messages seen inside the window, deduplicated, in order. */
  messages: string[];
}

export interface IdGap {
  after_id: number;
  before_id: number;
  size: number;
  /** Line of the READ check that shows the gap. */
  line: number;
  /** Whether a reconnect (failure) happened between the two ids. */
  after_failure: boolean;
  explanation: string;
}

export type LeaderMode = 'stop' | 'kill' | 'network' | 'unknown';

// ---------------------------------------------------------------------------------------------
// Claims and grades

export type Severity = 'error' | 'warning';

export interface Flag {
  rule: RuleId;
  severity: Severity;
  line: number;
  quote: string;
  message: string;
  /** Where the truth it is judged against comes from. */
  source: string;
}

export type Verdict = 'within' | 'longer' | 'unexpected_outage' | 'open' | 'not_compared';

export interface WindowComparison {
  window: LogWindow;
  /** The fault the window belongs to (stated by the student, or inferred). */
  fault: Fault | null;
  mode: LeaderMode;
  inferred: string | null;
  expected: string;
  verdict: Verdict;
  note: string;
}

export interface CriterionResult {
  id: string;
  title: string;
  title_ru: string | null;
  points: number;
  awarded: number;
  /** The experiment it measures, with its evidence state; null for the SPOF and claims criteria. */
  fault: Fault | null;
  state: EvidenceState | null;
  evidence: Quote[];
  notes: string[];
  needs_person: string | null;
}

export interface Observed {
  tables: PatronictlTable[];
  leader_changes: LeaderChange[];
  rejoins: Rejoin[];
  segments: LogSegment[];
  windows: LogWindow[];
  id_gaps: IdGap[];
  /** Ids a READ check showed that a later READ check covering them no longer shows. */
  vanished_ids: Array<{ id: number; line: number }>;
  reconnects: number;
  restarts: number;
  comparisons: WindowComparison[];
}

export interface GradeSheet {
  id: string;
  source: string;
  rubric: { title: string; file: string };
  truth_source: string;
  total: number;
  max: number;
  criteria: CriterionResult[];
  experiments: Record<Fault, ExperimentFinding>;
  spof: { named: Quote | null; remedy: Quote | null };
  flags: Flag[];
  images: ImageRef[];
  /** Whether image files were compared with the submission's folder (a bare .md cannot say). */
  images_checked: boolean;
  false_evidence: EvidenceItem[];
  setup: Setup;
  needs_person: string[];
  observed: Observed;
}

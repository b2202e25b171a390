/**
 * Reads an experiment file, validates it against the schema, and reports every problem at its
 * place in the file ("experiments/x.yaml:12:5: steps[1].target: ...").
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { DRIVER_FAULTS, type DriverKind } from '../cluster/types.js';
import { closest, experimentFileSchema, experimentJsonSchema, type ExperimentSpec } from './schema.js';

export type {
  Assertion,
  AssertionKind,
  ClusterSpec,
  FaultKind,
  LoadSpec,
  PatroniSettings,
  Step,
  StepKind,
  TargetSpec,
  WaitCondition,
} from './schema.js';

export interface Experiment extends ExperimentSpec {
  /** Absolute path of the file it was read from. */
  file: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXPERIMENTS_DIR = path.join(PROJECT_ROOT, 'experiments');

export interface FileProblem {
  line: number;
  col: number;
  /** Field path as written in messages, e.g. "steps[1].target"; empty for the file as a whole. */
  field: string;
  message: string;
}

export class ExperimentFileError extends Error {
  constructor(
    /** The file as shown in messages (relative to the working directory when inside it). */
    readonly file: string,
    readonly problems: FileProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}:${p.col}: ${p.field ? `${p.field}: ` : ''}${p.message}`).join('\n'));
    this.name = 'ExperimentFileError';
  }
}

/** A path (anything with a slash or a .yaml/.yml ending) or a bare name looked up in experiments/. */
export function resolveExperimentPath(fileOrName: string): string {
  const isPath = fileOrName.includes('/') || fileOrName.includes(path.sep) || /\.ya?ml$/.test(fileOrName);
  return isPath ? path.resolve(fileOrName) : path.join(EXPERIMENTS_DIR, `${fileOrName}.yaml`);
}

export interface ParseOptions {
  /** The driver the file will run on: a fault kind it cannot inject is refused at its place. */
  driver?: DriverKind;
}

export async function loadExperiment(fileOrName: string, opts: ParseOptions = {}): Promise<Experiment> {
  const file = resolveExperimentPath(fileOrName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const byName = path.dirname(file) === EXPERIMENTS_DIR;
    const reason = !missing
      ? (err as Error).message
      : byName
        ? `no such file (experiments: ${(await listExperiments().catch(() => [])).join(', ') || 'none'})`
        : 'no such file';
    throw new ExperimentFileError(displayPath(file), [{ line: 1, col: 1, field: '', message: reason }]);
  }
  return parseExperimentText(text, file, opts);
}

/** Names of the experiments in experiments/, sorted. */
export async function listExperiments(): Promise<string[]> {
  const files = await readdir(EXPERIMENTS_DIR);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Validates the text of an experiment file; `file` names it in messages and sets the expected name. */
export function parseExperimentText(text: string, file: string, opts: ParseOptions = {}): Experiment {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ExperimentFileError(
      shown,
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { line: Math.max(1, pos.line), col: Math.max(1, pos.col), field: '', message: `YAML syntax error: ${e.message}` };
      }),
    );
  }

  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw new ExperimentFileError(shown, [{ line: 1, col: 1, field: '', message: 'the file is empty' }]);
  }
  const expectedName = path.basename(file).replace(/\.ya?ml$/, '');
  const ctx: IssueContext = { doc, lineCounter, data, jsonSchema: cachedJsonSchema() };
  const problems: FileProblem[] = [];

  const result = experimentFileSchema.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) describeIssue(issue, [], ctx, problems);
  }
  const name = valueAt(data, ['name']);
  if (typeof name === 'string' && name !== expectedName) {
    problems.push(problemAt(ctx, ['name'], `"${name}" must equal the file's base name "${expectedName}"`));
  }
  if (result.success && opts.driver) {
    const can = DRIVER_FAULTS[opts.driver];
    for (const step of result.data.steps) {
      if (step.kind !== 'inject' || can.faults.includes(step.fault)) continue;
      problems.push(problemAt(ctx, [...step.source, 'inject'], `the ${opts.driver} driver cannot inject ${step.fault}: ${can.missing[step.fault] ?? 'not declared'}`));
    }
  }
  if (!result.success || problems.length > 0) {
    throw new ExperimentFileError(shown, dedupe(problems).sort((a, b) => a.line - b.line || a.col - b.col));
  }
  return { ...result.data, file: path.resolve(file) };
}

function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
}

function dedupe(problems: FileProblem[]): FileProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.field}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// From zod issues to problems with positions

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

interface IssueContext {
  doc: Document;
  lineCounter: LineCounter;
  data: unknown;
  jsonSchema: JsonSchema;
}

function describeIssue(issue: Issue, base: Path, ctx: IssueContext, out: FileProblem[]): void {
  const at = [...base, ...issue.path];
  const value = valueAt(ctx.data, at);

  switch (issue.code) {
    case 'invalid_union': {
      // Steps and assertions are unions of objects told apart by which key they have: report the
      // problems of the branch the item meant, not of every branch.
      const options = schemaAt(ctx.jsonSchema, at, ctx.data, false)?.anyOf;
      if (!isPlainObject(value) || !options?.some((o) => o.type === 'object')) break;
      const keys = Object.keys(value);
      const discriminators = options.map((o, i) => discriminator(options, i));
      const meant = discriminators.flatMap((d, i) => (d !== undefined && keys.includes(d) ? [i] : []));
      if (meant.length === 1) {
        for (const inner of issue.errors[meant[0]!] ?? []) describeIssue(inner, at, ctx, out);
        return;
      }
      const choices = discriminators.filter((d): d is string => d !== undefined);
      if (meant.length > 1) {
        out.push(problemAt(ctx, at, `give only one of ${choices.join(', ')}; found ${meant.map((i) => discriminators[i]).join(', ')}`));
        return;
      }
      const known = new Set(options.flatMap((o) => Object.keys(o.properties ?? {})));
      const unknown = keys.filter((k) => !known.has(k));
      for (const key of unknown) out.push(unknownKey(ctx, at, key, [...known]));
      if (unknown.length === 0) out.push(problemAt(ctx, at, `expected one of ${choices.join(', ')}`));
      return;
    }
    case 'unrecognized_keys': {
      const allowed = Object.keys(schemaAt(ctx.jsonSchema, at, ctx.data)?.properties ?? {});
      for (const key of issue.keys) out.push(unknownKey(ctx, at, key, allowed));
      return;
    }
    case 'invalid_type':
      if (value === undefined) {
        out.push(problemAt(ctx, at, 'required, but missing'));
        return;
      }
      if (value === null) {
        out.push(problemAt(ctx, at, `expected ${article(issue.expected)}, but the value is empty`));
        return;
      }
      // zod's own wording ("Invalid input: expected string, received number"); keep the schema's
      // custom messages, which already say what was expected.
      if (issue.message.startsWith('Invalid input:')) {
        out.push(problemAt(ctx, at, `expected ${article(issue.expected)}, got ${JSON.stringify(value)}`));
        return;
      }
      break;
    default:
      break;
  }
  out.push(problemAt(ctx, at, issue.message));
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function unknownKey(ctx: IssueContext, at: Path, key: string, allowed: string[]): FileProblem {
  const hint = closest(key, allowed);
  const expected = allowed.length ? `expected ${allowed.join(', ')}` : 'no keys are allowed here';
  const message = `unknown key "${key}" (${hint ? `did you mean "${hint}"? ` : ''}${expected})`;
  const pos = position(ctx, [...at, key], true);
  return { ...pos, field: formatField(at), message };
}

function problemAt(ctx: IssueContext, at: Path, message: string): FileProblem {
  return { ...position(ctx, at, false), field: formatField(at), message };
}

function formatField(at: Path): string {
  let out = '';
  for (const seg of at) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(data: unknown, at: Path): unknown {
  let cur = data;
  for (const seg of at) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur) && typeof seg === 'string') cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Line and column of the node at `at`; for a missing field, of the nearest enclosing node that
 * exists. `keyOf` points at the key of the last segment rather than its value (for unknown keys).
 */
function position(ctx: IssueContext, at: Path, keyOf: boolean): { line: number; col: number } {
  let node: unknown = ctx.doc.contents;
  let found: Node | null = isNode(node) ? node : null;
  for (let i = 0; i < at.length; i++) {
    const seg = at[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      if (keyOf && i === at.length - 1 && isNode(pair.key)) {
        found = pair.key;
        break;
      }
      // `key:` with no value has a null value node: point at the key then.
      next = isNode(pair.value) ? pair.value : pair.key;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    } else {
      break;
    }
    if (!isNode(next)) break;
    node = next;
    found = next;
  }
  const offset = found?.range?.[0] ?? 0;
  const pos = ctx.lineCounter.linePos(offset);
  return { line: Math.max(1, pos.line), col: Math.max(1, pos.col) };
}

function isNode(v: unknown): v is Node {
  return isMap(v) || isSeq(v) || isScalar(v);
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema tells which keys each object accepts and which key picks a union's branch.

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

let jsonSchema: JsonSchema | undefined;
function cachedJsonSchema(): JsonSchema {
  jsonSchema ??= experimentJsonSchema() as JsonSchema;
  return jsonSchema;
}

/** The required key only branch i of a union of objects has, if there is one. */
function discriminator(options: JsonSchema[], i: number): string | undefined {
  const others = new Set(options.flatMap((o, j) => (j === i ? [] : Object.keys(o.properties ?? {}))));
  return options[i]?.required?.find((k) => !others.has(k));
}

/**
 * The JSON Schema node at `at`, choosing each union's branch by the key the data has there.
 * `resolveLast` = false returns a union at `at` itself rather than its chosen branch.
 */
function schemaAt(root: JsonSchema, at: Path, data: unknown, resolveLast = true): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (let i = 0; node; i++) {
    if (node.anyOf && (i < at.length || resolveLast)) {
      const options: JsonSchema[] = node.anyOf;
      const value = valueAt(data, at.slice(0, i));
      const keys = isPlainObject(value) ? Object.keys(value) : [];
      const picked = options.filter((_, j) => {
        const d = discriminator(options, j);
        return d !== undefined && keys.includes(d);
      });
      if (picked.length === 1) node = picked[0];
    }
    if (i === at.length || !node) return node;
    const seg = at[i];
    node = typeof seg === 'number' ? node.items : node.properties?.[String(seg)];
  }
  return node;
}

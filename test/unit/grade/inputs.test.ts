import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyse } from '../../../src/analysis/index.js';
import type { EventRecord } from '../../../src/history/types.js';
import { meta } from '../analysis/build.js';
import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../../src/grade/grade.js';
import { renderSheetMarkdown } from '../../../src/grade/render.js';
import { findImages } from '../../../src/grade/extract/images.js';
import { loadRubric, RubricSchema } from '../../../src/grade/rubric.js';
import { resolveSubmissions } from '../../../src/grade/submissions.js';
import { faultOfRun, loadTruth, truthFromRuns, TruthSchema } from '../../../src/grade/truth.js';
import { ConfigError, loadYaml } from '../../../src/grade/yaml.js';
import { PROJECT, rubric, truth } from './helpers.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'grade-'));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return root;
}

describe('submissions on the command line', () => {
  it('takes a repository checkout by its hw3/HW_3_SOLUTION.md, and a folder of loose reports one by one', () => {
    const root = tree({
      'class/alice/README.md': '# repo',
      'class/alice/hw3/HW_3_SOLUTION.md': 'a',
      'class/bob/report.md': 'b',
      'class/carol.md': 'c',
      'class/dave.md': 'd',
      'class/README.md': 'not a submission',
    });
    const docs = resolveSubmissions([path.join(root, 'class')]);
    expect(docs.map((d) => [d.id, d.source, d.root === null])).toEqual([
      ['alice', 'class/alice/hw3/HW_3_SOLUTION.md', false],
      ['bob', 'class/bob/report.md', false],
      ['carol', 'class/carol.md', true],
      ['dave', 'class/dave.md', true],
    ]);
  });

  it('skips the output folder when it lies inside a graded folder', () => {
    const root = tree({ 'a.md': '1', 'b.md': '2', 'grades/a.md': 'a grade sheet' });
    expect(resolveSubmissions([root], [path.join(root, 'grades')]).map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('keeps ids unique and each file once', () => {
    const root = tree({ 'a/x.md': '1', 'b/x.md': '2', 'b/y.md': '3' });
    const docs = resolveSubmissions([path.join(root, 'a', 'x.md'), path.join(root, 'b'), path.join(root, 'b', 'y.md')]);
    expect(docs.map((d) => [d.source, d.id])).toEqual([
      ['b/x.md', 'x'],
      ['b/y.md', 'y'],
      ['x.md', 'x-2'],
    ]);
  });
});

describe('images', () => {
  const md = [
    '![ok](img/a.png)',
    '![case](img/B.png)',
    '![moved](c.png)',
    '![gone](missing.png)',
    '![[Pasted image 1.png]]',
    '![](Pasted image 2.png)',
    '![remote](https://example.org/x.png)',
    '```',
    '![in code](img/a.png)',
    '```',
    '<img src="img/a.png" width="300">',
  ].join('\n');

  it('checks file names against the folder when the submission came as one', () => {
    const root = tree({ 'hw3/HW_3_SOLUTION.md': md, 'hw3/img/a.png': '', 'hw3/img/b.png': '', 'hw3/img/c.png': '' });
    const [doc] = resolveSubmissions([root]);
    const images = findImages(doc!.lines, doc!.file, doc!.root);
    expect(images.map((i) => [i.line, i.problem])).toEqual([
      [1, null],
      [2, 'name_case_mismatch'],
      [3, 'wrong_path'],
      [4, 'missing_file'],
      [5, 'wiki_embed'],
      [6, 'does_not_render'],
      [7, null],
      [9, 'in_code_fence'],
      [11, null],
    ]);
    expect(images[1]!.detail).toContain('hw3/img/b.png');
    expect(images[2]!.detail).toBe('the file is at hw3/img/c.png');
    expect(images[6]!.remote).toBe(true);
  });

  it('counts images that cannot be seen as false evidence, and says whether files were checked', () => {
    const report = ['## Остановка HAProxy', 'Остановил haproxy — приложение потеряло доступ.', '![stats](img/Stats.PNG)', '![log](img/log.png)'].join('\n');
    const root = tree({ 'hw3/HW_3_SOLUTION.md': report, 'hw3/img/Stats.png': '', 'hw3/img/log.png': '' });
    const options = { rubric, rubricFile: 'rubrics/default.yaml', truth };
    const inFolder = gradeSubmission(resolveSubmissions([root])[0]!, options);
    expect(inFolder.images_checked).toBe(true);
    expect(inFolder.false_evidence.map((e) => e.line)).toEqual([3]);
    expect(inFolder.experiments.haproxy.state).toBe('evidenced');
    const bare = gradeSubmission(resolveSubmissions([path.join(root, 'hw3/HW_3_SOLUTION.md')])[0]!, options);
    expect(bare.images_checked).toBe(false);
    expect(bare.false_evidence).toEqual([]);
    expect(renderSheetMarkdown(bare)).toContain('not checked');
  });

  it('does not look for files when only the Markdown file was given', () => {
    const root = tree({ 'x.md': md });
    const images = findImages(resolveSubmissions([path.join(root, 'x.md')])[0]!.lines, path.join(root, 'x.md'), null);
    expect(images.map((i) => i.problem)).toEqual([null, null, null, null, 'wiki_embed', 'does_not_render', null, 'in_code_fence', null]);
  });
});

describe('rubric and truth files', () => {
  it('ships a valid rubric and truth', () => {
    expect(loadRubric(`${PROJECT}rubrics/default.yaml`).criteria.map((c) => c.id)).toContain('etcd_quorum');
    expect(loadTruth(`${PROJECT}rubrics/measured-truth.yaml`).course.ports).toEqual({ write: 5002, read: 5001 });
  });

  it('reports file:line:column for a bad value, an unknown measure and a missing key', () => {
    const text = [
      'title: t',
      'criteria:',
      '  - id: a',
      '    title: A',
      '    points: lots',
      '    measures: leader',
      '  - id: a',
      '    title: B',
      '    points: 1',
      '    measures: guess_the_grade',
      '  - id: c',
      '    points: 1',
      '    measures: claims',
    ].join('\n');
    let error: ConfigError | null = null;
    try {
      loadYaml('rubrics/bad.yaml', RubricSchema, text);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      expect.stringMatching(/^rubrics\/bad\.yaml:5:13: criteria\.0\.points: /),
      expect.stringMatching(/^rubrics\/bad\.yaml:10:15: criteria\.1\.measures: /),
      expect.stringMatching(/^rubrics\/bad\.yaml:11:5: criteria\.2\.title: /),
    ]);
  });

  it('reports a duplicate criterion id at its line', () => {
    const text = 'title: t\ncriteria:\n  - { id: a, title: A, points: 1, measures: claims }\n  - id: a\n    title: B\n    points: 1\n    measures: spof\n';
    expect(() => loadYaml('r.yaml', RubricSchema, text)).toThrow('r.yaml:4:9: criteria.1.id: duplicate criterion id "a"');
  });

  it('reports YAML syntax errors by line', () => {
    expect(() => loadYaml('x.yaml', TruthSchema, 'a: [1, 2\nb: 3')).toThrow(/^x\.yaml: invalid\n {2}x\.yaml:\d+:\d+: /);
  });

  it("takes measured outages from this tool's recorded runs", () => {
    const run = (experiment: string, target: string, fault: string, nodes: string[], ms: number[]) => {
      const roles = target === 'leader' ? ['leader'] : nodes.map(() => 'etcd');
      const events: EventRecord[] = [
        { type: 'event', t_ms: 1, phase: 'begin', action: 'inject', step: 0, fault, target },
        { type: 'event', t_ms: 2, phase: 'end', action: 'inject', step: 0, fault, target, nodes, roles },
      ];
      const ops = ms.flatMap((d, i) => [
        { type: 'op' as const, worker: 'w', op: 'write' as const, port: 'write' as const, start_ms: 100_000 * i + 10, end_ms: 100_000 * i + 11, outcome: 'ok' as const },
        { type: 'op' as const, worker: 'w', op: 'write' as const, port: 'write' as const, start_ms: 100_000 * i + 11, end_ms: 100_000 * i + 12, outcome: 'failed' as const },
        { type: 'op' as const, worker: 'w', op: 'write' as const, port: 'write' as const, start_ms: 100_000 * i + 11 + d - 1, end_ms: 100_000 * i + 11 + d, outcome: 'ok' as const },
      ]);
      const analysis = analyse({ meta: meta({ ended_ms: 400_000 }), history: [...events, ...ops], final: null });
      return JSON.stringify({ schema_version: 2, experiment, events, analysis });
    };
    const dir = tree({
      'a/results.json': run('leader-kill', 'leader', 'kill', ['patroni1'], [20_100, 300]),
      'b/results.json': run('leader-kill', 'leader', 'kill', ['patroni2'], [21_400]),
      'c/results.json': run('leader-kill', 'leader', 'kill', ['patroni3'], [19_900]),
      'd/results.json': run('quorum', 'etcd:majority', 'stop', ['etcd1', 'etcd2'], [25_800]),
      'e/results.json': '{"not": "a run"}',
      'f/results.json': '{"schema_version": 1, "experiment": "old"}',
    });
    const t = truthFromRuns(truth, dir);
    expect(t.faults.leader_kill.measured_s).toBe(20.1);
    expect(t.faults.etcd_quorum.measured_s).toBe(25.8);
    expect(t.faults.leader_stop.measured_s).toBe(truth.faults.leader_stop.measured_s);
    expect(t.source).toContain('leader_kill: leader-kill (3 runs)');
    expect(t.source).toContain('e/results.json: not a patroni-drill results.json');
    expect(t.source).toContain('f/results.json: results schema_version 1, this patroni-drill reads 2 (written by an older patroni-drill: run the drill again)');
    const none = analyse({ meta: meta(), history: [], final: null });
    expect(faultOfRun({ experiment: 'leader-kill', analysis: none })).toBe('leader_kill');
    expect(faultOfRun({ experiment: 'etcd-quorum-loss', analysis: none })).toBe('etcd_quorum');
  });
});

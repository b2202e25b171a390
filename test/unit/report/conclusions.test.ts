import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Results } from '../../../src/results/types.js';
import { conclude, type Conclusions } from '../../../src/report/conclusions.js';
import { classifyFault } from '../../../src/report/faults.js';
import { loadRun } from '../../../src/report/load.js';
import { bucketHistory } from '../../../src/report/series.js';
import { FIXTURE_RUNS, RUN } from './helpers.js';

async function concludeRun(name: string, lang: 'en' | 'ru' = 'en'): Promise<{ c: Conclusions; results: Results; text: string }> {
  const run = await loadRun(path.join(FIXTURE_RUNS, name));
  const c = conclude(run.results, run.history ? bucketHistory(run.history, run.results.duration_ms) : null, lang, run.missing);
  const text = [c.headline, c.summary, ...c.warnings, ...c.sections.flatMap((s) => [s.title, ...s.paragraphs])].join('\n');
  return { c, results: run.results, text };
}

const section = (c: Conclusions, id: string) => c.sections.find((s) => s.id === id)!.paragraphs.join('\n');

describe('conclude', () => {
  it('answers the course questions for a leader crash', async () => {
    const { c, results } = await concludeRun(RUN.crash);
    expect(classifyFault(results).scenario).toBe('leader-crash');
    expect(c.sections.map((s) => s.id)).toEqual(['availability', 'cluster', 'data', 'bound', 'remedy']);
    expect(c.headline).toBe('**PASS**: all 4 assertions held.');
    expect(c.summary).toBe(
      'The leader patroni1 was killed (kill -9). Writes were unavailable for 20.6 s (the configuration predicts 18.2 s–23.3 s), reads kept working, patroni2 became the leader, timeline 1 → 2 and no acknowledged write was lost.',
    );
    expect(section(c, 'availability')).toMatch(/^\*\*Partly\.\*\* Reads kept working, but writes stopped for 20\.6 s/);
    expect(section(c, 'cluster')).toContain('the leader moved from patroni1 to patroni2 (timeline 2)');
    expect(section(c, 'cluster')).toContain('The old leader patroni1 rejoined as a replica');
    expect(section(c, 'data')).toContain('**No.** All 246 acknowledged writes are in the table');
    expect(section(c, 'data')).toContain('It committed anyway and is in the table (recovered).');
    expect(section(c, 'data')).toContain('**Is the ID gap a loss? No.**');
    expect(section(c, 'data')).toContain("1 gap by the sequence's pre-logging after a promotion");
    expect(section(c, 'bound')).toMatch(/^\*\*Yes\.\*\* The write outage after kill leader \(patroni1\), 20\.600 s, is within the 18\.150 s … 23\.250 s/);
    expect(section(c, 'remedy')).toContain('lowering ttl and loop_wait');
    expect(c.warnings).toEqual([]);
  });

  it('explains an etcd quorum loss as a demotion to read-only, the same leader promoted again, and failsafe_mode as the remedy', async () => {
    const { c } = await concludeRun(RUN.quorum);
    expect(c.summary).toContain('the same leader (patroni1) was demoted and promoted again, timeline 1 → 2');
    expect(section(c, 'cluster')).toContain('demoted itself to read-only (failsafe_mode was off)');
    expect(section(c, 'cluster')).toContain('promoted the same node, which raised the timeline');
    expect(section(c, 'availability')).toContain('Reads kept working: all 134 reads succeeded.');
    expect(section(c, 'remedy')).toContain('Turn on failsafe_mode');
    expect(section(c, 'data')).toContain('It never committed');
  });

  it('calls a single HAProxy a single point of failure', async () => {
    const { c } = await concludeRun(RUN.haproxy);
    expect(section(c, 'availability')).toMatch(/^\*\*No\.\*\* Both reads and writes stopped \(writes for 5\.4 s, reads for 5\.4 s\)/);
    expect(section(c, 'cluster')).toContain('Patroni and PostgreSQL noticed nothing');
    expect(section(c, 'bound')).toMatch(/^\*\*Yes\.\*\* The write outage after stop haproxy \(haproxy1\), 5\.401 s, is within the 5\.080 s … 6\.450 s/);
    expect(section(c, 'remedy')).toContain('**A single HAProxy is a single point of failure:**');
    expect(section(c, 'remedy')).toContain('keepalived');
  });

  it('pins an outage longer than its bound on the phase that overran', async () => {
    const { c } = await concludeRun(RUN.crashOld);
    expect(c.summary).toContain('Writes were unavailable for 24.5 s (longer than the 18.2 s–23.3 s the configuration predicts)');
    expect(section(c, 'bound')).toMatch(/^\*\*No\.\*\* The write outage after kill leader \(patroni1\), 24\.503 s, exceeds the 18\.150 s … 23\.250 s .* by 1\.3 s\./);
    expect(section(c, 'bound')).toContain('HAProxy needed 4.0 s to send writes to the new leader, more than its checks allow (by 23 s after the fault)');
  });

  it('puts split brain and the lost write first, and blames the orphaned primary, not asynchronous replication', async () => {
    const { c, text } = await concludeRun(RUN.splitBrain);
    expect(c.headline).toMatch(/^\*\*FAIL\*\*: 2 of 3 assertions failed: acknowledged writes lost \(observed 1, required 0\); split brain/);
    expect(c.warnings[0]).toMatch(/^\*\*Split brain:\*\* patroni1 and patroni2 accepted writes at the same time for 10\.997 s/);
    expect(c.warnings[1]).toBe('**Data loss:** 1 acknowledged write is missing from the table after the run.');
    expect(section(c, 'data')).toContain('(direct-writer-1-000003)');
    expect(section(c, 'data')).toContain('discarded when that node rejoined the new timeline (pg_rewind)');
    expect(text).not.toContain('asynchronous replication');
    expect(section(c, 'remedy')).toContain('watchdog');
    // The description's markup never reaches the conclusions unescaped.
    expect(text).not.toContain('<script>');
  });

  it('does not present zeros from a missing analysis as findings', async () => {
    const { c } = await concludeRun(RUN.error);
    expect(c.headline).toMatch(/^\*\*ERROR\*\*: the run did not complete: wait 'every member streaming' timed out/);
    expect(c.summary).toBe('The leader patroni1 was frozen for 25.8 s. The run ended before it was analysed.');
    expect(section(c, 'data')).toMatch(/^Not known: the run ended before its analysis was written/);
    expect(c.warnings.join()).toContain('not recorded: the analysis, the cluster after the run, the end of the history');
  });

  it('speaks Russian, with Russian plurals and decimal commas', async () => {
    const { c } = await concludeRun(RUN.crash, 'ru');
    expect(c.headline).toBe('**УСПЕХ**: все 4 проверки выполнены.');
    expect(c.summary).toMatch(/^Лидер patroni1 аварийно завершён \(kill -9\)\. Запись была недоступна 20,6 с/);
    expect(section(c, 'availability')).toContain('Из 451 попытки: отказ — 204, неопределённо — 1.');
    expect(c.sections[0]!.title).toBe('Продолжает ли приложение работать?');
    expect(section(c, 'data')).toContain('**Пропуск ID — потеря? Нет.**');
    const { c: q } = await concludeRun(RUN.quorum, 'ru');
    expect(q.summary).toMatch(/^Остановка 2 из 3 узлов etcd на 37,3 с: DCS потерял кворум\./);
    expect(section(q, 'remedy')).toContain('Включите failsafe_mode');
  });
});

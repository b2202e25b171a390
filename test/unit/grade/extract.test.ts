import { describe, expect, it } from 'vitest';
import { sentences } from '../../../src/grade/language.js';
import { parseMarkdown } from '../../../src/grade/markdown.js';
import { findSegments, idFindings, windowsOf } from '../../../src/grade/extract/logs.js';
import { compareTables, findTables } from '../../../src/grade/extract/patronictl.js';

const parse = (md: string) => parseMarkdown(md);
const segmentsOf = (md: string) => {
  const { lines, blocks } = parse(md);
  return findSegments(lines, blocks);
};
const fence = (...lines: string[]) => ['```', ...lines, '```'].join('\n');

describe('document', () => {
  it('numbers lines, finds fences (also unclosed and nested in lists) and headings', () => {
    const { lines, blocks, sections } = parse('# Title\r\ntext\n- item\n\n  ~~~bash\n  code\n  ~~~\n\n```\nopen');
    expect(lines.map((l) => [l.n, l.code, l.heading])).toEqual([
      [1, false, 1],
      [2, false, null],
      [3, false, null],
      [4, false, null],
      [5, true, null],
      [6, true, null],
      [7, true, null],
      [8, false, null],
      [9, true, null],
      [10, true, null],
    ]);
    expect(blocks.map((b) => [b.start, b.end, b.lang, b.lines.map((l) => l.n)])).toEqual([
      [5, 7, 'bash', [6]],
      [9, 10, '', [10]],
    ]);
    expect(sections.map((s) => [s.line, s.title])).toEqual([[1, 'Title']]);
  });

  it('does not open a block at inline triple backticks', () => {
    const md = ['Run ```text``` to see it.', '```bash docker stop etcd2``` and then more text', '', '## After', 'docker stop patroni1'].join('\n');
    const { lines, blocks, sections, prose } = parse(md);
    expect(blocks).toEqual([]);
    expect(lines.every((l) => !l.code)).toBe(true);
    expect(sections.map((s) => s.title)).toEqual(['After']);
    expect(prose.map((p) => p.line)).toEqual([1, 2, 4, 5]);
  });

  it('gives table rows and list items their own source lines, and joins hard-wrapped sentences', () => {
    const md = ['Intro line that wraps', 'onto the next line.', '', '| a | b |', '|---|---|', '| x | y |', '| z | w |', '', '- one', '- two'].join('\n');
    const { prose, tables } = parse(md);
    expect(prose.map((p) => [p.line, p.kind, p.text])).toEqual([
      [1, 'text', 'Intro line that wraps onto the next line.'],
      [6, 'table_row', 'x | y'],
      [7, 'table_row', 'z | w'],
      [9, 'text', 'one'],
      [10, 'text', 'two'],
    ]);
    expect(tables.map((t) => [t.line, t.header])).toEqual([[4, ['a', 'b']]]);
  });

  it('splits sentences but keeps section numbers with their text', () => {
    expect(sentences('5.1. Отключим реплику. Всё работает! Дальше?')).toEqual(['5.1. Отключим реплику.', 'Всё работает!', 'Дальше?']);
  });
});

describe('patronictl tables', () => {
  const newer = [
    '+ Cluster: demo (7587516495256621079) --------+----+-------------+-----+------------+-----+',
    '| Member   | Host       | Role    | State     | TL | Receive LSN | Lag | Replay LSN | Lag |',
    '+----------+------------+---------+-----------+----+-------------+-----+------------+-----+',
    '| patroni1 | 172.23.0.4 | Leader  | running   |  1 |             |     |            |     |',
    '| patroni2 | 172.23.0.9 | Replica | streaming |  1 |   0/4000060 |   0 |  0/4000060 |  16 |',
    '+----------+------------+---------+-----------+----+-------------+-----+------------+-----+',
  ];
  const older = (leader: string, replica: string, tl: number, id = '6999') => [
    `+ Cluster: batman (${id}) -------+----+-----------+`,
    '| Member      | Host      | Role         | State     | TL | Lag in MB |',
    '+-------------+-----------+--------------+-----------+----+-----------+',
    `| ${leader} | 10.0.0.1  | Leader       | running   | ${tl}  |           |`,
    `| ${replica} | 10.0.0.2  | Sync Standby | streaming | ${tl}  |         0 |`,
    '+-------------+-----------+--------------+-----------+----+-----------+',
  ];

  it('reads the newer format with Receive/Replay LSN, taking the replay lag', () => {
    const [t] = findTables(parse(fence(...newer)).lines);
    expect(t).toMatchObject({ line: 2, end_line: 7, format: 'lsn', cluster: 'demo', system_id: '7587516495256621079', leader: 'patroni1', timeline: 1 });
    expect(t!.members[1]).toEqual({ line: 6, name: 'patroni2', host: '172.23.0.9', role: 'replica', state: 'streaming', timeline: 1, lag: '16' });
  });

  it('reads the older format with "Lag in MB" and multi-word roles, also outside a fence', () => {
    const [t] = findTables(parse(older('postgresql0', 'postgresql1', 3).join('\n')).lines);
    expect(t).toMatchObject({ format: 'lag_mb', cluster: 'batman', leader: 'postgresql0', timeline: 3 });
    expect(t!.members.map((m) => m.role)).toEqual(['leader', 'sync_standby']);
  });

  it('finds a leader change with its timeline and the old leader rejoining, within one cluster only', () => {
    const md = [older('postgresql0', 'postgresql1', 3), older('postgresql1', 'postgresql0', 4), older('postgresql0', 'postgresql1', 1, '7111')]
      .map((t) => fence(...t))
      .join('\n\ntext\n\n');
    const tables = findTables(parse(md).lines);
    const { changes, rejoins } = compareTables(tables);
    expect(changes.map((c) => [c.from, c.to, c.timeline_from, c.timeline_to])).toEqual([['postgresql0', 'postgresql1', 3, 4]]);
    expect(rejoins.map((j) => [j.member, j.leader_line, j.replica_line])).toEqual([['postgresql0', tables[0]!.line, tables[1]!.line]]);
  });
});

describe('traffic generator logs', () => {
  it('reads several events on one line and a read-only continuation line', () => {
    const [seg] = segmentsOf(
      fence(
        '[02:54:18] INSERT: logout by A READ check (Last 3 IDs): [185, 184, 183]',
        '[02:54:19] CONNECTION LOST (Failover in progress?): server closed the connection unexpectedly',
        '[02:54:20] Connection failed: connection to server at "localhost" (::1), port 5002 failed: x',
        'connection to server at "localhost" (::1), port 5002 failed: session is read-only',
        '[02:54:31] CONNECTED to Master Node',
        '[02:54:31] INSERT: click by B',
      ),
    );
    expect(seg!.events.map((e) => e.kind)).toEqual(['ok_write', 'ok_read', 'failure', 'failure', 'connected', 'ok_write']);
    expect(seg!.port).toBe(5002);
    const [w] = windowsOf(seg!);
    expect(w).toMatchObject({ line: 3, end_line: 7, last_ok: 10458, first_fail: 10459, first_ok_after: 10471, duration_s: 12, messages: ['CONNECTION LOST', 'read-only'] });
  });

  it('joins a later block that picks up an open outage, but not one after an elision', () => {
    const open = fence('[10:00:00] INSERT: a', '[10:00:01] CONNECTION LOST (Failover in progress?): x');
    const resumed = fence('[10:00:40] CONNECTED to Master Node', '[10:00:40] INSERT: b');
    const elided = fence('...', '[10:07:00] INSERT: c');
    const joined = segmentsOf(`${open}\nback\n${resumed}`);
    expect(joined).toHaveLength(1);
    expect(windowsOf(joined[0]!).map((w) => w.duration_s)).toEqual([39]);
    const apart = segmentsOf(`${open}\nrestarted\n${elided}`);
    expect(apart).toHaveLength(2);
    expect(windowsOf(apart[0]!).map((w) => [w.duration_s, w.at_least_s])).toEqual([[null, 0]]);
  });

  it('marks a restart by hand inside an outage and counts across midnight', () => {
    const [seg] = segmentsOf(
      fence('[23:59:58] INSERT: a', '[23:59:59] CONNECTION LOST (Failover in progress?): x', '$ python3 traffic-generator.py', '--- STARTING LOAD GENERATOR ON PORT 5002 ---', '[00:00:05] CONNECTED to Master Node', '[00:00:05] INSERT: b'),
    );
    const [w] = windowsOf(seg!);
    expect([w!.duration_s, w!.restarted]).toEqual([6, true]);
  });

  it('splits a block where the clock goes back (another run pasted)', () => {
    expect(segmentsOf(fence('[10:00:00] INSERT: a', '[10:00:01] INSERT: b', '[09:00:00] INSERT: c')).length).toBe(2);
  });

  it('reads logs pasted without a fence', () => {
    expect(segmentsOf('Лог:\n[10:00:00] INSERT: a\n[10:00:01] INSERT: b\n\nДальше текст.')[0]).toMatchObject({ start_line: 2, end_line: 3 });
  });

  it('tells an id gap from a vanished row', () => {
    const gapSeg = segmentsOf(fence('READ check (Last 3 IDs): [10, 9, 8]', '[10:00:01] INSERT: a', 'READ check (Last 3 IDs): [12, 11, 10]', '[10:00:02] CONNECTION LOST: x', '[10:00:05] INSERT: b', 'READ check (Last 3 IDs): [44, 12, 11]'))[0]!;
    expect(idFindings(gapSeg)).toEqual({ gaps: [expect.objectContaining({ after_id: 12, before_id: 44, size: 31, after_failure: true })], vanished: [] });
    const lossSeg = segmentsOf(fence('READ check (Last 3 IDs): [12, 11, 10]', '[10:00:02] CONNECTION LOST: x', '[10:00:05] INSERT: b', 'READ check (Last 3 IDs): [40, 11, 10]'))[0]!;
    expect(idFindings(lossSeg)).toEqual({ gaps: [], vanished: [{ id: 12, line: 5 }] });
  });
});

describe('HAtester logs', () => {
  it('reads the stream, the retries and a restart, at whole seconds', () => {
    const [seg] = segmentsOf(
      fence(
        ' Working with:   MASTER - 192.168.1.112',
        '     Inserted: 2024-12-24 17:51:02.142796',
        'Trying to connect',
        'Unable to connect to database :',
        'connection to server at "192.168.1.115", port 5000 failed: server closed the connection unexpectedly',
        'daa@test1:~$ ./HAtester.py 5000',
        ' Working with:   MASTER - 192.168.1.111',
        '     Inserted: 2024-12-24 17:52:04.977101',
      ),
    );
    expect([seg!.kind, seg!.stream, seg!.port]).toEqual(['hatester', 'write', 5000]);
    expect(seg!.events.filter((e) => e.kind === 'ok_write').map((e) => e.address)).toEqual(['192.168.1.112', '192.168.1.111']);
    expect(windowsOf(seg!).map((w) => [w.last_ok, w.first_ok_after, w.duration_s, w.restarted])).toEqual([[64262, 64324, 62, true]]);
  });

  it('calls a stream that starts on a replica the read stream', () => {
    const [seg] = segmentsOf(fence(' Working with:    REPLICA - 10.0.0.2', '     Retrived: 2024-12-23 13:49:28.088576'));
    expect(seg!.stream).toBe('read');
  });
});

import { describe, expect, it } from 'vitest';
import { lineTime, linesWithin, logEvents, lostPeer } from '../../../src/analysis/logs.js';
import { commitTimes, withServerGaps } from '../../../src/analysis/server-gaps.js';
import { meta } from './build.js';

// Lines recorded from this project's local cluster (Patroni 4.0.7 with PostgreSQL 15, etcd 3.4, HAProxy 2.6)
// and Docker's --timestamps prefix.
const PATRONI = [
  '2026-12-01 04:33:16.629 UTC [12691] LOG:  received fast shutdown request',
  '2026-12-01 04:33:20,104 INFO: promoted self to leader by acquiring session lock',
  '2026-12-01 04:33:20.277 UTC [13053] LOG:  archive recovery complete',
  '2026-12-01 04:33:31,924 INFO: no action. I am (patroni1), a secondary, and following a leader (patroni3)',
  '2026-12-01 04:34:02,010 WARNING: Request failed to patroni2: GET http://10.213.12.22:8008/patroni',
  '2026-12-01 04:34:05,500 INFO: demoting self because DCS is not accessible and I was a leader',
].join('\n');
const ETCD = '{"level":"info","ts":"2026-12-01T04:32:56.868Z","caller":"raft/node.go:325","msg":"raft.node: 166909237d73d553 elected leader 2266118da7ab41dc at term 2"}';
const HAPROXY_DOCKER = '2026-12-01T04:33:21.512345678Z [WARNING]  (11679) : Server primary/patroni3 is UP, reason: Layer7 check passed, code: 200';
const HAPROXY_LOCAL = '[WARNING]  (11679) : Server primary/patroni3 is UP, reason: Layer7 check passed, code: 200';
const KEEPALIVED = 'Tue Dec  1 04:33:22 2026: (VI_1) Entering MASTER STATE';
// journalctl -o short-iso-precise on the hosts driver's test bed (Debian 12's Patroni 3.0.2 unit),
// and the same instant as a host east of UTC would print it.
const JOURNAL = [
  '2026-12-07T10:22:52.750393+0000 patroni2 patroni[243]: 2026-12-07 10:22:52,747 INFO: promoted self to leader by acquiring session lock',
  '2026-12-07T10:22:52.735090+0000 haproxy1 haproxy[238]: [WARNING]  (238) : Server primary/patroni2 is UP, reason: Layer7 check passed, code: 200',
  '2026-12-07T13:22:52.853153+0300 patroni2 patroni[311]: 2026-12-07 10:22:52.852 UTC [311] LOG:  archive recovery complete',
];

describe('node logs', () => {
  it('reads every stamp the components write, to the millisecond and beyond', () => {
    expect(lineTime(PATRONI.split('\n')[0]!)).toBe(Date.parse('2026-12-01T04:33:16.629Z'));
    expect(lineTime(PATRONI.split('\n')[1]!)).toBe(Date.parse('2026-12-01T04:33:20.104Z'));
    expect(lineTime(ETCD)).toBe(Date.parse('2026-12-01T04:32:56.868Z'));
    expect(lineTime(HAPROXY_DOCKER)).toBeCloseTo(Date.parse('2026-12-01T04:33:21.512Z') + 0.345678, 3);
    expect(lineTime(KEEPALIVED)).toBe(Date.parse('2026-12-01T04:33:22Z'));
    expect(lineTime(HAPROXY_LOCAL)).toBeNull();
    expect(lineTime(JOURNAL[0]!)).toBeCloseTo(Date.parse('2026-12-07T10:22:52.750Z') + 0.393, 3);
    expect(lineTime(JOURNAL[2]!)).toBeCloseTo(Date.parse('2026-12-07T10:22:52.853Z') + 0.153, 3);
  });

  it("reads the hosts driver's journal lines onto the axis", () => {
    const t0 = Date.parse('2026-12-07T10:22:50.000Z');
    const events = logEvents(
      [
        { node: 'patroni2', component: 'patroni', text: `${JOURNAL[0]}\n${JOURNAL[2]}` },
        { node: 'haproxy1', component: 'haproxy', text: JOURNAL[1]! },
      ],
      t0,
    );
    expect(events.map((e) => [Math.round(e.t_ms), e.node, e.kind])).toEqual([
      [2735, 'haproxy1', 'server_up'],
      [2750, 'patroni2', 'lock_acquired'],
      [2853, 'patroni2', 'promoted'],
    ]);
  });

  it('puts the key events on the run\'s axis, skipping lines without a stamp', () => {
    const t0 = Date.parse('2026-12-01T04:33:10.000Z');
    const events = logEvents(
      [
        { node: 'patroni3', component: 'patroni', text: PATRONI },
        { node: 'etcd1', component: 'etcd', text: ETCD },
        { node: 'haproxy', component: 'haproxy', text: `${HAPROXY_DOCKER}\n${HAPROXY_LOCAL}` },
        { node: 'haproxy1', component: 'keepalived', text: KEEPALIVED },
      ],
      t0,
    );
    expect(events.map((e) => [e.t_ms, e.node, e.kind])).toEqual([
      [-13_132, 'etcd1', 'etcd_leader'],
      [6629, 'patroni3', 'postgres_shutdown'],
      [10_104, 'patroni3', 'lock_acquired'],
      [10_277, 'patroni3', 'promoted'],
      [11_512.3, 'haproxy', 'server_up'],
      [12_000, 'haproxy1', 'vrrp_master'],
      [21_924, 'patroni3', 'no_action'],
      [52_010, 'patroni3', 'failover_check'],
      [55_500, 'patroni3', 'demoting'],
    ]);
  });

  it("names the peer an etcd member lost, in zap's JSON and in capnslog's text", () => {
    const zap = '{"level":"warn","ts":"2026-12-07T17:44:09.074Z","caller":"rafthttp/peer_status.go:68","msg":"peer became inactive (message send to peer failed)","peer-id":"39d5edb1f3cb341e","error":"EOF"}';
    const capnslog = '2026-12-07 17:44:09.074398 W | rafthttp: peer 39d5edb1f3cb341e became inactive (message send to peer failed)';
    for (const line of [zap, capnslog]) {
      expect(lostPeer(line)).toBe('39d5edb1f3cb341e');
      expect(logEvents([{ node: 'etcd1', component: 'etcd', text: line }], 0)[0]?.kind).toBe('etcd_peer_lost');
    }
    expect(lostPeer('{"level":"info","msg":"peer became active","peer-id":"39d5edb1f3cb341e"}')).toBeNull();
  });

  it("tells a follower that lost its etcd leader from a leader that stepped down for want of a quorum", () => {
    const stepped = '{"level":"warn","ts":"2026-12-07T20:03:17.299Z","caller":"raft/raft.go:1017","msg":"9e4ab14895d09512 stepped down to follower since quorum is not active"}';
    const lost = '2026-12-07 20:03:17.402113 I | raft: raft.node: 9e4ab14895d09512 lost leader 39d5edb1f3cb341e at term 7';
    expect([stepped, lost].map((text) => logEvents([{ node: 'etcd1', component: 'etcd', text }], 0)[0]?.kind)).toEqual(['etcd_stepped_down', 'etcd_leader_lost']);
  });

  it('cuts a log to a span, keeping continuation lines with their stamped line', () => {
    const text = ['2026-12-01 04:33:00,000 INFO: before', '2026-12-01 04:33:05,000 INFO: inside', '  continued', '2026-12-01 04:33:09,000 INFO: after'].join('\n');
    expect(linesWithin(text, Date.parse('2026-12-01T04:33:01Z'), Date.parse('2026-12-01T04:33:08Z'))).toBe('2026-12-01 04:33:05,000 INFO: inside\n  continued\n');
  });
});

describe('server-side commit gaps', () => {
  const t0 = '2025-01-01T00:00:00.000Z';
  const base = Date.parse(t0);
  const window = { start_ms: 1000, end_ms: 3000, duration_ms: 2000, resolution_ms: 20, start_resolution_ms: 20, end_resolution_ms: 10, failed_ops: 5, workers: ['w1'] };

  it('finds the gap in commits that covers a window, moved by t0_wall and the server clock offset', () => {
    const rows: Array<[number, string, number]> = [900, 998, 1500, 3004, 3100].map((t, i) => [i + 1, `k${i}`, base + t + 5]);
    const m = meta({ t0_wall: t0, clock: { offset_ms: 5, rtt_ms: 1 } });
    const commits = commitTimes({ t_ms: 5000, node: 'patroni1', rows }, m)!;
    expect(commits).toEqual([900, 998, 1500, 3004, 3100]);
    // An indeterminate write that landed at 1500 splits the gap: the server's side of the story.
    expect(withServerGaps([window], commits)[0]).toMatchObject({ server_gap_ms: 1504, server_gap_start_ms: 1500, server_gap_end_ms: 3004 });
  });

  it('has no server gap without commit times, or with no commit before the window', () => {
    expect(commitTimes({ t_ms: 5000, node: 'p', rows: [[1, 'k']] }, meta({ t0_wall: t0 }))).toBeNull();
    expect(commitTimes({ t_ms: 5000, node: 'p', rows: [[1, 'k', base]] }, meta())).toBeNull();
    expect(withServerGaps([window], [3004, 3100])[0]!.server_gap_ms).toBeUndefined();
  });
});

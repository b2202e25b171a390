import { describe, expect, it } from 'vitest';
import { gradeSubmission } from '../../../src/grade/grade.js';
import { resolveSubmissions } from '../../../src/grade/submissions.js';
import type { GradeSheet } from '../../../src/grade/types.js';
import { criterion, faults, rubric, rules, SUBMISSIONS, truth } from './helpers.js';

// Expected findings for the five real reports in ../shared/submissions, checked by reading each one.
const sheets = new Map<string, GradeSheet>(
  resolveSubmissions([SUBMISSIONS]).map((d) => [d.id.slice(0, 3), gradeSubmission(d, { rubric, rubricFile: 'rubrics/default.yaml', truth })]),
);
const sheet = (n: string) => sheets.get(n)!;
const levels = (g: GradeSheet) => Object.fromEntries(g.criteria.map((c) => [c.id, c.level]));

describe('the five real submissions', () => {
  it('finds all five, in file order, as lone Markdown files', () => {
    expect([...sheets.keys()]).toEqual(['000', '001', '002', '003', '004']);
    for (const g of sheets.values()) expect(g.source).toMatch(/^submissions\/00\d_[0-9a-f]+\.md$/);
  });

  describe('000: one newer-format table, two generator logs, all faults in one paragraph', () => {
    const g = sheet('000');
    it('reads the patronictl table with Receive/Replay LSN', () => {
      expect(g.observed.tables).toHaveLength(1);
      const t = g.observed.tables[0]!;
      expect([t.line, t.format, t.cluster, t.system_id, t.leader, t.timeline]).toEqual([4, 'lsn', 'demo', '7587516495256621079', 'patroni1', 1]);
      expect(t.members.map((m) => `${m.name}:${m.role}:${m.state}`)).toEqual(['patroni1:leader:running', 'patroni2:replica:streaming', 'patroni3:replica:streaming']);
    });
    it('computes the 6-second outage and the 24-id gap from the log', () => {
      expect(g.observed.segments.map((s) => [s.start_line, s.end_line, s.port])).toEqual([
        [24, 29, null],
        [34, 51, 5002],
      ]);
      expect(g.observed.windows).toHaveLength(1);
      const w = g.observed.windows[0]!;
      expect([w.line, w.end_line, w.duration_s, w.restarted]).toEqual([39, 50, 6, false]);
      expect(w.messages).toEqual(['CONNECTION LOST', 'Connection failed']);
      expect(g.observed.id_gaps).toEqual([expect.objectContaining({ after_id: 692, before_id: 717, size: 24, line: 51, after_failure: true })]);
      expect(g.observed.vanished_ids).toEqual([]);
    });
    it('infers a failover from the id jump and finds the window within the bound', () => {
      const c = g.observed.comparisons[0]!;
      expect(c.fault).toBe('leader');
      expect(c.inferred).toContain('ids jumped by 25');
      expect(c.verdict).toBe('within');
    });
    it('reads the five experiments of line 54', () => {
      expect(faults(g)).toEqual(['etcd_one', 'replica', 'leader', 'all_patroni', 'haproxy']);
      expect(g.observed.experiments.every((e) => e.line === 54)).toBe(true);
    });
    it('asks how many etcd members were stopped, and grades the rest', () => {
      expect(rules(g)).toEqual(['etcd_count_unclear@54']);
      expect(levels(g)).toMatchObject({
        cluster_started: 'full',
        haproxy_page: 'partial',
        load_ran: 'full',
        fault_replica: 'full',
        fault_leader: 'partial',
        fault_etcd_one: 'full',
        fault_etcd_quorum: 'none',
        fault_haproxy: 'full',
        haproxy_spof: 'partial',
        claims_correct: 'full',
      });
      expect(criterion(g, 'fault_leader').notes).toContain('the old leader coming back as a replica is not shown');
      expect(criterion(g, 'haproxy_spof').evidence.map((e) => e.line)).toEqual([54, 55]);
      expect(criterion(g, 'haproxy_page').needs_person).toBe('look at the screenshot at line 13');
    });
  });

  describe('001: screenshots only, ports worked out by hand', () => {
    const g = sheet('001');
    it('has no table and no log in the text, 29 screenshots', () => {
      expect(g.observed.tables).toEqual([]);
      expect(g.observed.segments).toEqual([]);
      expect(g.images).toHaveLength(29);
      expect(g.images.filter((i) => i.problem)).toEqual([]);
    });
    it('follows the experiments in order, "ещё одну" etcd member being the quorum case', () => {
      expect(g.observed.experiments.map((e) => [e.fault, e.line])).toEqual([
        ['replica', 17],
        ['leader', 23],
        ['replica', 32],
        ['etcd_one', 39],
        ['etcd_quorum', 44],
        ['haproxy', 49],
      ]);
    });
    it('reads the ports: 5002 the leader, 5001 the replicas', () => {
      expect(g.observed.port_claims.map((c) => [c.port, c.role, c.line])).toEqual([
        [5001, 'read', 10],
        [5001, 'read', 12],
        [5002, 'write', 12],
      ]);
      expect(criterion(g, 'haproxy_page').level).toBe('full');
    });
    it('leaves the screenshot-only parts to a person and raises no flag', () => {
      expect(g.flags).toEqual([]);
      expect(levels(g)).toMatchObject({ cluster_started: 'partial', load_ran: 'partial', fault_leader: 'partial', fault_etcd_quorum: 'full', haproxy_spof: 'full' });
      for (const id of ['cluster_started', 'load_ran', 'fault_leader']) expect(criterion(g, id).needs_person).toMatch(/^look at the screenshots at lines /);
      expect(criterion(g, 'cluster_started').needs_person).toContain('lines 2, 4, 6');
      expect(g.pending).toBe(3.5);
    });
  });

  describe('002: a careful report with screenshots', () => {
    const g = sheet('002');
    it('resolves "Стопаем patroni1" to the leader from "patroni1 — Leader" and sees it rejoin', () => {
      expect(g.observed.experiments.map((e) => [e.fault, e.line])).toEqual([
        ['leader', 37],
        ['replica', 46],
        ['etcd_one', 49],
        ['etcd_quorum', 49],
        ['haproxy', 54],
      ]);
      expect(criterion(g, 'fault_leader').level).toBe('full');
      expect(criterion(g, 'fault_leader').evidence.map((e) => e.line)).toContain(43);
    });
    it('reads the pools on the stats page, and notes the read routing at line 30', () => {
      expect(criterion(g, 'haproxy_page').level).toBe('full');
      expect(criterion(g, 'haproxy_page').evidence.map((e) => e.line)).toEqual([28]);
      expect(g.flags.map((f) => [f.rule, f.severity, f.line])).toEqual([['reads_to_replicas', 'info', 30]]);
    });
    it('credits keepalived and a Kubernetes or cloud balancer as the remedy', () => {
      expect(criterion(g, 'haproxy_spof').level).toBe('full');
      expect(criterion(g, 'fault_etcd_quorum').level).toBe('full');
    });
  });

  describe('003: the project report (VMs, two HAProxy with keepalived, HAtester)', () => {
    const g = sheet('003');
    it('reads nine older-format tables, one failover and the old leader rejoining', () => {
      expect(g.observed.tables).toHaveLength(9);
      expect(new Set(g.observed.tables.map((t) => t.format))).toEqual(new Set(['lag_mb']));
      const change = g.observed.leader_changes.find((c) => c.to_line === 1268)!;
      expect([change.from, change.to, change.timeline_from, change.timeline_to]).toEqual(['patroni2', 'patroni1', 20, 32]);
      expect(g.observed.rejoins.find((j) => j.member === 'patroni2')).toMatchObject({ leader_line: 1210, replica_line: 1304, row_line: 1308, state: 'streaming' });
    });
    it('computes HAtester outages, telling the read stream from the write stream', () => {
      expect(g.observed.windows.map((w) => [w.line, w.stream, w.duration_s, w.restarted])).toEqual([
        [1148, 'read', 15, false],
        [1225, 'read', 47, false],
        [1236, 'write', 62, true],
        [1548, 'write', 7, true],
      ]);
      expect(g.observed.comparisons.map((c) => c.verdict)).toEqual(['not_compared', 'not_compared', 'longer', 'within']);
    });
    it('separates the network cut of the leader from the kill of its Patroni', () => {
      expect(g.observed.experiments.map((e) => [e.fault, e.mode, e.line])).toEqual([
        ['replica', 'unknown', 1129],
        ['leader', 'network', 1205],
        ['leader', 'kill', 1474],
        ['etcd_one', 'unknown', 1577],
        ['etcd_quorum', 'unknown', 1601],
      ]);
    });
    it('credits the keepalived set-up, notes HAProxy was never stopped, flags only the long manual restart', () => {
      expect(criterion(g, 'haproxy_spof').level).toBe('full');
      expect(criterion(g, 'haproxy_spof').evidence.map((e) => e.line)).toContain(851);
      expect(criterion(g, 'fault_haproxy').level).toBe('none');
      expect(criterion(g, 'haproxy_page').level).toBe('full');
      expect(g.observed.port_claims.map((c) => [c.port, c.role])).toEqual([
        [5000, 'write'],
        [5001, 'read'],
      ]);
      expect(g.flags.map((f) => [f.rule, f.severity, f.line])).toEqual([['outage_longer', 'info', 1236]]);
      expect(g.images.filter((i) => i.remote)).toHaveLength(8);
    });
  });

  describe('004: text logs and tables for every fault', () => {
    const g = sheet('004');
    it('treats a new system identifier as a new cluster, not a failover', () => {
      expect(g.observed.tables.map((t) => [t.line, t.system_id, t.leader, t.timeline])).toEqual([
        [8, '7587570106181255191', 'patroni1', 1],
        [88, '7587572879942049815', 'patroni3', 1],
        [100, '7587572879942049815', 'patroni1', 2],
        [111, '7587572879942049815', 'patroni1', 2],
        [126, '7587572879942049815', 'patroni1', 2],
      ]);
      expect(g.observed.leader_changes.map((c) => [c.from, c.to, c.timeline_from, c.timeline_to])).toEqual([['patroni3', 'patroni1', 1, 2]]);
      expect(g.observed.rejoins.map((j) => [j.member, j.row_line])).toEqual([['patroni3', 116]]);
    });
    it('computes the outages: leader open (script restarted later), quorum 50 s with read-only, HAProxy open', () => {
      expect(g.observed.windows.map((w) => [w.line, w.duration_s, w.at_least_s])).toEqual([
        [53, null, 13],
        [175, 50, null],
        [204, null, 1],
      ]);
      expect(g.observed.windows[1]!.messages).toContain('read-only');
      expect(g.observed.comparisons.map((c) => [c.fault, c.verdict])).toEqual([
        ['leader', 'open'],
        ['etcd_quorum', 'within'],
        ['haproxy', 'open'],
      ]);
      expect(g.observed.id_gaps).toEqual([]);
    });
    it('grades every fault from text, but finds no stats page and no remedy', () => {
      expect(faults(g)).toEqual(['leader', 'replica', 'etcd_one', 'etcd_quorum', 'haproxy']);
      expect(levels(g)).toMatchObject({
        cluster_started: 'full',
        haproxy_page: 'none',
        load_ran: 'full',
        fault_replica: 'full',
        fault_leader: 'full',
        fault_etcd_one: 'full',
        fault_etcd_quorum: 'full',
        fault_haproxy: 'full',
        haproxy_spof: 'none',
      });
      expect(g.flags).toEqual([]);
      expect(g.pending).toBe(0);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { criterion, faults, gradeText, rules } from './helpers.js';

// Small reports written in the ways students write, Russian and English, one rule at a time: the rules
// must follow the course's questions and Patroni's behaviour, not the wording of the five samples.

describe('experiments and what was observed', () => {
  it.each([
    ['ru', 'Остановил реплику (docker stop patroni2). Запись и чтение продолжились без ошибок.'],
    ['ru, noun', 'Отключение одной из реплик ни на что не повлияло: скрипт работает дальше.'],
    ['en', 'I stopped a replica with docker stop patroni3. The application kept writing and reading.'],
    ['en, passive', 'The replica was stopped; nothing changed for the client.'],
  ])('a replica stop with no effect (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toEqual(['replica']);
    expect(criterion(g, 'fault_replica').level).toBe('full');
    expect(g.flags).toEqual([]);
  });

  it.each([
    ['ru', 'Выключил лидера. Через несколько секунд новым лидером стал patroni2.\nКогда старый лидер вернулся, он стал репликой.'],
    ['ru, мастер', 'Делаем docker stop мастер-ноды: произошла смена мастера, скрипт пару секунд выдавал ошибки.\n\nПосле запуска бывший мастер вернулся как реплика.'],
    ['en', 'Then I stopped the leader (patroni1). Writes failed for about 10 seconds until patroni2 was promoted.\nAfter starting patroni1 again it rejoined as a replica.'],
    ['en, primary', 'Killing the primary: a new primary was elected after ~30 s. The old primary came back as a replica.'],
  ])('a leader stop with failover and rejoin (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toEqual(['leader']);
    expect(criterion(g, 'fault_leader').level).toBe('full');
  });

  it('a leader stop described without the rejoin is partial', () => {
    const g = gradeText('Stopped the primary; a new primary was elected.');
    expect(criterion(g, 'fault_leader').level).toBe('partial');
    expect(criterion(g, 'fault_leader').notes).toContain('the old leader coming back as a replica is not shown');
  });

  it('resolves a node name to its role from the last patronictl table', () => {
    const md = [
      '```',
      '| Member   | Host       | Role    | State     | TL | Lag in MB |',
      '| node1    | 10.0.0.1   | Replica | streaming |  3 |         0 |',
      '| node2    | 10.0.0.2   | Leader  | running   |  3 |           |',
      '```',
      'docker stop node2 — лидером стал node1.',
    ].join('\n');
    expect(faults(gradeText(md))).toEqual(['leader']);
  });

  it.each([
    ['ru', 'Остановил один узел etcd — ничего не изменилось, кворум есть.'],
    ['en', 'Stopping one etcd member had no effect: two of three keep the quorum.'],
    ['en, by name', 'Stopping etcd1 did nothing.'],
  ])('one etcd member (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toEqual(['etcd_one']);
    expect(criterion(g, 'fault_etcd_one').level).toBe('full');
    expect(g.flags).toEqual([]);
  });

  it.each([
    ['en, two at once', 'Then I stopped two etcd members. The leader demoted itself and the database became read-only.'],
    ['ru, one then another', 'Останавливаем etcd1 — всё работает.\nОстанавливаем ещё один узел etcd: кластер перешёл в режим только для чтения, запись невозможна.'],
    ['ru, quorum named', 'Выключаем etcd2. Кворум потерян, мастер стал репликой.'],
    ['en, by names', 'docker stop etcd1 etcd2 → writes are refused with SQLSTATE 25006.'],
    ['ru, the error quoted', 'Остановил etcd-1. Потом остановил etcd-2: запись перестала проходить, ошибка cannot execute INSERT in a read-only transaction.'],
  ])('two etcd members: the primary turns read-only (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toContain('etcd_quorum');
    expect(criterion(g, 'fault_etcd_quorum').level).toBe('full');
    expect(g.flags.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it.each([
    ['ru', 'Остановил второй узел etcd. Ничего не произошло, мастер продолжает принимать запись.'],
    ['en', 'After stopping two of three etcd nodes nothing happened, the master keeps serving writes.'],
  ])('"nothing happens" after two etcd members is wrong (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toContain('etcd_quorum');
    expect(rules(g).some((r) => r.startsWith('quorum_no_effect@'))).toBe(true);
    expect(g.flags.find((f) => f.rule === 'quorum_no_effect')!.severity).toBe('error');
    expect(criterion(g, 'fault_etcd_quorum').level).toBe('none');
    expect(criterion(g, 'claims_correct').level).toBe('partial');
  });

  it('a new leader during quorum loss is wrong', () => {
    const g = gradeText('I stopped 2 etcd nodes and a new leader was elected.');
    expect(rules(g)).toContain('quorum_new_leader@1');
  });

  it('failsafe_mode in the report turns "nothing happens" into a note', () => {
    const g = gradeText('```yaml\nbootstrap:\n  dcs:\n    failsafe_mode: true\n```\nStopped two etcd members: nothing happened.');
    expect(g.flags.find((f) => f.rule === 'quorum_no_effect')!.severity).toBe('info');
  });

  it.each([
    ['en', 'Finally I stopped HAProxy: the application could not connect at all.'],
    ['ru', 'Убиваем haproxy — приложение полностью недоступно, хотя база жива.'],
  ])('HAProxy stop (%s)', (_, md) => {
    const g = gradeText(md);
    expect(faults(g)).toEqual(['haproxy']);
    expect(criterion(g, 'fault_haproxy').level).toBe('full');
  });

  it('a wrong claim about something else does not cost the fault it sits next to', () => {
    const g = gradeText('Остановил HAProxy — приложение не может подключиться.\nPatroni гарантирует, что данные никогда не теряются.');
    expect(rules(g)).toEqual(['zero_loss_guarantee@2']);
    expect(criterion(g, 'fault_haproxy').level).toBe('full');
  });

  it('"nothing changes" when a single HAProxy stops is wrong', () => {
    const g = gradeText('Остановил haproxy — ничего не изменилось.');
    expect(g.flags.map((f) => [f.rule, f.severity])).toEqual([['haproxy_no_effect', 'error']]);
  });

  it('an observation before the fault in the same sentence belongs to it ("недоступность при отключении")', () => {
    const g = gradeText('Полная недоступность была при отключении haproxy.');
    expect(criterion(g, 'fault_haproxy').level).toBe('full');
  });

  it('a heading closes the experiment before it', () => {
    const g = gradeText('## Реплика\nОстановил реплику.\n## Выводы\nВсё работает отлично.');
    expect(g.observed.experiments[0]!.observations).toEqual([]);
  });

  it('a sub-heading does not', () => {
    const g = gradeText('## Реплика\nОстановил реплику.\n### Результат\nВсё работает.');
    expect(criterion(g, 'fault_replica').level).toBe('full');
  });

  it('a quoted assignment is not an experiment', () => {
    expect(faults(gradeText('> Остановите реплику, лидера, один узел etcd, два узла etcd и HAProxy.'))).toEqual([]);
  });

  it('a replica stop that "changed the leader" is flagged; "the leader did not change" is not', () => {
    expect(rules(gradeText('После остановки реплики сменился лидер.'))).toEqual(['replica_leader_change@1']);
    expect(rules(gradeText('Остановил реплику, лидер не изменился.'))).toEqual([]);
    expect(rules(gradeText('I stopped a replica; the leader has not changed.'))).toEqual([]);
  });

  it('an outage after one etcd member is flagged', () => {
    expect(rules(gradeText('Остановил один узел etcd, и запись сломалась.'))).toEqual(['etcd_one_outage@1']);
  });

  it('etcd stopped with no count and "nothing happens" asks which it was', () => {
    expect(rules(gradeText('Когда выключал etcd, ничего не происходило.'))).toEqual(['etcd_count_unclear@1']);
  });

  it('"nothing happened" after stopping the leader is flagged', () => {
    expect(rules(gradeText('Остановил лидера — ничего не произошло.'))).toEqual(['leader_no_effect@1']);
  });
});

describe('screenshots', () => {
  it('sends screenshots that no text explains to a person', () => {
    const g = gradeText('![](a.png)\n\n![](b.png)');
    expect(g.total).toBe(0);
    expect(g.needs_person).toEqual(['no text says what the screenshots at lines 1, 3 show']);
  });

  it('sends a criterion that rests on a screenshot to a person, with its pending points', () => {
    const g = gradeText('Посмотрим patronictl list:\n\n![](list.png)');
    expect(criterion(g, 'cluster_started')).toMatchObject({ level: 'none', awarded: 0, pending: 2, needs_person: 'look at the screenshot at line 3' });
  });
});

describe('HAProxy as a single point of failure', () => {
  it.each([
    ['en', 'HAProxy is a single point of failure; in production run two HAProxy instances with keepalived and a virtual IP.'],
    ['ru', 'HAProxy — единая точка отказа. Решение: два HAProxy и keepalived с плавающим IP.'],
    ['ru, cloud', 'Единственный HAProxy — это SPOF, лучше использовать облачный балансировщик нагрузки.'],
    ['en, k8s', 'The single HAProxy is a SPOF; on Kubernetes a Service of type LoadBalancer replaces it.'],
  ])('named, with a real remedy (%s)', (_, md) => {
    expect(criterion(gradeText(md), 'haproxy_spof').level).toBe('full');
  });

  it.each([
    ['named only', 'HAProxy — единая точка отказа.'],
    ['vague remedy', 'We should have a backup HAProxy node.'],
  ])('partial: %s', (_, md) => {
    expect(criterion(gradeText(md), 'haproxy_spof').level).toBe('partial');
  });

  it('keepalived configured in the report counts as the remedy', () => {
    const md = '```\nvrrp_instance VI_1 {\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n```';
    expect(criterion(gradeText(md), 'haproxy_spof').level).toBe('full');
  });
});

describe('claims checked against the truth', () => {
  it.each([
    ['ru', 'После failover id перескочили с 692 на 717 — значит 24 записи были потеряны.'],
    ['en', 'The gap in the IDs shows that some data was lost.'],
    ['en, loss first', 'Some data was lost: ids 302–333 are missing.'],
  ])('an ID gap read as data loss (%s)', (_, md) => {
    const g = gradeText(md);
    expect(g.flags.map((f) => [f.rule, f.severity])).toEqual([['id_gap_as_loss', 'error']]);
  });

  it.each([
    ['ru', 'Пропуск в id не означает потерю данных: последовательность не откатывается.'],
    ['en', 'The jump in ids is not data loss: sequence values are never rolled back.'],
  ])('an ID gap explained correctly raises nothing (%s)', (_, md) => {
    expect(gradeText(md).flags).toEqual([]);
  });

  it('a loss claimed next to a log that shows only a gap', () => {
    const log = [
      '```',
      '[10:00:01] INSERT: a',
      'READ check (Last 3 IDs): [12, 11, 10]',
      '[10:00:02] CONNECTION LOST (Failover in progress?): terminating connection',
      '[10:00:09] CONNECTED to Master Node',
      '[10:00:09] INSERT: b',
      'READ check (Last 3 IDs): [40, 12, 11]',
      '```',
      'Мы потеряли данные при переключении.',
    ].join('\n');
    const g = gradeText(log);
    expect(g.observed.id_gaps.map((x) => [x.after_id, x.before_id, x.size])).toEqual([[12, 40, 27]]);
    expect(g.flags.map((f) => [f.rule, f.severity, f.line])).toEqual([['data_loss_claim', 'error', 9]]);
  });

  it('a possible loss under asynchronous replication is a correct statement', () => {
    expect(gradeText('При асинхронной репликации возможна потеря данных при падении лидера.').flags).toEqual([]);
  });

  it.each([
    ['ru', 'Patroni гарантирует, что данные никогда не теряются.'],
    ['en', 'Failover guarantees zero data loss.'],
    ['ru, loss first', 'При переключении лидера потерь данных нет, Patroni это гарантирует.'],
    ['en, never lost', 'Patroni guarantees that no data is ever lost.'],
  ])('"zero loss guaranteed" (%s)', (_, md) => {
    expect(gradeText(md).flags.map((f) => [f.rule, f.severity])).toEqual([['zero_loss_guarantee', 'error']]);
  });

  it.each([
    ['synchronous named', 'With synchronous_mode Patroni guarantees zero data loss.'],
    ['negated', 'Patroni не гарантирует отсутствие потерь при асинхронной репликации.'],
    ['an observation', 'В нашем эксперименте данные не потерялись.'],
  ])('"zero loss" that is right (%s)', (_, md) => {
    expect(gradeText(md).flags).toEqual([]);
  });

  it.each([
    ['ru', 'Скрипт читает данные с реплик, а пишет в мастер.'],
    ['en', "The traffic generator's READ check goes to the replicas."],
  ])('the course script reading from replicas (%s)', (_, md) => {
    expect(gradeText(md).flags.map((f) => [f.rule, f.severity])).toEqual([['reads_to_replicas', 'error']]);
  });

  it.each([
    ['hedged', 'Скрипт, наверное, читает с реплик.'],
    ['negated', 'READ check не читает с реплик: он идёт по тому же соединению.'],
    ['negated before the verb', 'Скрипт не читает с реплик.'],
    ['the read port', 'Порт 5001 отдаёт чтение с реплик.'],
  ])('reads and replicas without a wrong claim (%s)', (_, md) => {
    expect(gradeText(md).flags.filter((f) => f.rule === 'reads_to_replicas')).toEqual([]);
  });

  it('reads to replicas is true of HAtester on the read port', () => {
    expect(gradeText('Запустили HAtester на 5001: чтение идёт с реплик.').flags).toEqual([]);
  });

  it('the write and read ports the other way round', () => {
    const g = gradeText('Порт 5001 — это мастер, а 5002 — реплики.');
    expect(g.flags.map((f) => f.rule)).toEqual(['port_mismatch']);
    expect(criterion(g, 'haproxy_page').level).toBe('full');
  });

  it('no port flag when the student runs their own ports', () => {
    const md = '```\n--- STARTING LOAD GENERATOR ON PORT 5001 ---\n[10:00:01] INSERT: a\n[10:00:02] INSERT: b\n```\nПорт 5001 — мастер.';
    expect(gradeText(md).flags).toEqual([]);
  });
});

describe('outages compared with the measured truth', () => {
  const log = (lines: string[]) => ['```', ...lines, '```'].join('\n');
  const outage = log([
    '[12:00:00] INSERT: a',
    '[12:00:01] CONNECTION LOST (Failover in progress?): server closed the connection unexpectedly',
    '[12:00:09] CONNECTED to Master Node',
    '[12:00:09] INSERT: b',
  ]);

  it('an outage while a replica was down is unexpected', () => {
    const g = gradeText(`Остановил реплику.\n${outage}`);
    expect(g.observed.comparisons.map((c) => [c.fault, c.verdict])).toEqual([['replica', 'unexpected_outage']]);
    expect(rules(g)).toEqual(['outage_unexpected@4']);
  });

  it('a graceful leader stop within the course bound', () => {
    const g = gradeText(`docker stop patroni1 (the leader).\n${outage}`);
    expect(g.observed.comparisons.map((c) => [c.fault, c.mode, c.window.duration_s, c.verdict])).toEqual([['leader', 'stop', 8, 'within']]);
  });

  it('longer than the course settings allow: the client, not Patroni', () => {
    const long = outage.replace('12:00:09', '12:01:09').replace('12:00:09', '12:01:09');
    const g = gradeText(`docker stop the leader.\n${long}`);
    expect(g.observed.comparisons[0]!.verdict).toBe('longer');
    expect(rules(g)).toEqual(['outage_longer@4']);
  });
});

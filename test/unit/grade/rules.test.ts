import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criterion, gradeText, rules, states, wrong } from './helpers.js';

// Small reports written the ways students write, Russian and English: one failure class at a time.
// States are in the CSV's order: replica, leader, etcd_one, etcd_quorum, haproxy.

const state = (md: string, fault: string) => gradeText(md).experiments[fault as 'replica']!.state;

describe('Markdown through a real parser', () => {
  it('inline triple backticks open no block: what follows is still read', () => {
    const md = ['Запускаем ```python3 traffic_generator.py``` и смотрим.', '', '## Остановка HAProxy', '', 'Остановил haproxy: приложение потеряло доступ.', '```', '[10:00:01] Connection failed: connection to server at "localhost" (::1), port 5002 failed: Connection refused', '```'].join('\n');
    expect(states(gradeText(md))).toEqual(['absent', 'absent', 'absent', 'absent', 'evidenced']);
  });
});

describe('evidence states', () => {
  it('a log under the experiment\'s heading is evidence; the same words without it are a claim', () => {
    const shown = ['## Остановка реплики', 'Остановил patroni2, запись продолжилась.', '```', '| patroni2 | Replica | stopped | |', '```'].join('\n');
    const said = ['## Остановка реплики', 'Остановил patroni2, запись продолжилась.'].join('\n');
    expect(state(shown, 'replica')).toBe('evidenced');
    expect(state(said, 'replica')).toBe('claimed');
  });

  it.each([
    ['ru', 'Если выключить HAProxy, приложение потеряет доступ к базе.'],
    ['ru, бы', 'При отказе HAProxy приложение бы не смогло подключиться.'],
    ['en', 'If we stop HAProxy, the application cannot reach the database.'],
  ])('conditional mood is hypothetical (%s)', (_, md) => {
    expect(state(md, 'haproxy')).toBe('hypothetical');
  });

  it('a behaviour matrix is hypothetical; a table of components is no experiment at all', () => {
    const matrix = ['| Сценарий | Поведение |', '|---|---|', '| 1 etcd down | работает |', '| 2 etcd down | запись встаёт |'].join('\n');
    const parts = ['| Компонент | Роль |', '|---|---|', '| etcd | DCS |', '| HAProxy | точка входа |', '| Patroni | агент |'].join('\n');
    expect(states(gradeText(matrix))).toEqual(['absent', 'absent', 'hypothetical', 'hypothetical', 'absent']);
    expect(states(gradeText(parts))).toEqual(['absent', 'absent', 'absent', 'absent', 'absent']);
  });

  it('a screenshot after an "if" passage still evidences it, and needs a person', () => {
    const g = gradeText(['Выключение etcd влияет на кластер только если ушло 2+ ноды.', '', '![](img/two-etcd.png)'].join('\n'));
    expect(g.experiments.etcd_quorum.state).toBe('evidenced');
    expect(g.experiments.etcd_one.state).toBe('claimed');
    expect(criterion(g, 'etcd_quorum').needs_person).toContain('line 3');
  });

  it('claimed-only experiments earn the rubric\'s fraction, and a report without evidence does not outrank one with logs', () => {
    const narrative = ['Остановил реплику — всё работает.', 'Остановил лидера — новым лидером стал patroni2, старый вернулся репликой.', 'Остановил один etcd — ничего не изменилось.', 'Остановил два etcd — кворум потерян, лидер ушёл в read-only, запись невозможна.', 'Остановил HAProxy — приложение потеряло доступ, это SPOF; решение keepalived с VIP.'].join('\n');
    const logs = (fault: string, line: string) => [`## ${fault}`, '```', line, '```'].join('\n');
    const evidenced = [
      logs('Остановка реплики', '| patroni2 | Replica | stopped | |'),
      logs('Остановка лидера', '[10:00:01] CONNECTION LOST (Failover in progress?): terminating connection'),
      logs('Остановка одного etcd', 'etcd1 is unhealthy: failed to connect'),
      logs('Потеря кворума etcd', 'ERROR: cannot execute INSERT in a read-only transaction'),
      logs('Остановка HAProxy', '[10:05:01] Connection failed: connection to server at "localhost" (::1), port 5002 failed: Connection refused'),
      'HAProxy — единая точка отказа (SPOF); решение: keepalived с VIP.',
    ].join('\n\n');
    const a = gradeText(narrative);
    const b = gradeText(evidenced);
    expect(states(a)).toEqual(['claimed', 'claimed', 'claimed', 'claimed', 'claimed']);
    expect(states(b)).toEqual(['evidenced', 'evidenced', 'evidenced', 'evidenced', 'evidenced']);
    expect(criterion(a, 'leader').awarded).toBe(2);
    expect(criterion(a, 'leader').notes.join(' ')).toBe('');
    expect(b.total).toBeGreaterThan(a.total);
  });

  it('a page that claims success where the student says it failed gets no credit', () => {
    const g = gradeText(['## Остановка HAProxy', 'Остановил haproxy, но страница статистики не открылась и повторить не вышло.', '![](img/h.png)'].join('\n'));
    expect(g.experiments.haproxy.failed?.line).toBe(2);
    expect(criterion(g, 'haproxy').awarded).toBe(0);
  });
});

describe('which experiment: structure first, words second', () => {
  it('the heading decides; "ещё работает" or "вторую" inside a sentence opens nothing new', () => {
    const md = ['## Потеря кворума etcd', 'docker stop etcd1 etcd2', 'Всё ещё работает чтение, но вторую минуту запись отклоняется: read-only.', '```', 'ERROR: cannot execute INSERT in a read-only transaction', '```'].join('\n');
    expect(states(gradeText(md))).toEqual(['absent', 'absent', 'absent', 'evidenced', 'absent']);
  });

  it('docker stop of two etcd containers one after the other is the quorum case', () => {
    const md = ['```', '$ docker stop etcd1', '```', 'Кворум есть, всё работает.', '```', '$ docker stop etcd2', 'patronictl list', 'etcd.EtcdConnectionFailed: No more machines in the cluster', '```'].join('\n');
    const g = gradeText(md);
    expect(g.experiments.etcd_one.state).toBe('claimed');
    expect(g.experiments.etcd_quorum.state).toBe('evidenced');
  });

  it('a node name resolves through the roles of the last patronictl table', () => {
    const md = ['```', '| Member   | Host       | Role    | State     | TL | Lag in MB |', '| node1    | 10.0.0.1   | Replica | streaming |  1 |         0 |', '| node2    | 10.0.0.2   | Leader  | running   |  1 |           |', '```', 'Остановил node2 — лидером стал node1.'].join('\n');
    expect(state(md, 'leader')).toBe('claimed');
  });

  it('"вернём реплику и выключим мастер" stops the master', () => {
    expect(states(gradeText('Теперь вернем отключенную реплику обратно и выключим мастер ноду.'))).toEqual(['absent', 'claimed', 'absent', 'absent', 'absent']);
  });
});

describe('an English report with bare experiment headings', () => {
  const md = readFileSync(new URL('./fixtures/english-report.md', import.meta.url), 'utf8');
  const g = gradeText(md);

  it('reads each experiment, and an experiment not done as hypothetical', () => {
    expect(states(g)).toEqual(['evidenced', 'evidenced', 'claimed', 'evidenced', 'hypothetical']);
    expect([g.spof.named?.line, g.spof.remedy?.line]).toEqual([35, 35]);
    expect(rules(g)).toEqual(['reads_to_replicas@38']);
  });
});

describe('a Russian report in another style', () => {
  const g = gradeText(readFileSync(new URL('./fixtures/russian-report.md', import.meta.url), 'utf8'));

  it('finds etcd members stopped one after the other by name, and keeps "запись продолжается" after recovery out of the quorum claim', () => {
    expect(states(g)).toEqual(['evidenced', 'claimed', 'claimed', 'evidenced', 'claimed']);
    expect(g.flags).toEqual([]);
    expect([g.spof.named?.line, g.spof.remedy?.line]).toEqual([20, 20]);
  });
});

describe('wrong claims by meaning', () => {
  it('positive control: a planted wrong claim in an otherwise good report is flagged and costs points', () => {
    const md = ['## Потеря кворума etcd', 'Остановил два узла etcd: запись продолжается, лидер остался на месте.', '```', 'ERROR: cannot execute INSERT in a read-only transaction', '```'].join('\n');
    const g = gradeText(md);
    expect(wrong(g)).toEqual(['quorum_keeps_writing']);
    expect(g.flags[0]!.message).toContain('demotes');
    expect(criterion(g, 'claims').awarded).toBe(1);
  });

  it.each([
    ['reads_to_replicas', 'Генератор нагрузки читает данные с реплик.'],
    ['reads_to_replicas', 'Стрелялка: SELECT-запросы могут уходить на реплики.'],
    ['reads_to_replicas', 'The traffic generator sends its reads to the replicas.'],
    ['quorum_no_effect', 'Когда выключил два etcd — ничего не происходит.'],
    ['quorum_keeps_writing', 'Without quorum (2 etcd down) writes continue on the primary.'],
    ['zero_loss_guarantee', 'Асинхронная репликация гарантирует работу без потерь данных.'],
    ['id_gap_as_loss', 'После failover в id появился пропуск — часть данных потеряна.'],
    ['backend_move', 'patroni2 переместился в бэкенд replicas.'],
    ['old_leader_stays', '## Остановка лидера\nКогда старый лидер вернулся, он снова стал лидером.'],
    ['vrrp_active_active', 'Два HAProxy с keepalived работают в режиме active/active.'],
    ['synchronous_replication', 'Реплики в состоянии streaming — это синхронная репликация.'],
    ['reads_to_replicas', 'Данные читаются с реплик, а пишутся в мастер — так устроен наш скрипт.'],
    ['quorum_keeps_writing', 'При потере кворума etcd ничего страшного не происходит, мастер продолжает принимать запись.'],
    ['zero_loss_guarantee', 'Failover гарантирует отсутствие потерь данных.'],
  ])('%s: %s', (rule, md) => {
    expect(wrong(gradeText(md))).toEqual([rule]);
  });

  it.each([
    ['negated', 'Генератор нагрузки не читает с реплик: все чтения идут на мастер.'],
    ['capability', 'Пишем данные только в master, а вот читать можем из всех реплик.'],
    ['the read port', 'Для чтения с реплик приложение должно обращаться к порту 5001.'],
    ['one etcd member', 'Выключил один etcd — ничего не происходит.'],
    ['writes refused', 'При потере кворума etcd запись невозможна, лидер уходит в read-only.'],
    ['synchronous mode as advice', 'Для критичных данных включить синхронную репликацию.'],
    ['lag 0', 'Lag — отставание реплики (0 = синхронная репликация).'],
    ['no failback', 'Старый лидер вернулся и не стал снова лидером.'],
    ['active/passive', 'HAProxy в паре active/passive с keepalived.'],
    ['gap without loss', 'В id пропуск, но данные не потеряны.'],
    ['reads on the primary', 'Генератор нагрузки пишет в мастер и читает тоже с мастера, реплики простаивают.'],
    ['negated relation', 'Реплики в этом скрипте под нагрузку чтения не попадают.'],
    ['counterfactual', 'С синхронной репликацией потерь не было бы, но у нас асинхронная.'],
    ['after recovery', 'Запись продолжается после восстановления кворума etcd.'],
  ])('no flag: %s', (_, md) => {
    expect(wrong(gradeText(md))).toEqual([]);
  });

  it('a configuration key Patroni does not have is flagged; the documented ones are not', () => {
    const md = ['```yaml', 'scope: demo', 'restapi:', '  listen: 0.0.0.0:8008', 'bootstrap:', '  dcs:', '    ttl: 30', '    auto_failback: true', '    postgresql:', '      use_pg_rewind: true', 'failover_priority: 1', '```', '```', 'patronictl edit-config -s failsafe_mode=true -s quorum_size=2 --force', '```'].join('\n');
    expect(rules(gradeText(md))).toEqual(['unknown_patroni_key@8', 'unknown_patroni_key@11', 'unknown_patroni_key@14']);
  });

  it('a generator log whose ids go backwards without a failover contradicts itself', () => {
    const md = ['```', '[10:00:01] INSERT: login by A', 'READ check (Last 3 IDs): [12, 11, 10]', '[10:00:02] INSERT: login by B', 'READ check (Last 3 IDs): [9, 8, 7]', '```'].join('\n');
    expect(rules(gradeText(md))).toEqual(['log_contradiction@5']);
  });

  it('a first READ check that cannot follow the inserts shown contradicts the log', () => {
    const md = ['```', '[10:00:01] INSERT: login by A', '[10:00:02] INSERT: login by B', '[10:00:03] INSERT: login by C', 'READ check (Last 3 IDs): [1]', '```'].join('\n');
    expect(rules(gradeText(md))).toEqual(['log_contradiction@5']);
  });
});

describe("ports: the student's own setup decides", () => {
  const compose = (write: number) => ['```yaml', 'haproxy:', '  ports:', `    - "${write}:5000"`, '```', '```', 'listen primary', '    bind *:5000', '```'].join('\n');

  it('a claim that agrees with the report\'s own compose file is right, even against the course\'s defaults', () => {
    const g = gradeText(`${compose(5001)}\n\nМастер доступен на порту 5001.`);
    expect(g.setup.expected).toMatchObject({ write: 5001 });
    expect(g.flags).toEqual([]);
  });

  it('a claim that contradicts the report\'s own compose file is wrong', () => {
    expect(rules(gradeText(`${compose(5001)}\n\nМастер доступен на порту 5002.`))).toEqual(['port_mismatch@11']);
  });

  it("with no ports of its own, a claim against the course's defaults is only a warning", () => {
    const g = gradeText('Мастер доступен на порту 5001.');
    expect(g.flags.map((f) => [f.rule, f.severity])).toEqual([['port_mismatch', 'warning']]);
    expect(wrong(g)).toEqual([]);
  });

  it('quoting the assignment is not a claim', () => {
    expect(gradeText('В задании написано «мастер - 5001, реплики - 5002», но по факту наоборот.').flags).toEqual([]);
  });
});

describe('SPOF and remedy', () => {
  it.each([
    ['SPOF word', 'HAProxy здесь SPOF. Решение: два HAProxy и keepalived с плавающим IP.', true, true],
    ['entry point', 'HAProxy — единая точка входа: при его падении приложение теряет доступ. Нужен DNS round-robin на несколько HAProxy.', true, true],
    ['vague remedy', 'HAProxy является единой точкой отказа, нужно что-то вроде запасной ноды.', true, false],
    ['not about HAProxy', 'etcd на Kubernetes обеспечит отказоустойчивость.', false, false],
  ])('%s', (_, md, named, remedy) => {
    const g = gradeText(md);
    expect([g.spof.named !== null, g.spof.remedy !== null]).toEqual([named, remedy]);
  });
});

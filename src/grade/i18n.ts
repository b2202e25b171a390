import type { RuleId } from './claims.js';
import type { EvidenceState, Fault } from './experiments.js';

/** Words of the grade sheets, English and Russian (the course is in Russian). */

export const LANGS = ['en', 'ru'] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  sheet: 'Grade sheet',
  points: 'points',
  rubric: 'Rubric',
  truth: 'Measured truth',
  criterion: 'Criterion',
  state: 'Evidence',
  needs_person: 'Needs a person',
  what_needs_person: 'What needs a person',
  experiments: 'Experiments',
  experiment: 'Experiment',
  decided_by: 'Decided by',
  flags: 'Wrong claims and warnings',
  severity: 'Severity',
  line: 'Line',
  check: 'Check',
  says: 'The report says',
  why: 'Why',
  source: 'Source of truth',
  no_flags: 'No claim contradicts what Patroni does.',
  criteria: 'Criteria',
  evidence: 'Quoted',
  false_evidence: 'Evidence that cannot be seen or does not match the course',
  setup: "The student's own setup",
  ports_judged: 'Port claims are judged against',
  images: 'Images',
  images_not_checked: 'a bare .md file cannot show whether a linked image exists: not checked',
  images_checked: "compared with the submission's folder, names case-sensitively",
  summary: 'Grades',
  submission: 'Submission',
  spof_named: 'SPOF named',
  remedy_named: 'Remedy named',
  wrong_claims: 'Wrong claims',
  yes: 'yes',
  no: 'no',
  none: 'none',
  logs: 'Logs',
  outages: 'Outages computed from the logs (1-second resolution)',
  tables: 'patronictl list',
};

const ru: typeof en = {
  sheet: 'Оценка',
  points: 'баллов',
  rubric: 'Критерии',
  truth: 'Измеренное поведение',
  criterion: 'Критерий',
  state: 'Доказательства',
  needs_person: 'Нужен человек',
  what_needs_person: 'Что должен посмотреть человек',
  experiments: 'Эксперименты',
  experiment: 'Эксперимент',
  decided_by: 'Чем решено',
  flags: 'Неверные утверждения и предупреждения',
  severity: 'Уровень',
  line: 'Строка',
  check: 'Проверка',
  says: 'В отчёте',
  why: 'Почему',
  source: 'Источник',
  no_flags: 'Ни одно утверждение не противоречит поведению Patroni.',
  criteria: 'Критерии',
  evidence: 'Цитаты',
  false_evidence: 'Доказательства, которые не видны или не соответствуют стенду курса',
  setup: 'Собственный стенд студента',
  ports_judged: 'Утверждения о портах сверяются с',
  images: 'Изображения',
  images_not_checked: 'по одному .md нельзя проверить, существуют ли файлы картинок: не проверялось',
  images_checked: 'сверено с папкой сдачи, имена с учётом регистра',
  summary: 'Оценки',
  submission: 'Работа',
  spof_named: 'SPOF назван',
  remedy_named: 'Решение названо',
  wrong_claims: 'Неверных утверждений',
  yes: 'да',
  no: 'нет',
  none: 'нет',
  logs: 'Логи',
  outages: 'Простои по логам (точность 1 секунда)',
  tables: 'patronictl list',
};

export type Words = typeof en;
export const WORDS: Record<Lang, Words> = { en, ru };

export const FAULT_NAMES: Record<Lang, Record<Fault, string>> = {
  en: { replica: 'replica stopped', leader: 'leader stopped', etcd_one: 'one etcd member stopped', etcd_quorum: 'two etcd members stopped (quorum lost)', haproxy: 'HAProxy stopped' },
  ru: { replica: 'остановка реплики', leader: 'остановка лидера', etcd_one: 'остановка одного узла etcd', etcd_quorum: 'остановка двух узлов etcd (потеря кворума)', haproxy: 'остановка HAProxy' },
};

export const STATE_NAMES: Record<Lang, Record<EvidenceState, string>> = {
  en: { evidenced: 'evidenced', claimed: 'claimed only, nothing backs it', hypothetical: 'hypothetical', absent: 'absent' },
  ru: { evidenced: 'подтверждено', claimed: 'только описано, ничем не подтверждено', hypothetical: 'только предположение', absent: 'нет' },
};

/** Why each kind of claim is wrong, for Russian sheets (the English sheets carry the full message). */
export const WHY_RU: Record<RuleId, string> = {
  reads_to_replicas: 'Генератор курса делает READ check в том же read-write соединении, что и INSERT, поэтому его чтения идут на мастер; на реплики ведёт только порт чтения HAProxy (у бэкендов реплик 0 байт).',
  quorum_keeps_writing: 'Без кворума etcd (2 из 3 узлов остановлены) лидер не может продлить ключ и сам уходит в read-only: запись отклоняется, даже если лидер жив.',
  quorum_no_effect: 'Потеря кворума etcd не проходит бесследно: лидер понижает себя, запись отклоняется до возврата кворума.',
  zero_loss_guarantee: 'При асинхронной репликации (по умолчанию в курсе) падение лидера может потерять последние подтверждённые записи; гарантию даёт только synchronous_mode.',
  id_gap_as_loss: 'Пропуск в id — не потеря данных: nextval() не откатывается, неудачные вставки тратят id, новый мастер начинает после 32 заранее записанных в WAL значений.',
  backend_move: 'Серверы не переходят между бэкендами HAProxy: каждый узел есть в обоих, проверка /primary или /replica делает его UP в одном и DOWN в другом.',
  old_leader_stays: 'В Patroni нет автоматического failback: старый лидер возвращается репликой нового.',
  vrrp_active_active: 'keepalived/VRRP работает как active/passive: виртуальный IP держит один узел, второй забирает его при отказе первого.',
  synchronous_replication: 'Репликация в кластере курса асинхронная (по умолчанию в Patroni): синхронная реплика была бы видна в patronictl list как Sync Standby; Lag 0 значит «догнала», а не «синхронная».',
  log_contradiction: 'Лог генератора противоречит сам себе (id идут назад без failover или READ check не может следовать за показанными вставками).',
  port_mismatch: 'Порт не совпадает с собственной конфигурацией студента (или, если её нет в отчёте, с docker-compose курса).',
  unknown_patroni_key: 'Такой настройки в Patroni нет (см. документацию: YAML Configuration Settings, Dynamic Configuration Settings).',
};

/** Report languages: English by default, Russian because the course is taught in Russian. */
export type Lang = 'en' | 'ru';

export const LANGS: readonly Lang[] = ['en', 'ru'];

export function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'ru';
}

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(lang: Lang, digits: number): Intl.NumberFormat {
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    // Grouping off: "20063 ms" reads better in tables than "20,063 ms", and Russian's narrow no-break
    // space would differ between GitHub and the HTML report.
    f = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
    numberFormats.set(key, f);
  }
  return f;
}

export function fmtNumber(lang: Lang, n: number | null | undefined, digits = 0): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return numberFormat(lang, digits).format(n);
}

const UNITS = {
  en: { s: 's', ms: 'ms', bytes: ['B', 'KB', 'MB', 'GB'], perS: 'ops/s' },
  ru: { s: 'с', ms: 'мс', bytes: ['Б', 'КБ', 'МБ', 'ГБ'], perS: 'оп/с' },
} as const;

/** Milliseconds as seconds: "20.063 s" (digits 3) for tables, "20.1 s" (digits 1) for prose. */
export function fmtS(lang: Lang, ms: number | null | undefined, digits = 2): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return `${fmtNumber(lang, ms / 1000, digits)} ${UNITS[lang].s}`;
}

/** Signed offset in seconds from a reference time: "+18.6 s". */
export function fmtOffset(lang: Lang, ms: number | null | undefined, digits = 1): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return `${ms >= 0 ? '+' : '−'}${fmtS(lang, Math.abs(ms), digits)}`;
}

export function fmtMs(lang: Lang, ms: number | null | undefined, digits = 0): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return `${fmtNumber(lang, ms, digits)} ${UNITS[lang].ms}`;
}

export function fmtBytes(lang: Lang, bytes: number | null | undefined): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '—';
  const units = UNITS[lang].bytes;
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(lang, v, i === 0 ? 0 : 1)} ${units[i]}`;
}

export function unitPerS(lang: Lang): string {
  return UNITS[lang].perS;
}

/** Russian plural forms: one (1, 21), few (2–4, 22–24), many (0, 5–20, 25…). */
export function plural(lang: Lang, n: number, en: [string, string], ru: [string, string, string]): string {
  if (lang === 'en') return n === 1 ? en[0] : en[1];
  const rule = new Intl.PluralRules('ru').select(n);
  return rule === 'one' ? ru[0] : rule === 'few' ? ru[1] : ru[2];
}

/** "3 writes" / "3 записи": a count with its noun. */
export function count(lang: Lang, n: number, en: [string, string], ru: [string, string, string]): string {
  return `${fmtNumber(lang, n)} ${plural(lang, n, en, ru)}`;
}

const PARTS: Record<string, [string, string]> = {
  analysis: ['the analysis', 'анализ'],
  history: ['the history (history.ndjson)', 'история (history.ndjson)'],
  history_truncated: ['the end of the history (its last line was cut off)', 'конец истории (последняя строка оборвана)'],
  events: ["the experiment's events", 'события эксперимента'],
  members_before: ['the cluster before the run', 'кластер до запуска'],
  members_after: ['the cluster after the run', 'кластер после запуска'],
  verdict: ['the verdict', 'вердикт'],
};

/** A part of a run folder, named for a reader: the loader's 'members_after' is "the cluster after the run". */
export function partName(lang: Lang, part: string): string {
  const p = PARTS[part];
  return p ? p[lang === 'ru' ? 1 : 0] : part;
}

/** Fixed words of the report and index templates. */
const en = {
  report: 'Failover drill report',
  index_title: 'Failover drills',
  verdict: 'Verdict',
  verdicts: { pass: 'PASS', fail: 'FAIL', error: 'ERROR' },
  started: 'Started',
  duration: 'Duration',
  driver: 'Driver',
  contents: 'Contents',
  conclusions: 'Conclusions',
  charts_throughput: 'Throughput',
  charts_latency: 'Latency',
  charts_roles: 'Cluster roles over time',
  charts_lag: 'Replication lag',
  outage_phases: 'The outage, phase by phase',
  data_accounting: 'Data accounting',
  id_gaps: 'ID gaps',
  assertions: 'Assertions',
  experiment_timeline: 'Experiment timeline',
  cluster_before_after: 'Cluster before and after',
  before: 'Before',
  after: 'After',
  setup: 'Topology, versions and settings',
  client_errors: 'Client errors',
  not_analysed: 'Not analysed: the run ended before its analysis was written.',
  zoom_outage: 'Zoom to the outage',
  zoom_reset: 'Reset zoom',
  zoom_help: 'Hover for values. Drag across a chart to zoom into a period (all time charts follow), Ctrl + wheel zooms, Shift + drag pans, double-click resets.',
  throughput_caption: 'Completed operations per second: acknowledged (lines) and failed or indeterminate (red/orange). Shaded: fault intervals (yellow) and outage windows (red for writes, violet for reads).',
  latency_caption: 'Latency of acknowledged operations per bucket: median and maximum (logarithmic scale). Gaps are periods with no acknowledged operation.',
  roles_caption: 'Each member\'s role as its Patroni REST API reported it; the dark stripe marks when PostgreSQL itself answered pg_is_in_recovery() = false (accepts writes). Vertical lines: leader and timeline changes.',
  lag_caption: 'Replication lag of each replica as Patroni reported it.',
  phases_caption: 'Times from the instant the fault took effect. The grey bar is the interval the fault model predicts for the outage, drawn from where the observed one began.',
  no_history: 'No history was recorded, so there are no charts over time.',
  no_lag: 'No replica reported replication lag.',
  no_outage: 'No write outage: nothing to break into phases.',
  phase: 'Phase',
  at: 'Since start',
  after_fault: 'After the fault',
  took: 'Took',
  expected: 'Expected',
  observed: 'Observed',
  predicted: 'Predicted interval',
  formula: 'Terms',
  within: 'Within',
  yes: 'yes',
  no: 'no',
  writes: 'Writes',
  reads: 'Reads',
  attempts: 'Attempts',
  acknowledged: 'Acknowledged',
  failed: 'Failed',
  indeterminate: 'Indeterminate',
  lost: 'Lost (acknowledged, absent)',
  lost_short: 'Lost',
  recovered: 'Recovered (indeterminate, present)',
  indeterminate_absent: 'Indeterminate, absent (never committed)',
  unexpected: 'Unexpected (present, never attempted)',
  duplicates: 'Duplicates',
  failed_present: 'Failed but present',
  unavailable: 'Unavailable in total',
  windows: 'Outage windows',
  window: 'Window',
  from: 'From',
  to: 'To',
  resolution: 'Resolution',
  failed_ops: 'Failed ops',
  workers: 'Workers',
  not_accounted: 'The final read is missing: acknowledged writes could not be checked.',
  lost_keys: 'Lost keys',
  gap_after: 'After id',
  gap_before: 'Before id',
  gap_size: 'Missing ids',
  gap_cause: 'Cause',
  gap_explanation: 'Explanation',
  gap_time: 'About',
  gap_causes: { failed_attempts: 'failed attempts', sequence_prelog: 'sequence pre-logging', unexplained: 'unexplained' },
  no_gaps: 'No ID gaps.',
  assertion: 'Assertion',
  result: 'Result',
  passed: 'passed',
  assertion_failed: 'FAILED',
  no_assertions: 'No assertions were evaluated.',
  step: 'Step',
  action: 'Action',
  target: 'Target',
  nodes: 'Nodes',
  begin: 'Begin',
  end: 'End',
  detail: 'Detail',
  no_events: 'No events were recorded.',
  member: 'Member',
  host: 'Host',
  role: 'Role',
  state: 'State',
  tl: 'TL',
  lag: 'Lag',
  no_members: 'Not recorded.',
  component: 'Component',
  version: 'Version',
  members: 'Members',
  setting: 'Setting',
  value: 'Value',
  op: 'Operation',
  class: 'Kind',
  sqlstate: 'SQLSTATE',
  count: 'Count',
  example: 'Example message',
  no_errors: 'No client errors.',
  leader_changes: 'Leader changes',
  split_brain: 'Split brain',
  split_brain_intervals: 'Both writable',
  experiment: 'Experiment',
  runs: 'Runs',
  run: 'Run',
  write_outage: 'Write outage',
  read_outage: 'Read outage',
  bound: 'Predicted',
  passes: 'Passed',
  flaky: 'flaky',
  all_runs: 'All runs, newest first',
  per_experiment: 'Per experiment',
  topologies: 'Course topology vs production topology',
  topologies_intro: 'The same fault on the course stack (one HAProxy, no pooler) and on production (pgbouncer, two HAProxy nodes sharing a keepalived virtual IP): median of the runs.',
  fault: 'Fault',
  course: 'Course',
  production: 'Production',
  outage_chart: 'Write outage per experiment',
  outage_chart_caption: 'Longest write outage of each run (dots), the spread between the shortest and longest where an experiment ran several times (bar), and the predicted interval (outlined bar) where the fault model has one.',
  no_runs: 'No runs found.',
  min: 'min',
  median: 'median',
  max: 'max',
  generated: 'Generated by patroni-drill from recorded results; no cluster is needed to re-render it.',
  description: 'Description',
  none: 'none',
};

export type Strings = typeof en;

// Typed as the English table so that a word missing in Russian is a compile error.
const ru: Strings = {
  report: 'Отчёт об учении по отказу',
  index_title: 'Учения по отказам',
  verdict: 'Вердикт',
  verdicts: { pass: 'УСПЕХ', fail: 'ПРОВАЛ', error: 'ОШИБКА' },
  started: 'Начало',
  duration: 'Длительность',
  driver: 'Драйвер',
  contents: 'Содержание',
  conclusions: 'Выводы',
  charts_throughput: 'Пропускная способность',
  charts_latency: 'Задержка',
  charts_roles: 'Роли узлов во времени',
  charts_lag: 'Отставание репликации',
  outage_phases: 'Простой по фазам',
  data_accounting: 'Учёт данных',
  id_gaps: 'Пропуски ID',
  assertions: 'Проверки',
  experiment_timeline: 'Ход эксперимента',
  cluster_before_after: 'Кластер до и после',
  before: 'До',
  after: 'После',
  setup: 'Топология, версии и настройки',
  client_errors: 'Ошибки клиентов',
  not_analysed: 'Нет анализа: запуск прервался до того, как анализ был записан.',
  zoom_outage: 'Приблизить простой',
  zoom_reset: 'Сбросить масштаб',
  zoom_help: 'Наведите курсор, чтобы увидеть значения. Протяните мышью по графику, чтобы приблизить период (остальные графики последуют), Ctrl + колесо — масштаб, Shift + протяжка — сдвиг, двойной щелчок — сброс.',
  throughput_caption: 'Завершённые операции в секунду: подтверждённые (линии) и неудачные или неопределённые (красный/оранжевый). Заливка: интервалы отказов (жёлтая) и окна простоя (красная — запись, фиолетовая — чтение).',
  latency_caption: 'Задержка подтверждённых операций по интервалам: медиана и максимум (логарифмическая шкала). Разрывы — периоды без подтверждённых операций.',
  roles_caption: 'Роль каждого узла по REST API Patroni; тёмная полоса — когда сам PostgreSQL отвечал pg_is_in_recovery() = false (принимает запись). Вертикальные линии — смена лидера и таймлайна.',
  lag_caption: 'Отставание каждой реплики по данным Patroni.',
  phases_caption: 'Время от момента, когда отказ вступил в силу. Серая полоса — интервал, который модель отказа предсказывает для простоя, отложенный от начала наблюдённого.',
  no_history: 'История не записана, графиков во времени нет.',
  no_lag: 'Ни одна реплика не сообщила об отставании.',
  no_outage: 'Простоя записи не было: раскладывать на фазы нечего.',
  phase: 'Фаза',
  at: 'От начала',
  after_fault: 'После отказа',
  took: 'Заняло',
  expected: 'Ожидалось',
  observed: 'Наблюдалось',
  predicted: 'Предсказанный интервал',
  formula: 'Из чего складывается',
  within: 'В пределах',
  yes: 'да',
  no: 'нет',
  writes: 'Запись',
  reads: 'Чтение',
  attempts: 'Попытки',
  acknowledged: 'Подтверждено',
  failed: 'Отказ',
  indeterminate: 'Неопределённо',
  lost: 'Потеряно (подтверждено, но нет в таблице)',
  lost_short: 'Потеряно',
  recovered: 'Нашлись (неопределённые, но есть в таблице)',
  indeterminate_absent: 'Неопределённые, которых нет (не зафиксированы)',
  unexpected: 'Неожиданные (есть, но не отправлялись)',
  duplicates: 'Дубликаты',
  failed_present: 'Отказ, но строка есть',
  unavailable: 'Недоступность всего',
  windows: 'Окна простоя',
  window: 'Окно',
  from: 'С',
  to: 'По',
  resolution: 'Точность',
  failed_ops: 'Неудачных операций',
  workers: 'Клиенты',
  not_accounted: 'Финального чтения нет: подтверждённые записи проверить не удалось.',
  lost_keys: 'Потерянные ключи',
  gap_after: 'После id',
  gap_before: 'Перед id',
  gap_size: 'Пропущено id',
  gap_cause: 'Причина',
  gap_explanation: 'Объяснение',
  gap_time: 'Около',
  gap_causes: { failed_attempts: 'неудачные попытки', sequence_prelog: 'предзапись последовательности', unexplained: 'не объяснён' },
  no_gaps: 'Пропусков ID нет.',
  assertion: 'Проверка',
  result: 'Результат',
  passed: 'выполнена',
  assertion_failed: 'НЕ ВЫПОЛНЕНА',
  no_assertions: 'Проверки не выполнялись.',
  step: 'Шаг',
  action: 'Действие',
  target: 'Цель',
  nodes: 'Узлы',
  begin: 'Начало',
  end: 'Конец',
  detail: 'Подробности',
  no_events: 'События не записаны.',
  member: 'Узел',
  host: 'Хост',
  role: 'Роль',
  state: 'Состояние',
  tl: 'TL',
  lag: 'Отставание',
  no_members: 'Не записано.',
  component: 'Компонент',
  version: 'Версия',
  members: 'Узлы',
  setting: 'Параметр',
  value: 'Значение',
  op: 'Операция',
  class: 'Вид',
  sqlstate: 'SQLSTATE',
  count: 'Сколько',
  example: 'Пример сообщения',
  no_errors: 'Ошибок у клиентов не было.',
  leader_changes: 'Смены лидера',
  split_brain: 'Split brain',
  split_brain_intervals: 'Оба принимают запись',
  experiment: 'Эксперимент',
  runs: 'Запуски',
  run: 'Запуск',
  write_outage: 'Простой записи',
  read_outage: 'Простой чтения',
  bound: 'Предсказано',
  passes: 'Успешных',
  flaky: 'нестабильно',
  all_runs: 'Все запуски, новые сверху',
  per_experiment: 'По экспериментам',
  topologies: 'Учебная топология против продакшн-топологии',
  topologies_intro: 'Одна и та же авария на учебном стенде (один HAProxy, без пулера) и в продакшн-топологии (pgbouncer, два HAProxy с общим виртуальным IP через keepalived): медиана по запускам.',
  fault: 'Авария',
  course: 'Учебная',
  production: 'Продакшн',
  outage_chart: 'Простой записи по экспериментам',
  outage_chart_caption: 'Самый длинный простой записи каждого запуска (точки), разброс от кратчайшего до длиннейшего, если эксперимент запускался несколько раз (столбец), и предсказанный интервал (контурный столбец), если у модели отказа он есть.',
  no_runs: 'Запусков не найдено.',
  min: 'мин',
  median: 'медиана',
  max: 'макс',
  generated: 'Создано patroni-drill по записанным результатам; для повторной отрисовки кластер не нужен.',
  description: 'Описание',
  none: 'нет',
};

export function strings(lang: Lang): Strings {
  return lang === 'ru' ? ru : en;
}

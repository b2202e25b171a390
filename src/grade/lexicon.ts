/**
 * Word stems the grader recognises, Russian and English. Students write free-form prose with typos,
 * so patterns are stems ("реплик" matches реплика/реплику/репликами), case-insensitive, and bounded
 * by letters rather than \b (which knows only ASCII letters).
 */

const B = '(?<![\\p{L}\\p{N}])';
/** A word that starts with one of the stems. */
export function stems(...alts: string[]): string {
  return `${B}(?:${alts.join('|')})`;
}
export function rx(source: string): RegExp {
  return new RegExp(source, 'iu');
}
export function rxg(source: string): RegExp {
  return new RegExp(source, 'giu');
}
/** Up to n words in between. */
const W = (n: number) => `(?:[\\p{L}\\p{N}-]+[\\s,]+){0,${n}}?`;
const ANY = (n: number) => `[^.!?]{0,${n}}?`;

// --- what was stopped --------------------------------------------------------------------------

export const REPLICA = stems('реплик', 'репилк', 'replica', 'slave', 'standby', 'secondary', 'follower', 'ведом', 'слейв');
export const LEADER = stems('лидер', 'мастер', 'master', 'primary', 'leader', 'праймари', 'примари', 'ведущ');
export const ETCD = stems('etcd', 'етсд', 'етцд', 'dcs');
export const HAPROXY = stems('haproxy', 'ha-proxy', 'ha proxy', 'хапрокси', 'хапрокс');

/** Verbs and nouns of stopping something. Participles ("отключенную реплику") describe, not act. */
export const STOP = stems(
  '(?:по|пере)?отключ(?!енн|ённ)',
  '(?:по)?выключ(?!енн|ённ)',
  'останов(?!ленн)',
  'останавлива',
  'стоп(?!ор)',
  'stop',
  'уби(?:л|ть|ва|ваю|вая|й)',
  'убь[её]м',
  'убью',
  'уб[ъь]ем',
  'kill',
  'положи',
  'полож(?:ил|им|у)',
  'урони',
  'роня',
  'гаси',
  'погас',
  'выруб',
  'shut\\s*down',
  'shutdown',
  'terminat',
  'crash',
  'pause',
  'disconnect',
  'isolat',
  'изолир',
  'отсоедин',
  'отруб',
  'потер[\\p{L}]*\\s+(?:сетев[\\p{L}]*\\s+)?связ',
);

/** Verbs of bringing something back. "включ" must not be the tail of "выключ". */
export const HEAL = stems(
  'вернул',
  'вернем',
  'вернём',
  'верну',
  'возвращ',
  'возврат',
  'включ(?!енн|ённ)',
  'подним',
  'подня',
  'запуст',
  'восстанов',
  'воскреш',
  'start',
  'restart',
  'restor',
  'bring\\s+back',
  'brought\\s+back',
  'recover',
  'unpause',
);

export const KILL_MODE = stems('kill', 'уби', 'убь', 'уб[ъь]', 'crash', 'sigkill', 'падени', 'pause');
export const NETWORK_MODE = stems('сетев', 'network', 'интерфейс', 'interface', 'isolat', 'изолир', 'связ', 'отсоедин', 'disconnect');

// --- what happened -----------------------------------------------------------------------------

export const NO_EFFECT = rxg(
  [
    `ничего\\s+не\\s+(?:происход|произош|случ|измен|меня|сломал|ломал|поменял)[\\p{L}]*`,
    `ни\\s+к\\s+чему\\s+не\\s+привод[\\p{L}]*`,
    `никаких\\s+(?:изменений|проблем|ошибок|последствий|сбоев|прерываний)`,
    `без\\s+(?:ошибок|проблем|последствий|изменений|прерыван[\\p{L}]*|простоя|сбоев|потери\\s+доступ[\\p{L}]*)`,
    `(?:всё|все)\\s+(?:ещ[её]\\s+)?(?:работает|в\\s+порядке|ок|норм[\\p{L}]*)`,
    `(?:по-прежнему|всё\\s+ещ[её]|все\\s+ещ[её]|still)\\s+(?:${W(1)})?(?:работа|works?|running|доступ|available)[\\p{L}]*`,
    `продолжа[\\p{L}]*\\s+(?:${W(2)})?(?:работ|выполн|писа|запис|чита|функцион|идти)[\\p{L}]*`,
    `не\\s+(?:прерыва|останавлива|ломал|падал|упал|повлия|влия|затрон|сломал)[\\p{L}]*`,
    `работа[\\p{L}]*\\s+(?:дальше|как\\s+и\\s+раньше|штатно|нормально|стабильно)`,
    `nothing\\s+(?:happen|chang|broke)[\\p{L}]*`,
    `(?:did|changed|affected)\\s+nothing`,
    `ничего\\s+не\\s+дал[\\p{L}]*`,
    `no\\s+(?:effect|impact|change|errors?|downtime|interruption|problems?|issues?)`,
    `(?:keeps?|kept|continu[\\p{L}]*)\\s+(?:to\\s+)?(?:work|run|writ|read|serv)[\\p{L}]*`,
    `unaffected`,
    `without\\s+(?:any\\s+)?(?:errors?|interruption|downtime|problems?)`,
    `still\\s+works?`,
    `(?:did\\s+not|didn't|does\\s+not|doesn't)\\s+(?:notice|affect|break|stop|interrupt)[\\p{L}]*`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const OUTAGE = rxg(
  [
    'недоступ[\\p{L}]*',
    'ошибк[\\p{L}]*',
    'ломает[\\p{L}]*',
    'сломал[\\p{L}]*',
    'валит[\\p{L}]*',
    'свалил[\\p{L}]*',
    'упал[\\p{L}]*',
    'пада[\\p{L}]*',
    'выпал[\\p{L}]*',
    'вылет[\\p{L}]*',
    'отвал[\\p{L}]*',
    'прерв[\\p{L}]*',
    'прерыва[\\p{L}]*',
    'переста[\\p{L}]*',
    'потер[\\p{L}]*\\s+(?:соединени|связ|точк|доступ|подключ)[\\p{L}]*',
    'соединени[\\p{L}]*\\s+(?:теря|потер|разорв|разрыва|закры|обрыв|пропад)[\\p{L}]*',
    'разрыв[\\p{L}]*',
    'обрыв[\\p{L}]*',
    'простой',
    'задержк[\\p{L}]*',
    'connection\\s+(?:lost|refused|closed|reset|failed)',
    'unavailab[\\p{L}]*',
    'downtime',
    'outage',
    'interrupt[\\p{L}]*',
    'errors?',
    'fail(?:s|ed|ing|ure)?',
    'broke[\\p{L}]*',
    'stopped\\s+working',
    '(?:cannot|could\\s+not|can\'t|couldn\'t)\\s+connect',
    `не\\s+(?:мо(?:жет|гут|жем|гли))\\s+(?:${W(1)})?(?:подключ|работ|писать|запис|достуч)[\\p{L}]*`,
    'не\\s+работа[\\p{L}]*',
  ]
    .map((p) => B + p)
    .join('|'),
);

export const FULL_OUTAGE = rxg(
  [
    `полн[\\p{L}]*\\s+(?:${W(1)})?недоступ[\\p{L}]*`,
    `полностью\\s+(?:${W(1)})?(?:недоступ|л[её]г|упал|отказ)[\\p{L}]*`,
    `точк[\\p{L}]*\\s+входа`,
    `entry\\s+point`,
    `весь\\s+(?:входящий\\s+)?трафик`,
    `(?:приложени|скрипт|клиент)[\\p{L}]*\\s+${W(3)}(?:пада|упал|валит|ломает|не\\s+работа|недоступ|не\\s+мо[жг]|теря)[\\p{L}]*`,
    `connection\\s+refused`,
    `нет\\s+доступа`,
    `no\\s+access`,
    `lost\\s+access`,
    `cannot\\s+reach`,
    `both\\s+reads\\s+and\\s+writes`,
    `и\\s+чтение,?\\s+и\\s+запись`,
    `ни\\s+чтение,?\\s+ни\\s+запись`,
  ]
    .map((p) => B + p)
    .join('|'),
);

const ROLE_LEADER = '(?:лидер|мастер|primary|master|leader|праймари)[\\p{L}]*';
const ROLE_REPLICA = '(?:реплик|репилк|replica|secondary|standby|follower|slave|ведом)[\\p{L}]*';

export const FAILOVER = rxg(
  [
    `смен[\\p{L}]*\\s+(?:${W(1)})?${ROLE_LEADER}`,
    `${ROLE_LEADER}\\s+(?:${W(1)})?(?:не\\s+)?(?:смени|измени|поменя|перешл|перешел|перешёл|переключ|переехал|сменил)[\\p{L}]*`,
    `лидерств[\\p{L}]*`,
    `нов[\\p{L}]*\\s+${ROLE_LEADER}`,
    `(?:выбор|выбира|выбрал|выбран)[\\p{L}]*\\s+(?:${W(1)})?(?:нов|лидер|мастер)[\\p{L}]*`,
    `(?:стал|становится|станов|стать|станет|сделал)[\\p{L}]*\\s+(?:${W(2)})?${ROLE_LEADER}`,
    `переключени[\\p{L}]*\\s+(?:в|на)\\s+(?:${W(1)})?(?:лидер|мастер)[\\p{L}]*`,
    `promot[\\p{L}]*`,
    `failover[\\p{L}]*`,
    `фейловер[\\p{L}]*`,
    `файловер[\\p{L}]*`,
    `new\\s+(?:leader|primary|master)`,
    `(?:became|becomes|become)\\s+(?:the\\s+|a\\s+)?(?:new\\s+)?(?:leader|primary|master)`,
    `took\\s+over`,
    `takes\\s+over`,
    `elected`,
    `взял[\\p{L}]*\\s+на\\s+себя\\s+(?:роль\\s+)?(?:лидер|мастер)[\\p{L}]*`,
  ]
    .map((p) => B + p)
    .join('|'),
);

/** "Leader changed" in the narrow sense: used to catch a claim that a replica's stop moved the leader. */
export const LEADER_CHANGED = rxg(
  [
    `смен[\\p{L}]*\\s+(?:${W(1)})?${ROLE_LEADER}`,
    `${ROLE_LEADER}\\s+(?:${W(1)})?(?:не\\s+)?(?:смени|измени|поменя|сменил)[\\p{L}]*`,
    `нов[\\p{L}]*\\s+${ROLE_LEADER}`,
    `new\\s+(?:leader|primary|master)`,
    `failover[\\p{L}]*`,
    `(?:leader|primary|master)\\s+(?:has\\s+|was\\s+)?(?:not\\s+)?changed`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const REJOIN = rxg(
  B +
    `(?:становится|стал[аио]?|станет|вернул[\\p{L}]*|возвращ[\\p{L}]*|подня[\\p{L}]*|поднял[\\p{L}]*|восстанов[\\p{L}]*|включ[\\p{L}]*|запуст[\\p{L}]*|присоедин[\\p{L}]*|вошл[\\p{L}]*|rejoin[\\p{L}]*|join[\\p{L}]*|came\\s+back|comes\\s+back|returned|became|becomes|is\\s+now)\\s+${W(3)}` +
    ROLE_REPLICA,
);

export const READ_ONLY = rxg(
  [
    `read[\\s-]?only`,
    `ридонли`,
    `только\\s+(?:для\\s+|на\\s+)?чтени[\\p{L}]*`,
    `25006`,
    `(?:нельзя|невозможн[\\p{L}]*|не\\s+(?:можем|может|могут|получается|удается|удаётся))\\s+(?:${W(1)})?(?:писать|запис|занести|вносить|внести|встав|insert)[\\p{L}]*`,
    `(?:писать|запис[\\p{L}]*|занести|вносить|внести|вставл[\\p{L}]*)\\s+(?:${W(1)})?нельзя`,
    `(?:запис|вставк)[\\p{L}]*\\s+(?:${W(1)})?(?:невозможн|недоступн|не\\s+проход|запрещ|отклон|не\\s+работ)[\\p{L}]*`,
    `(?:writes?|inserts?)\\s+(?:are\\s+|were\\s+)?(?:refused|rejected|fail[\\p{L}]*|impossible|blocked)`,
    `demot[\\p{L}]*`,
    `понижа[\\p{L}]*`,
    `(?:все|мастер[\\p{L}]*|лидер[\\p{L}]*|primary|master|leader|patroni)\\s+${W(3)}(?:становятся|стал[\\p{L}]*|станов[\\p{L}]*|отвал[\\p{L}]*|перешл[\\p{L}]*|переход[\\p{L}]*|ушл[\\p{L}]*|сбрасыва[\\p{L}]*|become|became|turn[\\p{L}]*)\\s+(?:${W(2)})?(?:реплик|replica|read)[\\p{L}]*`,
    `нет\\s+(?:лидер|мастер)[\\p{L}]*`,
    `без\\s+(?:лидер|мастер)[\\p{L}]*`,
    `no\\s+(?:leader|primary|master)`,
    `(?:лидер|мастер)[\\p{L}]*\\s+(?:${W(1)})?(?:сбрасывает|теряет|потерял|лишается)[\\p{L}]*`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const KEEPS_SERVING = rxg(
  [
    `${ROLE_LEADER}\\s+${W(2)}(?:продолжа|оста[её]тся|остал|keeps?|kept|continu|remain|stays?)[\\p{L}]*\\s+${W(2)}(?:работ|обслуж|писа|запис|принима|лидер|мастер|serv|work|accept|writ|leader|primary|master)[\\p{L}]*`,
    `(?:запись|вставк[\\p{L}]*|writes?|inserts?)\\s+(?:(?!перестал|прекрат|stopp|ceas)[\\p{L}\\p{N}-]+[\\s,]+)?(?:продолжа|идут|ид[её]т|continu|keep|succeed|проход)[\\p{L}]*`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const QUORUM_LOST = rxg(
  [
    `(?:потер|теря|утрат|lose|lost|loss|los(?:e|ing))[\\p{L}]*\\s+(?:of\\s+)?(?:the\\s+)?(?:${W(1)})?(?:кворум|quorum)[\\p{L}]*`,
    `кворум[\\p{L}]*\\s+(?:${W(1)})?(?:потер|теря|пропад|пропал|нет|отсутств|утрач|lost)[\\p{L}]*`,
    `(?:без|нет)\\s+кворума`,
    `quorum\\s+(?:is\\s+|was\\s+)?lost`,
    `no\\s+quorum`,
  ]
    .map((p) => B + p)
    .join('|'),
);

/** "if two of them" in an etcd context: the quorum case described without a verb of stopping. */
export const ETCD_TWO = rx(
  `${B}(?:если|if|when|когда|но|but|а)\\s+(?:${W(2)})?(?:2|две|два|двух|two|both|оба|обе)\\s+(?:штук|нод|узл|член|member|node|etcd|из\\s+(?:3|тр))`,
);

/** Counting etcd members in a phrase of stopping or starting them. */
export const COUNT_ONE = rx(`${B}(?:1|одн[\\p{L}]*|один|one|first|single)(?![\\p{L}\\p{N}])`);
export const COUNT_TWO = rx(`${B}(?:2|две|два|двух|two|both|оба|обе)(?![\\p{L}\\p{N}])`);
export const COUNT_ALL = rx(`${B}(?:все|всех|all|три|трёх|трех|3|three)(?![\\p{L}\\p{N}])`);
export const COUNT_MORE = rx(`${B}(?:ещ[её]|another|more|second|втор[\\p{L}]*|следующ[\\p{L}]*|next)(?![\\p{L}\\p{N}])`);

export const SPOF = rxg(
  [
    `spof`,
    `single\\s+point\\s+of\\s+failure`,
    `(?:един[\\p{L}]*\\s+)?точк[\\p{L}]*\\s+отказа`,
    `единственн[\\p{L}]*\\s+(?:точк|узел|экземпляр|haproxy|балансировщик|вход)[\\p{L}]*`,
    `узк[\\p{L}]*\\s+мест[\\p{L}]*`,
    `bottleneck`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const REMEDY = rxg(
  [
    `keepalived?`,
    `vrrp`,
    `virtual\\s*ip`,
    `vip`,
    `виртуальн[\\p{L}]*\\s+(?:ip|адрес|ай\\s*пи)[\\p{L}]*`,
    `плавающ[\\p{L}]*\\s+(?:ip|адрес)[\\p{L}]*`,
    `floating\\s*ip`,
    `(?:облачн|cloud|managed|aws|gcp|azure|yandex|яндекс)[\\p{L}]*[\\s-]+(?:${W(1)})?(?:балансировщик|load[\\s-]*balancer|lb|nlb|alb|elb)[\\p{L}]*`,
    `kubernetes`,
    `k8s`,
    `кубер[\\p{L}]*`,
    `metallb`,
    `pacemaker`,
    `corosync`,
    `ucarp`,
    `vip-manager`,
  ]
    .map((p) => B + p + '(?![\\p{L}])')
    .join('|'),
);

export const REMEDY_VAGUE = rxg(
  [
    `(?:несколько|два|две|2|втор[\\p{L}]*|запасн[\\p{L}]*|резервн[\\p{L}]*|дублир[\\p{L}]*|backup|second|another|multiple|several|redundant|standby|кластер[\\p{L}]*)\\s+${W(3)}(?:haproxy|балансировщик|нод|узл|instance|node|экземпляр|proxy|прокси)[\\p{L}]*`,
    `резервир[\\p{L}]*`,
    `redundan[\\p{L}]*`,
  ]
    .map((p) => B + p)
    .join('|'),
);

export const LOAD = rx(
  stems('скрипт', 'генератор', 'стрелялк', 'нагрузк', 'traffic', 'load\\s+generator', 'script', 'hatester', 'pgbench', 'read\\s+check', 'приложени'),
);
export const COURSE_GENERATOR = rx(stems('traffic[-_ ]generator', 'стрелялк', 'read\\s+check', 'генератор'));

export const PATRONICTL = rx(stems('patronictl', 'patroni\\s+list', 'list\\s+patroni'));
export const POOL = rx(stems('пул', 'pool', 'backend', 'бэкенд', 'бекенд', 'listen', 'секци', 'frontend'));
export const UPDOWN = rx('(?<![\\p{L}])(?:UP|DOWN)(?![\\p{L}])');

export const WRITE_ROLE = rx(stems('лидер', 'мастер', 'master', 'primary', 'leader', 'запис', 'write', 'read-write', 'rw(?![\\p{L}])', 'праймари'));
export const READ_ROLE = rx(stems('реплик', 'replica', 'slave', 'standby', 'чтени', 'read(?![-\\s]?write)', 'ридонли', 'ro(?![\\p{L}])', 'read-only'));

export const READ_WORD = stems('чтени', 'чита', 'read', 'select', 'прочит');
export const READS_TO_REPLICA = rx(`${READ_WORD}[\\p{L}]*${ANY(40)}${REPLICA}`);

export const HEDGE = rx(
  stems(
    'должн',
    'наверн',
    'возможн',
    'если',
    'может',
    'могут',
    'можно',
    'вероятно',
    'однако',
    'смущ',
    'should',
    'could',
    'can(?![\\p{L}])',
    'might',
    'may(?![\\p{L}])',
    'if(?![\\p{L}])',
    'probably',
    'however',
    'but(?![\\p{L}])',
    'наверное',
    'по\\s+идее',
    'в\\s+теории',
    'риск',
    'risk',
  ),
);

/** Words that turn a mention of loss into its absence ("zero data loss", "без потерь"). */
const WORD_END = '(?![\\p{L}])';
export const NO_LOSS = rx(
  stems(...['не', 'нет', 'ни', 'без', 'no', 'not', 'never', 'without', 'zero'].map((w) => w + WORD_END), 'нулев', 'отсутстви'),
);

export const NEGATOR = rx(
  stems(...['не', 'нет', 'ни', 'без', 'no', 'not', 'never', 'without', "n't", 'нельзя'].map((w) => w + WORD_END)),
);

export const SYNC = rx(stems('синхрон', 'synchronous', 'sync'));

const GUARANTEE = stems('гарантир', 'guarantee', 'никогда', 'never', 'всегда', 'always', '100\\s*%', 'исключ', 'невозможн', 'impossible', 'ensure', 'обеспечива');
/** "без потерь", "потерь данных нет", "данные не теряются", "zero data loss", "no data is ever lost". */
export const NO_LOSS_PHRASE = rx(
  [
    `без\\s+потер`,
    `потер[\\p{L}]*\\s+(?:данных\\s+)?(?:нет|не\\s+бывает|не\\s+будет|отсутств|исключ|невозможн)`,
    `не\\s+(?:потер|теря)`,
    `(?:no|zero)\\s+(?:data\\s+)?loss`,
    `(?:never|not)\\s+(?:be\\s+)?los[et]`,
    `no\\s+(?:data|rows?|writes?)\\s+(?:[\\p{L}]+\\s+){0,2}lost`,
    `(?:is|are|be)\\s+(?:never|not)\\s+lost`,
    `отсутстви[\\p{L}]*\\s+потер`,
    `нулев[\\p{L}]*\\s+потер`,
  ]
    .map((p) => B + p)
    .join('|'),
);
/** A promise that nothing is ever lost: a guarantee word and a no-loss phrase in one sentence. */
export const ZERO_LOSS = {
  /** Index of the guarantee word, or -1. */
  find(text: string): number {
    return NO_LOSS_PHRASE.test(text) ? text.search(rx(GUARANTEE)) : -1;
  },
};

const ID_WORD = stems('ids?(?![\\p{L}])', 'ид(?![\\p{L}])', 'айди', 'идентификатор', 'номер', 'sequence', 'последовательн', 'сиквенс', 'serial', 'счётчик', 'счетчик');
const GAP_WORD = stems('пропуск', 'пропущ', 'скач', 'разрыв', 'дыр', 'gap', 'jump', 'skip', 'missing', 'перескоч', 'не\\s+хватает', 'отсутств', 'прыж', 'перепрыг');
const LOSS_WORD = stems('потер', 'утер', 'утрач', 'пропал', 'исчез', 'lost', 'loss', 'lose');

/** A sentence that talks about ids, a gap in them and a loss: "ids 302–333 are missing, data was lost". */
export const ID_GAP_LOSS = {
  test(text: string): boolean {
    return rx(ID_WORD).test(text) && rx(GAP_WORD).test(text) && rx(LOSS_WORD).test(text);
  },
  /** Where the loss is mentioned, to look for a negation before it. */
  lossAt(text: string): number {
    return text.search(rx(LOSS_WORD));
  },
};
export const ID_GAP_MENTION = rx(`${ID_WORD}${ANY(60)}${GAP_WORD}|${GAP_WORD}${ANY(40)}${ID_WORD}`);

export const DATA_LOSS = rx(
  [
    `${stems('потерял', 'потерян', 'потеряли', 'потерялись', 'потерялось', 'lost')}[\\p{L}]*\\s+(?:\\d+\\s+)?(?:${W(1)})?(?:запис|строк|данн|row|record|write|data|insert)[\\p{L}]*`,
    `${stems('данн', 'запис', 'строк', 'rows?', 'records?', 'writes?', 'data')}[\\p{L}]*\\s+(?:${W(1)})?(?:были\\s+|was\\s+|were\\s+|got\\s+)?(?:потерян|потерял|пропал|исчез|lost|missing)[\\p{L}]*`,
    `${stems('data\\s+loss', 'потер[\\p{L}]*\\s+данных')}`,
  ].join('|'),
);

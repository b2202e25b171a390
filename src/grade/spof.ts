import { affirmed, concept, words } from './language.js';
import type { Statement } from './experiments.js';
import type { Quote } from './types.js';

/**
 * Whether the report names the single HAProxy a single point of failure (in any wording, including
 * "the single entry point whose loss takes the service down") and a concrete remedy.
 */

const SPOF = concept('single point of failure', 'spof', 'single point of failure', 'точка отказа', 'точкой отказа', 'узкое место', 'узким местом', 'bottleneck');
const SINGLE_ENTRY = concept('single entry point', 'единая точка входа', 'единственная точка входа', 'единой точкой входа', 'единственный экземпляр', 'единственном экземпляре', 'потеряли точку входа', 'single entry point', 'only entry point', 'single instance');
const BALANCER = concept('haproxy', 'haproxy', 'балансировщик', 'load balancer', 'прокси', 'proxy');
const REMEDY = concept(
  'remedy',
  'keepalived', 'vrrp', 'vip', 'virtual ip', 'виртуальный ip', 'виртуальным ip', 'виртуальный адрес', 'плавающий ip', 'floating ip',
  'kubernetes', 'k8s', 'metallb', 'anycast', 'pacemaker', 'corosync', 'nlb', 'alb', 'elb', 'managed lb', 'cloud load balancer', 'облачный балансировщик',
  'dns', 'target_session_attrs', 'несколько инстансов haproxy', 'несколько экземпляров haproxy', 'несколько haproxy', 'several haproxy', 'multiple haproxy',
);

/**
 * The first sentence that names the SPOF and the first that gives a remedy. Both must be about the
 * balancer: it is named within `window` sentences, or the passage is the HAProxy experiment; a
 * keepalived configuration shown in the report is a remedy by itself.
 */
export function findSpof(statements: Statement[], window: number, keepalived: boolean): { named: Quote | null; remedy: Quote | null } {
  const sentences: Array<{ line: number; text: string; haproxy: boolean }> = [];
  for (const st of statements) {
    const last = sentences[sentences.length - 1];
    if (last && last.line === st.line && last.text === st.sentence) last.haproxy ||= st.fault === 'haproxy';
    else sentences.push({ line: st.line, text: st.sentence, haproxy: st.fault === 'haproxy' });
  }
  let named: Quote | null = null;
  let remedy: Quote | null = null;
  sentences.forEach((s, i) => {
    const sw = words(s.text);
    const about = s.haproxy || sentences.slice(Math.max(0, i - window), i + window + 1).some((x) => BALANCER.in(words(x.text)));
    if (!about) return;
    if (!named && (affirmed(SPOF, sw).length || affirmed(SINGLE_ENTRY, sw).length)) named = { line: s.line, text: s.text };
    if (!remedy && affirmed(REMEDY, sw).length) remedy = { line: s.line, text: s.text };
  });
  if (!remedy && keepalived) remedy = { line: 0, text: 'keepalived with a virtual IP is configured in the report' };
  return { named, remedy };
}

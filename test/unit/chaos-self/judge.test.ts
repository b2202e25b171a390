import { describe, expect, it } from 'vitest';
import { judge, type CaseObservation } from '../../../src/chaos-self/judge.js';

const base: CaseObservation = {
  plan: { index: 1, point: 'fault', attack: 'SIGINT', delayMs: 1000 },
  struck: true,
  phaseAtStrike: 'fault',
  pastUp: true,
  exitCode: 130,
  exitSignal: null,
  stderr: '',
  timedOut: false,
  results: { verdict: 'error', error: 'interrupted by SIGINT' },
  ack: { acknowledged: 120, lost: 0, unexpected: 0 },
  secretsInArgv: [],
  leftoversBefore: [],
  leftoversAfter: [],
  downExitCode: 0,
};
const failing = (o: CaseObservation) => judge(o).filter((c) => !c.ok).map((c) => c.name);

describe('judging one chaos-self case', () => {
  it('passes an interrupted run that healed, tore down, recorded the reason and lost nothing', () => {
    expect(failing(base)).toEqual([]);
  });

  it('fails each broken promise on its own', () => {
    expect(failing({ ...base, exitCode: 2 })).toEqual(['exit']);
    expect(failing({ ...base, leftoversBefore: ['network namespace pdrill11-br'] })).toEqual(['self-teardown']);
    expect(failing({ ...base, leftoversAfter: ['cgroup patroni-drill-11/patroni1 (frozen)'] })).toEqual(['clean-after-down']);
    expect(failing({ ...base, results: 'missing' })).toEqual(['results']);
    expect(failing({ ...base, results: { verdict: 'pass' } })).toEqual(['results']);
    expect(failing({ ...base, ack: { acknowledged: 120, lost: 3, unexpected: 0 } })).toEqual(['acknowledged-writes']);
    expect(failing({ ...base, secretsInArgv: ['etcdctl user add root:****'] })).toEqual(['no-secret-in-argv']);
    expect(failing({ ...base, timedOut: true, exitCode: null, exitSignal: 'SIGKILL' })).toEqual(['bounded', 'exit']);
  });

  it('expects leftovers after SIGKILL but not after down, and the provisional results.json', () => {
    const killed: CaseObservation = {
      ...base,
      plan: { ...base.plan, attack: 'SIGKILL' },
      exitCode: null,
      exitSignal: 'SIGKILL',
      results: { verdict: 'error', error: 'the run did not finish' },
      ack: null,
      leftoversBefore: ['network namespace pdrill11-br'],
    };
    expect(failing(killed)).toEqual([]);
    expect(failing({ ...killed, leftoversAfter: ['folder /var/lib/patroni-drill/local-11'] })).toEqual(['clean-after-down']);
  });

  it('requires three Ctrl-C to exit 130 naming the cleanup command', () => {
    const impatient: CaseObservation = { ...base, plan: { ...base.plan, attack: 'SIGINTx3' }, leftoversBefore: ['link pdrill11-host'] };
    expect(failing(impatient)).toEqual(['exit']);
    expect(failing({ ...impatient, stderr: 'remove them with: PATRONI_DRILL_LAB=11 npm run cluster -- down' })).toEqual([]);
  });

  it('accepts a full disk that left no readable results.json only if the runner said so', () => {
    const full: CaseObservation = { ...base, plan: { ...base.plan, attack: 'disk-full' }, exitCode: 2, results: 'invalid', ack: null };
    expect(failing(full)).toEqual(['results']);
    expect(failing({ ...full, stderr: 'error: ... but its results could not be written to /tmp/x: ENOSPC' })).toEqual([]);
  });

  it('does not ask for results.json from a run stopped during up, and lets an unstruck run finish', () => {
    expect(failing({ ...base, pastUp: false, results: 'missing', ack: null })).toEqual([]);
    expect(failing({ ...base, struck: false, exitCode: 0, results: { verdict: 'pass' } })).toEqual([]);
  });
});

import { clusterView } from './health.js';
import { isLeaderRole, isSyncStandbyRole } from './roles.js';
import type { ClusterAccess, ClusterDriver } from './types.js';

/**
 * A planned switchover through patronictl. patronictl exits 0 when Patroni refuses one (for example
 * "candidate name does not match with sync_standby" in synchronous_mode), so its answer is read:
 * a refusal must fail the step at once, not leave a wait for the new leader to time out.
 */
export async function switchover(driver: Pick<ClusterDriver, 'patronictl'>, leader: string, candidate: string): Promise<void> {
  const out = await driver.patronictl(['switchover', '--leader', leader, '--candidate', candidate, '--force']);
  const refused = /switchover failed, details: (.*)$/im.exec(out);
  if (refused) throw new Error(`Patroni refused the switchover ${leader} → ${candidate}: ${refused[1]!.trim()}`);
}

/**
 * Who a switchover without a named candidate goes to: in synchronous_mode Patroni accepts only the
 * synchronous standby, otherwise any replica will do.
 */
export async function defaultCandidate(access: ClusterAccess, leader: string): Promise<string | undefined> {
  const view = await clusterView(access);
  const replicas = (view?.members ?? []).filter((m) => m.name !== leader && !isLeaderRole(m.role));
  return (replicas.find((m) => isSyncStandbyRole(m.role)) ?? replicas[0])?.name ?? Object.keys(access.patroni).find((n) => n !== leader);
}

/** Whether synchronous_mode refuses a switchover to `candidate`: it is not the synchronous standby. */
export async function syncRefuses(access: ClusterAccess, synchronousMode: boolean, candidate: string): Promise<boolean> {
  if (!synchronousMode) return false;
  const view = await clusterView(access);
  return !(view?.members ?? []).some((m) => m.name === candidate && isSyncStandbyRole(m.role));
}

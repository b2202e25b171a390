/**
 * Which local lab this process drives. Several labs can live on one machine side by side (a second
 * engineer, a test run beside a drill, a CI job): each has its own /24, namespace prefix, cgroup
 * parent and state folder, so one lab's scan-based teardown never touches another's. Lab 7 keeps the
 * original names.
 */
function labNumber(): number {
  const raw = process.env.PATRONI_DRILL_LAB;
  if (raw === undefined || raw === '') return 7;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 250) throw new Error(`PATRONI_DRILL_LAB must be a whole number from 1 to 250, got "${raw}"`);
  return n;
}

const lab = labNumber();
const suffix = lab === 7 ? '' : String(lab);
const net = `10.213.${lab}`;

export const LAB = {
  number: lab,
  /** Prefix of every namespace and root-namespace link of this lab. */
  prefix: `pdrill${suffix}-`,
  subnet: `${net}.0/24`,
  /** The n-th address of the lab's /24. */
  address: (host: number) => `${net}.${host}`,
  /** cgroup v2 parent group of every node of this lab. */
  cgroup: suffix ? `patroni-drill-${suffix}` : 'patroni-drill',
  base: process.env.PATRONI_DRILL_DIR ?? `/var/lib/patroni-drill/local${suffix ? `-${suffix}` : ''}`,
} as const;

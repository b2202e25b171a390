import { describe, expect, it } from 'vitest';
import { buildVersion, PATRONI_PREFIX, resolvePatroniBuild } from '../../../src/cluster/local/patroni-build.js';

// The builds `npm run setup` installs: the system's 4.0.7 and 3.0.2 side by side.
describe('choosing the Patroni build', () => {
  it('runs the system Patroni by default', async () => {
    const b = await resolvePatroniBuild(undefined);
    expect(b.patroni).toBe('/usr/bin/patroni');
    expect(b.env).toEqual({});
    expect(await buildVersion(b)).toMatch(/^4\.0\./);
  });

  it('runs a side-by-side version from its prefix with its own modules first', async () => {
    const b = await resolvePatroniBuild('3.0.2');
    expect(b.patroni).toBe(`${PATRONI_PREFIX}/patroni-3.0.2/usr/bin/patroni`);
    expect(b.patronictl).toBe(`${PATRONI_PREFIX}/patroni-3.0.2/usr/bin/patronictl`);
    expect(b.env.PYTHONPATH).toBe(`${PATRONI_PREFIX}/patroni-3.0.2/usr/lib/python3/dist-packages`);
    expect(await buildVersion(b)).toBe('3.0.2');
  });

  it('takes an executable path, and the system build by its own version', async () => {
    const byPath = await resolvePatroniBuild(`${PATRONI_PREFIX}/patroni-3.0.2/usr/bin/patroni`);
    expect(await buildVersion(byPath)).toBe('3.0.2');
    const system = await resolvePatroniBuild((await buildVersion(await resolvePatroniBuild(undefined)))!);
    expect(system.patroni).toBe('/usr/bin/patroni');
    // Each --version starts Python: seconds on a busy machine.
  }, 60_000);

  it('says how to install a version that is missing, and rejects what is neither version nor path', async () => {
    await expect(resolvePatroniBuild('9.9.9')).rejects.toThrow('npm run setup -- --patroni 9.9.9');
    await expect(resolvePatroniBuild('latest')).rejects.toThrow(/expected a version \(e\.g\. 3\.0\.2\) or the path/);
    await expect(resolvePatroniBuild('/nonexistent/patroni')).rejects.toThrow(/is not an executable/);
  });
});

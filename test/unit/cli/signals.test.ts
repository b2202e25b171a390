import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXTURE = path.resolve('test/fixtures/cli/slow-cleanup.ts');

/** Runs the fixture, sends `signals` 200 ms apart once it is ready, and returns how it ended. */
async function interrupt(signals: NodeJS.Signals[], cleanupMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, CLEANUP_MS: String(cleanupMs), PATRONI_DRILL_LAB: '11' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    const first = !stderr.includes('ready');
    stderr += d.toString();
    if (first && stderr.includes('ready')) signals.forEach((s, i) => setTimeout(() => child.kill(s), 200 * i));
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('signals during a command', () => {
  it('Ctrl-C lets cleanup finish, then exits 130', async () => {
    const r = await interrupt(['SIGINT'], 500);
    expect(r.stderr).toContain('cleaned up');
    expect(r.code).toBe(130);
  });

  it('SIGTERM exits 143 after cleanup', async () => {
    const r = await interrupt(['SIGTERM'], 500);
    expect(r.stderr).toContain('cleaned up');
    expect(r.code).toBe(143);
  });

  it('a second Ctrl-C says cleanup is still running; it still finishes', async () => {
    const r = await interrupt(['SIGINT', 'SIGINT'], 1000);
    expect(r.stderr).toMatch(/still cleaning up/);
    expect(r.stderr).toContain('cleaned up');
    expect(r.code).toBe(130);
  });

  it('a third Ctrl-C exits at once, naming what may be left and the command that removes it', async () => {
    const r = await interrupt(['SIGINT', 'SIGINT', 'SIGINT'], 30_000);
    expect(r.stderr).not.toContain('cleaned up');
    expect(r.stderr).toMatch(/exiting before cleanup finished/);
    expect(r.stderr).toContain('pdrill11-');
    expect(r.stderr).toContain('PATRONI_DRILL_LAB=11 npm run cluster -- down');
    expect(r.code).toBe(130);
  });
});

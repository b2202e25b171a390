import { createHash } from 'node:crypto';
import ssh2, { type ClientChannel, type ConnectConfig } from 'ssh2';

const { Client } = ssh2;
type Client = InstanceType<typeof Client>;
import type { SshTarget } from './inventory.js';

export interface RemoteResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** As the SSH user even when the inventory says sudo (sudo would drop $SSH_CONNECTION). */
  asLoginUser?: boolean;
}

const KEEPALIVE_INTERVAL_MS = 2000;
const KEEPALIVE_COUNT = 5;

/** `'…'` quoting for a POSIX shell. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One persistent SSH connection to one host (ssh2), opened on first use. Commands run in `sh -c`,
 * under `sudo -n` when the inventory says so, each with a deadline: a host that does not answer in
 * time fails the command instead of hanging the drill.
 */
export class HostConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  /** The host key's fingerprint as seen at connection time ("SHA256:…"). */
  fingerprint: string | null = null;

  /**
   * onLost hears of an established connection that ended without close(): the keepalive got no
   * answer for KEEPALIVE_MS (a frozen or unplugged host) or the host dropped it (a reboot).
   */
  constructor(
    readonly name: string,
    private readonly target: SshTarget,
    private readonly onLost?: (reason: string) => void,
  ) {}

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= new Promise<Client>((resolve, reject) => {
      const c = new Client();
      const t = this.target;
      let mismatch: string | null = null;
      const cfg: ConnectConfig = {
        host: t.address,
        port: t.port,
        username: t.user,
        readyTimeout: t.connectTimeoutMs,
        // A host that stops answering (isolated by someone else, powered off) is noticed in seconds.
        keepaliveInterval: KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT,
        hostVerifier: (key: Buffer) => {
          this.fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
          if (t.hostKey && t.hostKey.replace(/=+$/, '') !== this.fingerprint) {
            mismatch = `host key ${this.fingerprint} is not the inventory's ${t.hostKey}`;
            return false;
          }
          return true;
        },
        ...(t.privateKey ? { privateKey: t.privateKey } : {}),
        ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
        ...(t.agent ? { agent: t.agent } : {}),
      };
      let ready = false;
      let lostReason: string | null = null;
      c.once('ready', () => {
        ready = true;
        // Small command packets go out at once, not after Nagle's wait for the previous one's ACK.
        c.setNoDelay(true);
        this.client = c;
        this.connecting = null;
        resolve(c);
      });
      // Every error, also after 'ready' (a keepalive timeout): an unheard 'error' event would end the process.
      c.on('error', (err: Error & { level?: string }) => {
        if (!ready) {
          this.connecting = null;
          reject(new Error(`ssh ${this.name} (${t.user}@${t.address}:${t.port}): ${mismatch ?? err.message}`));
          return;
        }
        lostReason ??=
          err.level === 'client-timeout' ? `no answer to SSH keepalives for ${KEEPALIVE_INTERVAL_MS * KEEPALIVE_COUNT} ms` : `SSH connection error: ${err.message}`;
      });
      c.on('close', () => {
        // close() forgets its client first: only a connection still current when it ends was lost.
        if (this.client !== c) return;
        this.client = null;
        this.shell = null;
        if (ready) this.onLost?.(`ssh ${this.name} (${t.user}@${t.address}:${t.port}): ${lostReason ?? 'the host closed the SSH connection'}`);
      });
      c.connect(cfg);
    });
    return this.connecting;
  }

  /** Runs a shell command; rejects when the host does not answer within timeoutMs. */
  async run(command: string, opts: RunOptions = {}): Promise<RemoteResult> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    const client = await withDeadline(this.connect(), timeoutMs, () => `ssh ${this.name}: no connection within ${timeoutMs} ms`);
    const full = this.target.sudo && !opts.asLoginUser ? `sudo -n sh -c ${shq(command)}` : command;
    return withDeadline(
      new Promise<RemoteResult>((resolve, reject) => {
        client.exec(full, (err, stream) => {
          if (err) return reject(new Error(`ssh ${this.name}: ${err.message}`));
          let stdout = '';
          let stderr = '';
          stream.on('data', (d: Buffer) => (stdout += d.toString()));
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('close', (code: number | null) => resolve({ code: code ?? 255, stdout, stderr }));
          if (opts.input !== undefined) stream.end(opts.input);
          else stream.end();
        });
      }),
      Math.max(1, deadline - Date.now()),
      () => `ssh ${this.name}: \`${short(command)}\` did not finish within ${timeoutMs} ms`,
    );
  }

  /** Like run, but a non-zero exit is an error that quotes the host's stderr. */
  async check(command: string, opts: RunOptions = {}): Promise<string> {
    const r = await this.run(command, opts);
    if (r.code !== 0) {
      const shown = command.length > 120 ? `${command.slice(0, 117)}...` : command;
      throw new Error(`${this.name}: \`${shown}\` exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
    }
    return r.stdout;
  }

  /**
   * Runs a command in the host's one long-lived shell (opened on first use, commands one at a time):
   * no channel to open and no sshd child to fork, so a fault starts within milliseconds of the call.
   * Output is stdout and stderr together.
   */
  async quick(command: string, timeoutMs = 15_000): Promise<RemoteResult> {
    const run = this.queue.then(async () => {
      const shell = await withDeadline(this.openShell(), timeoutMs, () => `ssh ${this.name}: no shell within ${timeoutMs} ms`);
      const marker = `__pdrill_done_${++this.serial}_`;
      return withDeadline(
        new Promise<RemoteResult>((resolve, reject) => {
          let out = '';
          // Both listeners go when the command ends: the shell outlives thousands of commands.
          const onClose = () => {
            shell.off('data', onData);
            reject(new Error(`ssh ${this.name}: the connection ended during \`${short(command)}\``));
          };
          const onData = (d: Buffer) => {
            out += d.toString();
            const at = out.indexOf(marker);
            if (at < 0 || !out.slice(at).includes('\n')) return;
            shell.off('data', onData);
            shell.off('close', onClose);
            const code = Number.parseInt(out.slice(at + marker.length), 10);
            resolve({ code: Number.isFinite(code) ? code : 255, stdout: out.slice(0, at), stderr: '' });
          };
          shell.on('data', onData);
          shell.once('close', onClose);
          shell.write(`{ ${command}\n} </dev/null 2>&1; echo "${marker}$?"\n`);
        }),
        timeoutMs,
        () => `ssh ${this.name}: \`${short(command)}\` did not finish within ${timeoutMs} ms`,
      ).catch((err: Error) => {
        // A command that hangs leaves the shell busy: the next one gets a fresh shell.
        this.shell?.close();
        this.shell = null;
        throw err;
      });
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private shell: ClientChannel | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private serial = 0;

  private async openShell(): Promise<ClientChannel> {
    if (this.shell) return this.shell;
    const client = await this.connect();
    const cmd = this.target.sudo ? 'sudo -n sh' : 'sh';
    this.shell = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(cmd, (err, stream) => (err ? reject(new Error(`ssh ${this.name}: ${err.message}`)) : resolve(stream))),
    );
    const s = this.shell;
    s.on('close', () => {
      if (this.shell === s) this.shell = null;
    });
    return s;
  }

  close(): void {
    this.shell?.close();
    this.shell = null;
    const c = this.client;
    this.client = null;
    c?.end();
  }
}

/** A command as an error quotes it: the first 80 characters. */
export const short = (command: string) => (command.length > 80 ? `${command.slice(0, 77)}...` : command);

function withDeadline<T>(p: Promise<T>, ms: number, why: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(why())), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

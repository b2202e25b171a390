/**
 * The Docker engine through dockerode, with the engine's answers that mean "already so" (304 for a
 * stopped container, 409 for a paused or stopped one, 500 for a disconnected one) turned into
 * success, so that inject and heal are idempotent, and an absent engine into one clear sentence.
 */
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { sleep } from '../../util/time.js';
import type { InspectLike, TopLike } from './inspect.js';

interface EngineError extends Error {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
}

const engineMessage = (err: unknown): string => {
  const e = err as EngineError;
  return e.json?.message ?? e.message;
};

/** Where dockerode connects, as a user would name it. */
function endpointName(): string {
  return process.env.DOCKER_HOST ?? '/var/run/docker.sock';
}

/**
 * A dockerode client for the local engine (or DOCKER_HOST), checked with a ping. Unversioned on
 * purpose: Debian's engine speaks API 1.41, and pinning a newer version gets HTTP 400 from it.
 */
export async function connectEngine(): Promise<Docker> {
  const docker = new Docker();
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
    });
    await Promise.race([docker.ping(), timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    const e = err as EngineError;
    const where = endpointName();
    const hint =
      'install Docker (Debian: `apt-get install docker.io docker-compose`) and start dockerd, or run `sudo bash scripts/docker-prepare.sh`, which does both';
    if (e.code === 'ENOENT') throw new Error(`no Docker engine: ${where} does not exist; ${hint}`);
    if (e.code === 'EACCES') throw new Error(`no permission to use the Docker engine at ${where}: run as root or as a member of the docker group`);
    if (e.code === 'ECONNREFUSED') throw new Error(`the Docker engine at ${where} refuses connections (is dockerd running?); ${hint}`);
    throw new Error(`the Docker engine at ${where} does not answer (${engineMessage(err)}); ${hint}`);
  }
  return docker;
}

/** Runs an engine call; an error whose status says the container is already in the wanted state is success. */
async function tolerate(call: () => Promise<unknown>, already: (status: number, message: string) => boolean): Promise<void> {
  try {
    await call();
  } catch (err) {
    const e = err as EngineError;
    if (e.statusCode !== undefined && already(e.statusCode, engineMessage(err))) return;
    throw new Error(engineMessage(err));
  }
}

export async function inspect(docker: Docker, id: string): Promise<Docker.ContainerInspectInfo & InspectLike> {
  return docker.getContainer(id).inspect();
}

export async function top(docker: Docker, id: string): Promise<TopLike | undefined> {
  return (docker.getContainer(id).top() as Promise<TopLike>).catch(() => undefined);
}

export const startContainer = (docker: Docker, id: string) => tolerate(() => docker.getContainer(id).start(), (s) => s === 304);

/** Graceful stop: SIGTERM, then SIGKILL after `seconds`, as `docker stop -t` does. */
export const stopContainer = (docker: Docker, id: string, seconds: number) =>
  tolerate(() => docker.getContainer(id).stop({ t: seconds }), (s) => s === 304);

export const killContainer = (docker: Docker, id: string) =>
  tolerate(() => docker.getContainer(id).kill({ signal: 'SIGKILL' }), (s, m) => s === 409 && /is not running/i.test(m));

// Engine 20.10 answers 409 to pausing a paused container but 500 to unpausing a running one.
export const pauseContainer = (docker: Docker, id: string) =>
  tolerate(() => docker.getContainer(id).pause(), (_, m) => /already paused/i.test(m));

export const unpauseContainer = (docker: Docker, id: string) =>
  tolerate(() => docker.getContainer(id).unpause(), (_, m) => /is not paused/i.test(m));

async function connectedTo(docker: Docker, id: string, network: string): Promise<boolean> {
  const info = await inspect(docker, id);
  return Object.keys(info.NetworkSettings.Networks ?? {}).includes(network);
}

/** Pulls the container's cable. Disconnecting twice makes the engine answer 500, so look first. */
export async function disconnect(docker: Docker, id: string, network: string): Promise<void> {
  if (!(await connectedTo(docker, id, network))) return;
  await tolerate(() => docker.getNetwork(network).disconnect({ Container: id, Force: true }), (_, m) => /is not connected/i.test(m));
}

/**
 * Plugs the cable back. The engine forgets the endpoint's aliases (compose's service names, which
 * the other nodes resolve) and its address unless they are given again.
 */
export async function reconnect(docker: Docker, id: string, network: string, aliases: string[], ip: string | null): Promise<void> {
  if (await connectedTo(docker, id, network)) return;
  const EndpointConfig = { Aliases: aliases, ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) };
  await tolerate(() => docker.getNetwork(network).connect({ Container: id, EndpointConfig }), (_, m) => /already exists|already attached/i.test(m));
}

/** A shell script as an exec command, with its arguments as $1, $2... */
export const sh = (script: string, ...args: string[]) => ['sh', '-c', script, 'sh', ...args];

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  user?: string;
  env?: string[];
  workdir?: string;
  timeoutMs?: number;
}

/**
 * Runs a command in a container and collects its output. A command still running at the timeout is
 * left to itself (the engine keeps an exec running after its client goes), so callers that may block
 * wrap their command in `timeout`.
 */
export async function execIn(docker: Docker, id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const exec = await docker.getContainer(id).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...(opts.user ? { User: opts.user } : {}),
    ...(opts.env ? { Env: opts.env } : {}),
    ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (b: Buffer) => out.push(b));
  const stderr = new PassThrough().on('data', (b: Buffer) => err.push(b));
  docker.modem.demuxStream(stream, stdout, stderr);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.removeAllListeners('end');
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(new Error(`\`${cmd.join(' ')}\` in ${id.slice(0, 12)} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  // The engine can close the stream before it records the exit: inspected at once, the exec may
  // still say Running, or give no ExitCode.
  let info = await exec.inspect();
  for (const until = Date.now() + 5000; (info.Running || info.ExitCode == null) && Date.now() < until; ) {
    await sleep(20);
    info = await exec.inspect();
  }
  return { exitCode: info.ExitCode ?? null, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Starts a command in a container and leaves it running there, detached from this process. */
export async function spawnIn(docker: Docker, id: string, cmd: string[], opts: Omit<ExecOptions, 'timeoutMs'> = {}): Promise<void> {
  const exec = await docker.getContainer(id).exec({
    Cmd: cmd,
    AttachStdout: false,
    AttachStderr: false,
    ...(opts.user ? { User: opts.user } : {}),
    ...(opts.env ? { Env: opts.env } : {}),
    ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
  });
  await exec.start({ Detach: true });
}

/** Every container, network and volume labelled as the compose project's, removed whatever their state. */
export async function removeProject(docker: Docker, project: string, opts: { volumes: boolean }): Promise<void> {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) => tolerate(() => docker.getContainer(c.Id).remove({ force: true, v: true }), (s) => s === 404)),
  );
  for (const n of await docker.listNetworks({ filters })) {
    await tolerate(() => docker.getNetwork(n.Id).remove(), (s) => s === 404);
  }
  if (opts.volumes) {
    const { Volumes } = await docker.listVolumes({ filters });
    for (const v of Volumes ?? []) await tolerate(() => docker.getVolume(v.Name).remove({ force: true }), (s) => s === 404);
  }
}

export async function projectContainers(docker: Docker, project: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
  return list.map((c) => c.Id);
}

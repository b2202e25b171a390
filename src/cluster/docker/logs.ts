import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';

/** Docker's log stream without a TTY: 8-byte frames (stream, 0, 0, 0, length) before each chunk. */
function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * `docker logs --timestamps --since --until` of each node's container into
 * `<outDir>/logs/<node>.<kind>.log`; Docker's RFC 3339 prefix stamps even lines that have none.
 */
export async function collectDockerLogs(
  docker: Docker,
  nodes: ReadonlyArray<{ name: string; kind: string; container: string }>,
  outDir: string,
  span: { from: Date; to: Date },
): Promise<string[]> {
  const dir = path.join(outDir, 'logs');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const n of nodes) {
    const raw = (await docker.getContainer(n.container).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      since: Math.floor(span.from.getTime() / 1000),
      until: Math.ceil(span.to.getTime() / 1000),
    })) as unknown as Buffer;
    const out = path.join(dir, `${n.name}.${n.kind}.log`);
    // A container started with a TTY sends plain text; without one, multiplexed frames.
    await writeFile(out, raw.length >= 8 && raw[0]! <= 2 && raw[1] === 0 ? demux(raw) : raw.toString('utf8'));
    written.push(out);
  }
  return written;
}

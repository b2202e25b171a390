import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';

/** The image the Dockerfile starts from: pulled where Docker Hub answers, built by scripts/docker-prepare.sh where not. */
export const BASE_IMAGE = 'debian:bookworm-slim';
export const IMAGE_REPOSITORY = 'patroni-drill';

/** The build context: the files beside the Dockerfile, not its subfolders (the test bed's image lives in one). */
async function contextFiles(contextDir: string): Promise<string[]> {
  return (await readdir(contextDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** The tag is a hash of the build context, so an edited Dockerfile or entrypoint means a new image, never a stale one. */
export async function imageTag(contextDir: string): Promise<string> {
  const files = await contextFiles(contextDir);
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f).update('\0').update(await readFile(path.join(contextDir, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

async function exists(docker: Docker, name: string): Promise<boolean> {
  return docker
    .getImage(name)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reuses the project's image when one with this context's tag exists, otherwise builds it. Returns
 * the tag and whether it was built.
 */
export async function ensureImage(docker: Docker, contextDir: string, progress: (m: string) => void): Promise<{ tag: string; built: boolean }> {
  const tag = await imageTag(contextDir);
  const name = `${IMAGE_REPOSITORY}:${tag}`;
  if (await exists(docker, name)) return { tag, built: false };
  progress(`building the image ${name} from ${path.relative(process.cwd(), contextDir) || contextDir}/Dockerfile`);
  const stream = await docker.buildImage({ context: contextDir, src: await contextFiles(contextDir) }, { t: name, buildargs: { BASE_IMAGE }, rm: true, forcerm: true });
  const tail: string[] = [];
  const events = await new Promise<BuildEvent[]>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null, res: BuildEvent[]) => (err ? reject(err) : resolve(res)),
      (e: BuildEvent) => {
        const line = e.stream?.trim();
        if (!line) return;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (/^Step \d+\/\d+/.test(line)) progress(`  ${line.slice(0, 120)}`);
      },
    ),
  );
  const failure = events.find((e) => e.error || e.errorDetail);
  if (failure) {
    const why = failure.errorDetail?.message ?? failure.error ?? 'unknown error';
    const hint = (await exists(docker, BASE_IMAGE))
      ? ''
      : `\nthe base image ${BASE_IMAGE} is not here and could not be pulled (no Docker Hub?): \`sudo bash scripts/docker-prepare.sh\` builds it from Debian's mirror`;
    throw new Error(`building ${name} failed: ${why}\n${tail.slice(-8).join('\n')}${hint}`);
  }
  await removeOtherTags(docker, tag);
  return { tag, built: true };
}

/** Images of earlier build contexts would pile up with every edit of docker/: the ones no container uses go. */
async function removeOtherTags(docker: Docker, keep: string): Promise<void> {
  const images = await docker.listImages({ filters: { reference: [IMAGE_REPOSITORY] } });
  for (const image of images) {
    if (image.RepoTags?.includes(`${IMAGE_REPOSITORY}:${keep}`)) continue;
    await docker.getImage(image.Id).remove().catch(() => {});
  }
}

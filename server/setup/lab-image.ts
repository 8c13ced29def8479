import fs from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "../config.ts";
import { dockerClient } from "./docker.ts";
import { ensureBase, followOrFail, imageId, spawnTar } from "./images.ts";
import { ensureRuntime, RUNTIME_NAMES } from "./runtime.ts";
import { ensureWebBuilt, SetupError } from "./system.ts";

/** What compose.yaml runs (`image:`), so `docker compose up --no-build` takes this build. */
export const LAB_IMAGE = "backlab/lab:latest";

/** Never in the image: the repository's history and what a checkout makes at run time. */
// .dockerignore is for docker/Dockerfile's registry build: it would drop node_modules here.
const LEFT_OUT = new Set([".git", "node_modules", ".cache", "data", "test-results", ".ci", ".dockerignore"]);

/**
 * Builds the lab's own image offline (docker/Dockerfile.offline) FROM the same base as the
 * sandbox images: the checkout as it is, its installed node_modules (this host's native
 * builds: the base is the same Debian), the built web app and the installed runtimes, streamed
 * to the engine as one tar — no registry, no npm, no apt during the build. Returns the tag.
 */
export async function buildLabImage(opts: { runtimesRoot: string; log: (m: string) => void }): Promise<string> {
  const { log } = opts;
  const base = await ensureBase(log);
  ensureWebBuilt(log);
  const modules = fs.realpathSync(path.join(ROOT_DIR, "node_modules"));
  if (!fs.existsSync(path.join(modules, "express")))
    throw new SetupError("node_modules is not installed here: run `npm ci` first");
  const args = ["-c", "--numeric-owner", "--exclude=*.log", "-C", ROOT_DIR];
  args.push(...fs.readdirSync(ROOT_DIR).filter((f) => !LEFT_OUT.has(f)));
  args.push("-C", path.dirname(modules), path.basename(modules));
  for (const runtime of RUNTIME_NAMES) {
    const dir = fs.realpathSync(ensureRuntime(opts.runtimesRoot, runtime, log));
    const name = path.basename(dir);
    // Into runtimes/<name>/ (RUNTIME_DIR=/opt/backlab/runtimes); symlink targets stay as they are.
    args.push(`--transform=s,^${name},runtimes/${name},S`, "-C", path.dirname(dir), name);
  }
  if (path.basename(modules) !== "node_modules") args.push(`--transform=s,^${path.basename(modules)},node_modules,S`);
  const docker = dockerClient();
  log(`building the lab's image ${LAB_IMAGE} (FROM ${base.ref}, offline)…`);
  await spawnTar(args).use(async (context) => {
    const stream = await docker.buildImage(context, {
      t: LAB_IMAGE,
      dockerfile: "docker/Dockerfile.offline",
      buildargs: { BASE: base.ref },
      labels: { "backlab.image": "lab", "backlab.base": base.ref },
      rm: true,
      forcerm: true,
    });
    await followOrFail(stream, `docker build of ${LAB_IMAGE}`, log);
  });
  if (!(await imageId(docker, LAB_IMAGE)))
    throw new SetupError(`docker build of ${LAB_IMAGE} reported success but the image is missing`);
  return LAB_IMAGE;
}

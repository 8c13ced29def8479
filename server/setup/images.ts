import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { dockerClient } from "./docker.ts";
import { ensureRuntime, RUNTIME_NAMES, RUNTIME_RECIPE, runtimeSource } from "./runtime.ts";
import { ensurePackage, SetupError } from "./system.ts";

/** The base registry users get (docker/runtime/node/Dockerfile's default BASE). */
export const REGISTRY_BASE = "node:20-bookworm-slim";

/*
 * The air-gapped path. Without a registry there is no node:20 image to build FROM, so the
 * lab makes its own base from what the host already has:
 *   debootstrap --variant=minbase bookworm DIR http://deb.debian.org/debian   (Debian mirror, ~45 s)
 *   + the host's own Node 20 binary at DIR/usr/local/bin/node  (it links only glibc and
 *     libstdc++, both in minbase)
 *   tar -C DIR -c . | docker import - backlab/base-offline:<hash>
 * The hash covers the suite, the node binary's sha256 and OFFLINE_RECIPE: bump the recipe
 * string when this procedure changes. A host that can reach Debian's mirror (or has
 * debootstrap and a local mirror) can thus run the Docker driver without any registry.
 */
const OFFLINE_REPO = "backlab/base-offline";
const OFFLINE_RECIPE = "backlab-base-offline/1";
const SUITE = "bookworm";
const MIRROR = "http://deb.debian.org/debian";

type Base = { ref: string; id: string };
type Options = { runtimesRoot: string; log: (m: string) => void; base?: string };
/** Serialises builds between processes on this host (a lab and a test run, say). */
const BUILD_LOCK = path.join(os.tmpdir(), "backlab-images.lock");

/**
 * Makes sure every runtime's sandbox image exists and returns runtime name → image tag
 * (e.g. node20 → backlab/runtime-node20:<hash>). Tags are content hashes, so when nothing
 * changed this is a few `image inspect` calls. `base` picks the Dockerfile's BASE (pulled
 * if not local); by default node:20-bookworm-slim when present locally, else the offline
 * base built above. Builds happen under a host-wide lock; a second caller waits.
 */
export async function ensureImages(opts: Options): Promise<Record<string, string>> {
  const docker = dockerClient();
  const ready = await images(docker, opts, false);
  if (ready) return ready;
  return withBuildLock(opts.log, async () => (await images(docker, opts, true)) ?? {});
}

/** The tags of every runtime's image; with `build` false, null as soon as one is missing. */
async function images(docker: Docker, opts: Options, build: boolean): Promise<Record<string, string> | null> {
  const base = await resolveBase(docker, opts.base, build ? opts.log : null);
  if (!base) return null;
  const tags: Record<string, string> = {};
  for (const runtime of RUNTIME_NAMES) {
    const src = runtimeSource(runtime);
    // The recipe stands for what ensureRuntime adds to node_modules besides the lock's packages.
    const h = crypto.createHash("sha256").update(base.id).update(`\0${RUNTIME_RECIPE}`);
    for (const f of ["Dockerfile", "package.json", "package-lock.json"])
      h.update(`\0${f}\0`).update(fs.readFileSync(path.join(src, f)));
    const tag = `backlab/runtime-${runtime}:${h.digest("hex").slice(0, 12)}`;
    if (!(await imageId(docker, tag))) {
      if (!build) return null;
      await buildRuntimeImage(docker, runtime, tag, base, opts);
    }
    tags[runtime] = tag;
  }
  return tags;
}

async function buildRuntimeImage(
  docker: Docker,
  runtime: string,
  tag: string,
  base: Base,
  opts: Options,
): Promise<void> {
  const installed = ensureRuntime(opts.runtimesRoot, runtime, opts.log);
  opts.log(`building the ${runtime} sandbox image ${tag} (FROM ${base.ref})…`);
  // The context is just the Dockerfile and the installed node_modules: tar streams both
  // from where they are, nothing is copied first.
  const tar = spawnTar(["-c", "-C", runtimeSource(runtime), "Dockerfile", "-C", installed, "node_modules"]);
  await tar.use(async (context) => {
    const stream = await docker.buildImage(context, {
      t: tag,
      buildargs: { BASE: base.ref },
      labels: { "backlab.image": `runtime-${runtime}`, "backlab.base": base.ref },
      rm: true,
      forcerm: true,
    });
    await followOrFail(stream, `docker build of ${tag}`, opts.log);
  });
  if (!(await imageId(docker, tag)))
    throw new SetupError(`docker build of ${tag} reported success but the image is missing`);
}

/**
 * The base image every image of this host builds FROM (the sandboxes' and the lab's own):
 * node:20-bookworm-slim when it is here, else the offline debootstrap base, built if missing.
 */
export async function ensureBase(log: (m: string) => void): Promise<{ ref: string; id: string }> {
  const docker = dockerClient();
  const ready = await resolveBase(docker, undefined, null);
  if (ready) return ready;
  return withBuildLock(log, async () => (await resolveBase(docker, undefined, log))!);
}

export { followOrFail, imageId, spawnTar };

/** The base to build FROM. With `log` null nothing is pulled or built: null when it is missing. */
async function resolveBase(
  docker: Docker,
  wanted: string | undefined,
  log: ((m: string) => void) | null,
): Promise<Base | null> {
  if (wanted) {
    let id = await imageId(docker, wanted);
    if (!id) {
      if (!log) return null;
      log(`pulling ${wanted}…`);
      try {
        await followOrFail(await docker.pull(wanted), `docker pull ${wanted}`, log);
      } catch (err) {
        throw new SetupError(
          `base image ${wanted} is not here and could not be pulled (${err instanceof Error ? err.message : String(err)}); leave the base unset to build one offline`,
        );
      }
      id = await imageId(docker, wanted);
      if (!id) throw new SetupError(`base image ${wanted} is still missing after a pull`);
    }
    return { ref: wanted, id };
  }
  const registryId = await imageId(docker, REGISTRY_BASE);
  if (registryId) return { ref: REGISTRY_BASE, id: registryId };

  const hash = crypto
    .createHash("sha256")
    .update(`${OFFLINE_RECIPE}\0${SUITE}\0${nodeSha256()}`)
    .digest("hex")
    .slice(0, 12);
  const ref = `${OFFLINE_REPO}:${hash}`;
  const id = (await imageId(docker, ref)) ?? (log ? await buildOfflineBase(docker, ref, log) : null);
  return id ? { ref, id } : null;
}

async function withBuildLock<T>(log: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (buildLockIsStale()) {
      fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      continue;
    }
    if (!said) log(`waiting for another process to finish building the sandbox images (${BUILD_LOCK})…`);
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    fs.writeFileSync(path.join(BUILD_LOCK, "pid"), String(process.pid));
    return await fn();
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** A lock whose owner is gone (or that is an hour old) is stale. */
function buildLockIsStale(): boolean {
  let age: number;
  try {
    age = Date.now() - fs.statSync(BUILD_LOCK).mtimeMs;
  } catch {
    return false; // just released: try to take it again
  }
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(BUILD_LOCK, "pid"), "utf8"));
  } catch {}
  if (!pid) return age > 10_000;
  try {
    process.kill(pid, 0);
    return age > 3_600_000;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

async function buildOfflineBase(docker: Docker, ref: string, log: (m: string) => void): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new SetupError(
      `no ${REGISTRY_BASE} image here, and building the offline base (${ref}) needs root for debootstrap: run setup as root, or name a base image your registry has`,
    );
  }
  if (Number(process.versions.node.split(".")[0]) !== 20)
    log(`warning: the offline base gets this host's Node ${process.version}, not Node 20`);
  ensurePackage("debootstrap", "debootstrap", log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-base-"));
  try {
    log(`building the offline base image ${ref}: debootstrap ${SUITE} from ${MIRROR} (about a minute, once)…`);
    await run("debootstrap", ["--variant=minbase", SUITE, dir, MIRROR], log);
    const node = path.join(dir, "usr", "local", "bin", "node");
    fs.mkdirSync(path.dirname(node), { recursive: true });
    fs.copyFileSync(process.execPath, node);
    fs.chmodSync(node, 0o755);
    const [repo, tag] = ref.split(":") as [string, string];
    const tar = spawnTar([
      "-C",
      dir,
      "-c",
      "--numeric-owner",
      "--exclude=./var/cache/apt/archives/*.deb",
      "--exclude=./var/lib/apt/lists/*",
      ".",
    ]);
    await tar.use(async (rootfs) => {
      const stream = await docker.importImage(rootfs, {
        repo,
        tag,
        message: `debootstrap --variant=minbase ${SUITE} + node ${process.version}`,
        changes: [
          "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "ENV LANG=C.UTF-8",
          "LABEL backlab.image=base-offline",
          'CMD ["bash"]',
        ],
      });
      await followOrFail(stream, `docker import of ${ref}`, log);
    });
  } finally {
    removeRootfs(dir);
  }
  const id = await imageId(docker, ref);
  if (!id) throw new SetupError(`docker import of ${ref} reported success but the image is missing`);
  return id;
}

/** The image's ID, or null when there is no such image. */
async function imageId(docker: Docker, ref: string): Promise<string | null> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

let nodeHash: { key: string; sha: string } | undefined;

function nodeSha256(): string {
  const st = fs.statSync(process.execPath);
  const key = `${process.execPath}:${st.size}:${st.mtimeMs}`;
  if (nodeHash?.key !== key)
    nodeHash = { key, sha: crypto.createHash("sha256").update(fs.readFileSync(process.execPath)).digest("hex") };
  return nodeHash.sha;
}

/** Reads a Docker JSON-lines progress stream; throws with its last lines logged on an error. */
async function followOrFail(stream: NodeJS.ReadableStream, what: string, log: (m: string) => void): Promise<void> {
  const lines: string[] = [];
  let error: string | undefined;
  let buf = "";
  const take = (line: string) => {
    if (!line.trim()) return;
    try {
      const msg = JSON.parse(line) as {
        stream?: string;
        status?: string;
        error?: string;
        errorDetail?: { message?: string };
      };
      if (msg.error || msg.errorDetail) error = msg.errorDetail?.message ?? msg.error;
      const text = msg.stream ?? msg.status ?? msg.error;
      if (text) lines.push(...text.trimEnd().split("\n"));
    } catch {
      lines.push(line);
    }
  };
  for await (const chunk of stream) {
    buf += chunk.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      take(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  }
  take(buf);
  if (error) {
    for (const l of lines.slice(-30)) log(`  ${l}`);
    throw new SetupError(`${what} failed: ${error.trim()}`);
  }
}

/** Runs `tar` and hands its output to `consume`; fails if either fails, never leaves tar behind. */
function spawnTar(args: string[]): { use: (consume: (tar: NodeJS.ReadableStream) => Promise<void>) => Promise<void> } {
  const child = spawn("tar", args, { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new SetupError(`tar ${args.join(" ")} failed: ${err.trim() || `code ${code}`}`)),
    );
  });
  done.catch(() => {}); // awaited in use(); never an unhandled rejection
  return {
    use: async (consume) => {
      try {
        await consume(child.stdout);
      } catch (e) {
        child.kill();
        throw e;
      }
      await done;
    },
  };
}

function run(cmd: string, args: string[], log: (m: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve();
      for (const l of out.trimEnd().split("\n").slice(-30)) log(`  ${l}`);
      reject(new SetupError(`${cmd} failed (code ${code})`));
    });
  });
}

/**
 * Removes a debootstrap'd tree. A killed debootstrap can leave /proc (or, in some
 * containers, bind mounts of the host's /dev) mounted inside it: unmount those first, and
 * never cross into another filesystem while deleting.
 */
function removeRootfs(dir: string): void {
  const mounts = fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => (l.split(" ")[4] ?? "").replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  spawnSync("rm", ["-rf", "--one-file-system", dir], { stdio: "ignore" });
}

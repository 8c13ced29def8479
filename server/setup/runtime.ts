import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "../config.ts";

/** Runtimes the sandboxes know, each a package.json + lock under docker/runtime/. */
const RUNTIMES: Record<string, string> = { node20: path.join(ROOT_DIR, "docker", "runtime", "node") };

export function runtimeSource(runtime: string): string {
  const src = RUNTIMES[runtime];
  if (!src) throw new Error(`unknown runtime "${runtime}"`);
  return src;
}

/**
 * What ensureRuntime adds besides `npm ci` (today: the PGlite template below). Bump it when
 * that changes: runtime folders and Docker image tags hash it, so both are rebuilt.
 */
export const RUNTIME_RECIPE = "backlab-runtime/2 pglite-template/1";

/**
 * An empty PostgreSQL cluster made by PGlite's initdb, cleanly shut down, as
 * `PGlite.create({ loadDataDir })` reads it. Sandboxes see it at
 * /node_modules/.backlab/pglite-empty.tar.gz; booting from it takes a fraction of a fresh
 * initdb (seconds of CPU and the bulk of a service's start in the database exercises).
 */
export const PGLITE_TEMPLATE = path.join(".backlab", "pglite-empty.tar.gz");

/** The install folder for a runtime: named by the hash of its lock file and the recipe, so a change reinstalls. */
export function runtimeDir(runtimesRoot: string, runtime: string): string {
  const src = runtimeSource(runtime);
  const hash = crypto.createHash("sha256").update(RUNTIME_RECIPE);
  for (const f of ["package.json", "package-lock.json"]) hash.update(fs.readFileSync(path.join(src, f)));
  return path.join(runtimesRoot, `${runtime}-${hash.digest("hex").slice(0, 12)}`);
}

/**
 * Installs a runtime's packages once (npm ci) into a folder every sandbox mounts read-only
 * at /node_modules. Learners need no network; a second call is a stat.
 */
export function ensureRuntime(runtimesRoot: string, runtime: string, log: (msg: string) => void = () => {}): string {
  const dir = runtimeDir(runtimesRoot, runtime);
  if (fs.existsSync(path.join(dir, ".ready"))) return dir;
  const src = runtimeSource(runtime);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(src, f), path.join(tmp, f));
  log(`installing the ${runtime} sandbox runtime into ${dir} (once)…`);
  execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: tmp,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (fs.existsSync(path.join(tmp, "node_modules", "@electric-sql", "pglite"))) {
    log(`preparing an empty PGlite database for the ${runtime} runtime (once)…`);
    makePgliteTemplate(tmp);
  }
  execFileSync("chmod", ["-R", "a+rX,go-w", tmp]);
  fs.writeFileSync(path.join(tmp, ".ready"), new Date().toISOString());
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another process installed it meanwhile: keep theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, ".ready"))) throw err;
  }
  return dir;
}

/*
 * Runs in the fresh install with its own PGlite, so the template always matches the version
 * that loads it. An explicit MemoryFS stays readable after close(): dumping it then gives a
 * cluster that was shut down cleanly (a dump of an open database needs crash recovery at
 * every boot).
 */
const PGLITE_TEMPLATE_SCRIPT = `
import fs from "node:fs";
import path from "node:path";
import { MemoryFS, PGlite } from "@electric-sql/pglite";
const out = process.argv[1];
const memory = new MemoryFS();
const pg = await PGlite.create({ fs: memory });
await pg.close();
const dump = await memory.dumpTar("pgdata", "gzip");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, Buffer.from(await dump.arrayBuffer()));
`;

function makePgliteTemplate(installDir: string): void {
  const out = path.join(installDir, "node_modules", PGLITE_TEMPLATE);
  // Module resolution of --input-type=module code starts at the cwd: the fresh install.
  execFileSync(process.execPath, ["--input-type=module", "-e", PGLITE_TEMPLATE_SCRIPT, out], {
    cwd: installDir,
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 300_000,
  });
  if (!(fs.statSync(out).size > 0)) throw new Error(`the PGlite template ${out} is empty`);
}

export const RUNTIME_NAMES = Object.keys(RUNTIMES);

/** The runtime folder test runs share, so each test's fresh DATA_DIR does not reinstall it. */
export const TEST_RUNTIME_DIR = path.join(ROOT_DIR, ".cache", "runtimes");

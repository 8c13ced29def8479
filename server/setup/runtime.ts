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

/** The install folder for a runtime: named by the hash of its lock file, so a change reinstalls. */
export function runtimeDir(runtimesRoot: string, runtime: string): string {
  const src = runtimeSource(runtime);
  const hash = crypto.createHash("sha256");
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
  execFileSync("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tmp, stdio: ["ignore", "ignore", "inherit"] });
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

export const RUNTIME_NAMES = Object.keys(RUNTIMES);

/** The runtime folder test runs share, so each test's fresh DATA_DIR does not reinstall it. */
export const TEST_RUNTIME_DIR = path.join(ROOT_DIR, ".cache", "runtimes");

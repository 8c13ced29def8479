import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "../config.ts";
import { which } from "../sandbox/util.ts";

export class SetupError extends Error {}

const isRoot = () => process.getuid?.() === 0;

/**
 * Installs a Debian package when its command is missing. As root this runs apt-get; as
 * anyone else it stops with the one command to run.
 */
export function ensurePackage(command: string, pkg: string, log: (m: string) => void): void {
  ensureInstalled(() => which(command) !== null, command, pkg, log);
}

/** Like ensurePackage, for a file off PATH (PostgreSQL's server lives in /usr/lib/postgresql/15/bin). */
export function ensurePackageFile(file: string, pkg: string, log: (m: string) => void): void {
  ensureInstalled(() => fs.existsSync(file), file, pkg, log);
}

function ensureInstalled(present: () => boolean, what: string, pkg: string, log: (m: string) => void): void {
  if (present()) return;
  if (!isRoot()) throw new SetupError(`${what} is missing: run \`sudo apt-get install -y ${pkg}\``);
  if (!which("apt-get"))
    throw new SetupError(`${what} is missing and this is not a Debian-like system: install the ${pkg} package`);
  log(`installing ${pkg} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
  let r = install();
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { env, stdio: "ignore" });
    r = install();
  }
  if (r.status !== 0 || !present())
    throw new SetupError(
      `could not install ${pkg}: ${r.stderr?.toString().trim().split("\n").pop() ?? "apt-get failed"}`,
    );
}

const WEB_DIR = path.join(ROOT_DIR, "web");
const STAMP = path.join(WEB_DIR, "dist", ".build-hash");

function webHash(): string {
  const h = crypto.createHash("sha256");
  const walk = (p: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort())
        if (e !== "dist" && e !== "e2e" && e !== "node_modules") walk(path.join(p, e));
    } else {
      h.update(path.relative(WEB_DIR, p));
      h.update(fs.readFileSync(p));
    }
  };
  walk(WEB_DIR);
  h.update(fs.readFileSync(path.join(ROOT_DIR, "package-lock.json")));
  return h.digest("hex");
}

/** Builds the web app when its sources changed since the last build. */
export function ensureWebBuilt(log: (m: string) => void): void {
  const hash = webHash();
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === hash) return;
  log("building the web app (vite)…");
  execFileSync(
    path.join(ROOT_DIR, "node_modules", ".bin", "vite"),
    ["build", "--config", path.join(WEB_DIR, "vite.config.ts"), "--logLevel", "error"],
    { cwd: ROOT_DIR, stdio: ["ignore", "ignore", "inherit"] },
  );
  fs.writeFileSync(STAMP, hash);
}

/** Chromium for the end-to-end tests: Debian's package, never a browser download. */
export function chromiumPath(): string | null {
  for (const p of ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]) if (fs.existsSync(p)) return p;
  return null;
}

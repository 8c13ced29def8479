import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { allServices, backingService } from "../../graders/services/registry.ts";
import { ensurePackageFile } from "./system.ts";

/** A service's prepared folder: named by its recipe, so a new recipe prepares a new one. */
export function serviceDir(runtimesRoot: string, name: string): string {
  const s = backingService(name);
  const hash = crypto.createHash("sha256").update(s.recipe).digest("hex").slice(0, 12);
  return path.join(runtimesRoot, "services", `${name}-${hash}`);
}

/**
 * Installs a backing service's Debian packages and prepares its folder (a template cluster)
 * once; a second call is a stat. Sandboxes mount the folder read-only at /services/<name>.
 */
export function ensureService(runtimesRoot: string, name: string, log: (m: string) => void = () => {}): string {
  const dir = serviceDir(runtimesRoot, name);
  if (fs.existsSync(path.join(dir, ".ready"))) return dir;
  const s = backingService(name);
  for (const p of s.packages) ensurePackageFile(p.path, p.pkg, log);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true, mode: 0o755 });
  try {
    s.prepare(tmp, log);
    fs.writeFileSync(path.join(tmp, ".ready"), new Date().toISOString());
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another process prepared it meanwhile: keep theirs.
    if (!fs.existsSync(path.join(dir, ".ready"))) throw err;
  }
  return dir;
}

/** Every registered service, for `backlab setup`. */
export function ensureServices(runtimesRoot: string, log: (m: string) => void): void {
  for (const s of allServices()) ensureService(runtimesRoot, s.name, log);
}

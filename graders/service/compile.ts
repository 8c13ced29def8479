import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceSpec } from "../exercise/schema.ts";
import type { Sandbox } from "../sandbox/port.ts";
import { runCapped } from "../sandbox/exec.ts";
import type { StepTimer } from "../timing.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
let source: string | undefined;

/** `tsx <file>.ts [args…]`: the start commands this compiles; anything else starts as written. */
export function tsxEntry(start: ServiceSpec["start"]): { entry: string; args: string[] } | null {
  const argv = Array.isArray(start) ? start : /^[\w ./=-]+$/.test(start) ? start.trim().split(/\s+/) : null;
  if (!argv || argv[0] !== "tsx") return null;
  const [entry, ...args] = argv.slice(1);
  if (!entry || !/^(\.\/)?[\w-]+(\/[\w.-]+)*\.ts$/.test(entry) || entry.split("/").includes("..")) return null;
  return { entry, args };
}

/**
 * The service's start command, compiled when it is `tsx <file>.ts`: the workspace's
 * TypeScript is turned into JavaScript next to it inside the service sandbox
 * (`compile.mjs`, esbuild, ~0.1 s) and the service runs under plain `node`, a second or so
 * less per boot than tsx. A workspace compile.mjs cannot handle (path aliases, .mts, a build
 * error, …) starts with tsx as written, so a learner meets the same errors either way.
 * esbuild runs in the sandbox, never on the host: it reads the learner's files.
 */
export async function compiledStart(
  service: Sandbox,
  spec: ServiceSpec,
  deadline: number,
  timing?: StepTimer,
): Promise<ServiceSpec> {
  const tsx = tsxEntry(spec.start);
  if (!tsx) return spec;
  source ??= fs.readFileSync(path.join(HERE, "compile.mjs"), "utf8");
  const started = Date.now();
  let outcome = "esbuild";
  try {
    const run = await runCapped(service, ["node", "--input-type=module", "-e", source], {
      timeoutMs: Math.max(1000, Math.min(20_000, deadline - Date.now())),
    });
    if (run.exit.code !== 0)
      outcome = `tsx (${run.exit.code === 3 ? run.output.trim().replace(/^needs tsx: /, "") : "the build failed"})`;
  } catch {
    outcome = "tsx (the build could not run)";
  }
  timing?.add("build", outcome, started);
  if (outcome !== "esbuild") return spec;
  return { ...spec, start: ["node", "--enable-source-maps", tsx.entry.replace(/\.ts$/, ".js"), ...tsx.args] };
}

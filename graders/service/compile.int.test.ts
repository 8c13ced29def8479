import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import { Limits, sandboxLimits, type ServiceSpec } from "../exercise/schema.ts";
import { runCapped } from "../sandbox/exec.ts";
import { GradingTimer } from "../timing.ts";
import { compiledStart, tsxEntry } from "./compile.ts";

let root: string;
let driver: SandboxDriver;
let n = 0;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-compile-"));
  fs.chmodSync(root, 0o711);
  driver = await openTestDriver("bwrap", { stateDir: root, labId: `cmp${process.pid}` });
  expect(await driver.available()).toMatchObject({ ok: true });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const SPEC = {
  start: ["tsx", "src/main.ts", "--flag"],
  port: 3000,
  env: {},
  ready: { path: "/", timeout_seconds: 5 },
} as unknown as ServiceSpec;

/** A workspace in a fresh sandbox: compiles it, runs what the service would run, returns its output. */
async function compileAndRun(
  files: Record<string, string>,
): Promise<{ spec: ServiceSpec; output: string; build: string | null }> {
  const dir = path.join(root, `ws-${++n}`);
  for (const [rel, text] of Object.entries({ "package.json": '{ "type": "module" }\n', ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const uid = 268_000 + n;
  fs.chownSync(dir, uid, uid);
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chownSync(path.join(dir, f), uid, uid);
  const sandbox = await driver.create({
    name: `cmp-${process.pid}-${n}`,
    runtime: "node20",
    workspaceDir: dir,
    limits: sandboxLimits(Limits.parse({})),
    uid,
    network: "none",
  });
  try {
    const timer = new GradingTimer();
    const spec = await compiledStart(sandbox, SPEC, Date.now() + 30_000, timer.forStep(0));
    const argv = spec.start as string[];
    const run = await runCapped(sandbox, argv, { timeoutMs: 20_000 });
    return { spec, output: run.output, build: timer.phases.find((p) => p.phase === "build")?.label ?? null };
  } finally {
    await sandbox.stop();
  }
}

describe("compiling the service before it starts", () => {
  it("takes only `tsx <file>.ts [args]` start commands", () => {
    expect(tsxEntry(["tsx", "src/server.ts"])).toEqual({ entry: "src/server.ts", args: [] });
    expect(tsxEntry("tsx src/server.ts --port=3000")).toEqual({ entry: "src/server.ts", args: ["--port=3000"] });
    expect(tsxEntry(["node", "src/server.js"])).toBeNull();
    expect(tsxEntry(["tsx", "watch", "src/server.ts"])).toBeNull();
    expect(tsxEntry(["tsx", "../outside.ts"])).toBeNull();
    expect(tsxEntry(["tsx", "/etc/x.ts"])).toBeNull();
    expect(tsxEntry("tsx src/server.ts && rm -rf /")).toBeNull();
  });

  it("runs the service under plain node with every module in its own file, as tsx would", async () => {
    const r = await compileAndRun({
      "src/main.ts": [
        'import { greet } from "./lib/greet.ts";',
        'import { twice } from "./lib/math";',
        'import { three } from "./lib/index.js";',
        'import { dir, isMain } from "./where.ts";',
        'import type { Shape } from "./types.ts";',
        "class Typed extends Error {}",
        "const s: Shape = { n: twice(three) };",
        'console.log(greet("lab"), s.n, dir.endsWith("/workspace/src"), isMain, new Typed().constructor.name, process.argv.slice(2).join(","));',
        'try { (null as unknown as { x: number }).x } catch (e) { console.log((e as Error).stack!.includes("main.ts")); }',
      ].join("\n"),
      "src/lib/greet.ts": "export const greet = (who: string): string => `hello ${who}`;\n",
      "src/lib/math.ts": "export const twice = (n: number) => n * 2;\n",
      "src/lib/index.ts": "export const three: number = 3;\n",
      "src/where.ts":
        'import { pathToFileURL } from "node:url";\nexport const dir = import.meta.dirname;\nexport const isMain = import.meta.url === pathToFileURL(process.argv[1]!).href;\n',
      "src/types.ts": "export type Shape = { n: number };\n",
    });
    expect(r.build).toBe("esbuild");
    expect(r.spec.start).toEqual(["node", "--enable-source-maps", "src/main.js", "--flag"]);
    // where.ts is not the main module (bundling would have made it so) and keeps its folder.
    expect(r.output.trim().split("\n")).toEqual(["hello lab 6 true false Typed --flag", "true"]);
  });

  it("starts with tsx as written when the workspace needs it, and says why", async () => {
    const aliased = await compileAndRun({
      "tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["src/*"] } } }\n',
      "src/main.ts": 'console.log("aliased");\n',
    });
    expect(aliased.spec.start).toEqual(SPEC.start);
    expect(aliased.build).toMatch(/^tsx \(.*maps import paths\)$/);
    expect(aliased.output).toMatch(/aliased/);

    const taken = await compileAndRun({ "src/main.ts": 'console.log("ts");\n', "src/main.js": 'console.log("js");\n' });
    expect(taken.build).toMatch(/main\.js exists already/);
    expect(taken.output).toMatch(/^ts$/m);

    // A syntax error: tsx's own message reaches the learner, as without compiling.
    const broken = await compileAndRun({ "src/main.ts": "export const x = ;\n" });
    expect(broken.build).toBe("tsx (the build failed)");
    expect(broken.spec.start).toEqual(SPEC.start);
    expect(broken.output).toMatch(/main\.ts/);
  });
});

import path from "node:path";
import { build, type Rollup } from "vite";
import { describe, expect, it } from "vitest";
import { ROOT_DIR } from "../../server/config.ts";

/**
 * The web app takes only types from the server (server/contract/, `import type`): nothing of
 * the server and no zod may end up in what the browser downloads. Built in memory (web/dist
 * is left alone for the browser tests), then every module of every chunk is looked at.
 */
describe("the web bundle", () => {
  it("contains no server module and no zod", async () => {
    const out = (await build({
      configFile: path.join(ROOT_DIR, "web", "vite.config.ts"),
      logLevel: "silent",
      build: { write: false, emptyOutDir: false },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[];
    const chunks = [out]
      .flat()
      .flatMap((o) => o.output)
      .filter((c): c is Rollup.OutputChunk => c.type === "chunk");
    expect(chunks.length).toBeGreaterThan(0);
    const modules = chunks.flatMap((c) => c.moduleIds).map((id) => path.relative(ROOT_DIR, id.replace(/^\0/, "")));
    // The bundle is really there: the app's own entry and the terminal are in it.
    expect(modules).toContain(path.join("web", "src", "main.tsx"));
    expect(modules).toContain(path.join("web", "src", "terminal", "protocol.ts"));
    expect(modules.filter((m) => m.startsWith(`server${path.sep}`) || m.startsWith(`graders${path.sep}`))).toEqual([]);
    expect(modules.filter((m) => /node_modules[\\/]zod[\\/]/.test(m))).toEqual([]);
    // zod's classes all carry `_zod`; minifiers keep property names.
    expect(chunks.filter((c) => c.code.includes("_zod")).map((c) => c.fileName)).toEqual([]);
  }, 120_000);
});

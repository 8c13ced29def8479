import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { ROOT_DIR } from "./config.ts";

/**
 * The layering rules of eslint.config.js (`backlab/layers`), proven on small snippets linted
 * as if they lived at the given path: each forbidden import is reported, and each allowed one
 * is not, so a rule cannot pass by being misconfigured or switched off.
 */
const eslint = new ESLint({ cwd: ROOT_DIR, overrideConfigFile: path.join(ROOT_DIR, "eslint.config.js") });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: path.join(ROOT_DIR, file) });
  return result!.messages.filter((m) => m.ruleId === "backlab/layers").map((m) => m.message);
}

describe("the layering lint rules", () => {
  describe("web/src imports only the server's contract, and only its types", () => {
    it.each([
      [
        "a value from a server module",
        "web/src/leak.ts",
        `import { CLOSE } from "../../server/terminal/protocol.ts";`,
        /may not import server\/terminal\/protocol\.ts/,
      ],
      [
        "types from a server module outside the contract",
        "web/src/pages/leak.tsx",
        `import type { Grading } from "../../../server/grading/service.ts";`,
        /may not import server\/grading\/service\.ts/,
      ],
      [
        "the contract as a value import",
        "web/src/leak.ts",
        `import { type User } from "../../server/contract/accounts.ts";`,
        /types only .*use `import type`/,
      ],
      [
        "the contract re-exported as a value",
        "web/src/leak.ts",
        `export { User } from "../../server/contract/accounts.ts";`,
        /types only/,
      ],
      [
        "the engine",
        "web/src/leak.ts",
        `import type { Results } from "../../graders/results.ts";`,
        /may not import graders\/results\.ts/,
      ],
      ["zod", "web/src/leak.ts", `import { z } from "zod";`, /may not import zod/],
      [
        "the server through import()",
        "web/src/leak.ts",
        `void import("../../server/main.ts");`,
        /may not import server\/main\.ts/,
      ],
      [
        "everything of a server module",
        "web/src/terminal/leak.ts",
        `export * from "../../../server/terminal/protocol.ts";`,
        /may not import server\/terminal/,
      ],
    ])("refuses %s", async (_what, file, code, message) => {
      const errors = await layerErrors(file, code);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });

    it("lets the contract's types and the app's own modules through", async () => {
      expect(
        await layerErrors(
          "web/src/ok.ts",
          `import type { User } from "../../server/contract/accounts.ts";\nexport type { Submission } from "../../server/contract/grading.ts";\nimport { api } from "./api.ts";\nvoid api;`,
        ),
      ).toEqual([]);
    });
  });

  describe("graders/ knows nothing of the lab", () => {
    it.each([
      [
        "a driver",
        "graders/unit/leak.ts",
        `import { BwrapDriver } from "../../server/sandbox/bwrap/driver.ts";`,
        /graders\/unit\/leak\.ts may not import server\/sandbox\/bwrap\/driver\.ts/,
      ],
      [
        "types of the lab",
        "graders/leak.ts",
        `import type { Config } from "../server/config.ts";`,
        /may not import server\/config\.ts/,
      ],
      [
        "the lab in a test file",
        "graders/service/leak.int.test.ts",
        `import { startTestLab } from "../../server/test/lab.ts";`,
        /may not import server\/test\/lab\.ts/,
      ],
      [
        "the web app",
        "graders/leak.ts",
        `import { api } from "../web/src/api.ts";`,
        /may not import web\/src\/api\.ts/,
      ],
    ])("refuses %s", async (_what, file, code, message) => {
      const errors = await layerErrors(file, code);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });

    it("lets the engine import itself and packages", async () => {
      expect(
        await layerErrors(
          "graders/unit/ok.ts",
          `import { grade } from "../run.ts";\nimport { z } from "zod";\nvoid grade;\nvoid z;`,
        ),
      ).toEqual([]);
    });
  });

  describe("an exercise imports nothing outside its own folder", () => {
    it.each([
      [
        "the engine",
        "exercises/testing/mutants/tests/leak.test.ts",
        `import { summarize } from "../../../../graders/results.ts";`,
        /outside its own folder/,
      ],
      [
        "the lab",
        "exercises/devops/graceful-shutdown/solution/src/leak.ts",
        `import { loadConfig } from "../../../../../server/config.ts";`,
        /may not import server\/config\.ts, outside/,
      ],
      [
        "another exercise",
        "exercises/api-design/rest/tests/leak.test.ts",
        `import { x } from "../../pagination/solution/src/x.ts";`,
        /may not import exercises\/api-design\/pagination/,
      ],
      [
        "the lab by its package name",
        "exercises/api-design/rest/tests/leak.mjs",
        `import { x } from "backlab/server/config.ts";`,
        /may not import backlab/,
      ],
    ])("refuses %s", async (_what, file, code, message) => {
      const errors = await layerErrors(file, code);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(message);
    });

    it("lets hidden tests import the learner's code and the grader's control client", async () => {
      const code = `import { bucket } from "@workspace/src/token-bucket.ts";\nimport { service } from "/grader/control.mjs";\nimport { helper } from "./helper.ts";\nimport { seed } from "../solution/src/seed.ts";\nvoid [bucket, service, helper, seed];`;
      expect(await layerErrors("exercises/code-patterns/token-bucket/tests/ok.test.ts", code)).toEqual([]);
    });
  });
});

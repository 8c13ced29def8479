import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import type { Results } from "../results.ts";
import { grade } from "../run.ts";

const SERVER = (status: number, port = 3000) => `import express from "express";
const app = express();
app.get("/healthz", (_req, res) => { res.json({ ok: true }); });
app.get("/items/:id", (req, res) => { console.log("GET item", req.params.id); res.status(${status}).json({ id: Number(req.params.id) }); });
app.listen(${port}, "127.0.0.1", () => console.log("listening"));
`;

const HIDDEN = `import { it, expect } from "vitest";
const url = process.env.SERVICE_URL;
it("answers health", async () => { expect((await fetch(url + "/healthz")).status).toBe(200); });
it("returns an item with 200", async () => {
  const res = await fetch(url + "/items/7");
  expect(res.status, "GET /items/7").toBe(200);
  expect(await res.json()).toEqual({ id: 7 });
});
it("cannot see the service's files", async () => {
  const fs = await import("node:fs");
  expect(fs.existsSync("/workspace/src/server.ts")).toBe(false);
});
`;

/** What every exercise's workspace has; without it the service starts with tsx as written. */
const PACKAGE = { "package.json": '{ "type": "module" }\n' };

let root: string;
let n = 0;

function fixture(slug: string, server: string, wall = 20, files: Record<string, string> = {}): Exercise {
  const dir = path.join(root, "exercises", "api-design", slug);
  fs.mkdirSync(path.join(dir, "starter", "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "solution"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "src", "server.ts"), server);
  fs.writeFileSync(path.join(dir, "tests", "api.test.ts"), HIDDEN);
  for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, "starter", rel), text);
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      `id: ${slug}`,
      "title: Fixture",
      "area: api-design",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the service grader's own tests.",
      "service:",
      "  start: [tsx, src/server.ts]",
      "  port: 3000",
      "  ready: { path: /healthz, timeout_seconds: 5 }",
      "grader:",
      "  steps:",
      "    - { kind: service, name: API tests, tests: tests, points: 30 }",
      "limits:",
      `  wall_seconds: ${wall}`,
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "api-design", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-service-"));
  fs.chmodSync(root, 0o711);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const drivers: Record<string, () => Promise<SandboxDriver>> = {
  bwrap: () => openTestDriver("bwrap", { stateDir: root, labId: `svc${process.pid}` }),
  docker: () => openTestDriver("docker", { stateDir: root, labId: `svcd${process.pid}` }),
};

for (const [name, make] of Object.entries(drivers)) {
  describe(`the service grader on ${name}`, () => {
    let driver: SandboxDriver;
    const run = (exercise: Exercise): Promise<Results> =>
      grade({
        exercise,
        submissionDir: path.join(exercise.dir, "starter"),
        workDir: path.join(root, `run-${++n}`),
        driver,
        uid: 265_000 + n,
        name: `svct-${process.pid}-${n}`,
      });

    beforeAll(async () => {
      driver = await make();
    }, 300_000);

    it("boots the learner's service and runs the hidden tests against it from another sandbox", async () => {
      const good = await run(fixture(`good-${name}`, SERVER(200), 20, PACKAGE));
      expect(good.tests.map((t) => [t.name, t.status])).toEqual([
        ["answers health", "pass"],
        ["returns an item with 200", "pass"],
        ["cannot see the service's files", "pass"],
      ]);
      expect(good).toMatchObject({ status: "pass", score: 30, max_score: 30 });
      // Where the time went: the service's boot until ready, both sandboxes, the hidden file.
      const phases = good.timing!.phases;
      expect(phases.filter((p) => p.phase === "boot")).toEqual([
        expect.objectContaining({ label: "node --enable-source-maps src/server.js", step: 0 }),
      ]);
      expect(phases.filter((p) => p.phase === "sandbox-create").map((p) => p.label)).toEqual([
        expect.stringMatching(/-svc$/),
        expect.stringMatching(/-tst$/),
      ]);
      expect(phases.filter((p) => p.phase === "test-file").map((p) => p.label)).toEqual(["tests/api.test.ts"]);

      const bad = await run(fixture(`bad-${name}`, SERVER(201), 20, PACKAGE));
      expect(bad.status).toBe("fail");
      expect(bad.tests[1]).toMatchObject({ status: "fail", message: expect.stringMatching(/GET \/items\/7/) });
      // The service's own output comes back as feedback.
      expect(bad.message).toMatch(/GET item 7/);
    });

    it("starts the hidden tests' vitest while the service boots, and holds the tests until it is ready", async () => {
      // Listens only after 1.5 s: a test that ran before the service was ready would fail.
      const slow = await run(
        fixture(`slow-${name}`, `await new Promise((r) => setTimeout(r, 1500));\n${SERVER(200)}`, 20, PACKAGE),
      );
      expect(slow).toMatchObject({ status: "pass", score: 30 });
      const phases = slow.timing!.phases;
      const [build, boot, vitest] = ["build", "boot", "vitest"].map((name) => phases.find((p) => p.phase === name)!);
      // Compiled with esbuild and started under plain node (graders/service/compile.ts).
      expect(build!.label).toBe("esbuild");
      expect(boot!.label).toBe("node --enable-source-maps src/server.js");
      expect(boot!.ms).toBeGreaterThanOrEqual(1500);
      expect(vitest!.start_ms).toBeLessThan(boot!.start_ms + boot!.ms);
      // The grader sandbox exists as soon as the service's does: vitest starts before the build.
      expect(vitest!.start_ms).toBeLessThanOrEqual(build!.start_ms);
      for (const file of phases.filter((p) => p.phase === "test-file"))
        expect(file.start_ms).toBeGreaterThanOrEqual(boot!.start_ms + boot!.ms);
    });

    it("fails with the reason and the service's output when it never becomes ready", async () => {
      const crash = await run(fixture(`crash-${name}`, `console.log("booting"); throw new Error("no config file");\n`));
      expect(crash).toMatchObject({ status: "fail", score: 0, max_score: 30 });
      expect(crash.tests[0]!.message).toMatch(/did not become ready on port 3000.*exited with code 1/s);
      expect(crash.message).toMatch(/no config file/);
      // The output once per message: the result's message has it, the test keeps it in output.
      expect(crash.tests[0]!.message).not.toMatch(/no config file/);
      expect(crash.tests[0]!.output).toMatch(/no config file/);

      const wrongPort = await run(fixture(`port-${name}`, SERVER(200, 3001)));
      expect(wrongPort.status).toBe("fail");
      expect(wrongPort.tests[0]!.message).toMatch(
        /did not become ready on port 3000 within 5 s: GET \/healthz gave ECONNREFUSED/,
      );
    });
  });
}

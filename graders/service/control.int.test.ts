import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadExercise, type Exercise } from "../exercise/catalog.ts";
import type { SandboxDriver } from "../sandbox/port.ts";
import { openTestDriver } from "../sandbox/testing.ts";
import { grade } from "../run.ts";

// A service that handles its signals with its own exit codes, keeps a counter in a file of its
// work folder and allocates memory on request.
const SERVER = `import fs from "node:fs";
import express from "express";
const app = express();
const hold = [];
app.get("/healthz", (_req, res) => { res.json({ ok: true }); });
app.post("/count", (_req, res) => {
  const n = fs.existsSync("data.json") ? JSON.parse(fs.readFileSync("data.json", "utf8")).n : 0;
  fs.writeFileSync("data.json", JSON.stringify({ n: n + 1 }));
  res.json({ n: n + 1 });
});
app.get("/count", (_req, res) => { res.json(fs.existsSync("data.json") ? JSON.parse(fs.readFileSync("data.json", "utf8")) : { n: 0 }); });
app.post("/alloc", (req, res) => { const b = Buffer.alloc(Number(req.query.mb) * 1024 * 1024, 1); hold.push(b); res.json({ held: hold.length }); });
process.on("SIGTERM", () => { console.log("got SIGTERM"); setTimeout(() => process.exit(7), 100); });
process.on("SIGHUP", () => { console.log("got SIGHUP"); process.exit(3); });
app.listen(3000, "127.0.0.1", () => console.log("listening pid", process.pid));
`;

// Hidden tests that drive the service through the control channel, and attack it.
const SIGNALS = `import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { expect, it } from "vitest";
import { service } from "/grader/control.mjs";
const url = process.env.SERVICE_URL;

it("SIGTERM reaches the learner's handler and its exit code is seen", async () => {
  expect((await fetch(url + "/healthz")).status).toBe(200);
  await service.signal("SIGTERM");
  const exit = await service.waitExit({ timeoutMs: 5000 });
  expect(exit).toMatchObject({ exited: true, code: 7, signal: null });
  expect(exit.ms).toBeGreaterThanOrEqual(90);
  expect(exit.ms).toBeLessThan(3000);
  expect(await service.logs()).toMatch(/got SIGTERM/);
}, 20000);

it("SIGHUP goes to the learner's process, not to tsx", async () => {
  await service.restart();
  await service.signal("SIGHUP");
  expect(await service.waitExit({ timeoutMs: 5000 })).toMatchObject({ exited: true, code: 3 });
}, 20000);

it("a restart keeps what the service wrote", async () => {
  await service.restart();
  expect((await (await fetch(url + "/count", { method: "POST" })).json()).n).toBe(1);
  expect(await (await fetch(url + "/count", { method: "POST" })).json()).toEqual({ n: 2 });
  const killed = await service.kill();
  expect(killed).toMatchObject({ exited: true, signal: "SIGKILL" });
  await expect(fetch(url + "/healthz")).rejects.toThrow();
  const r = await service.restart();
  expect(r.ready).toBe(true);
  expect(await (await fetch(url + "/count")).json()).toEqual({ n: 2 });
}, 30000);

it("memory grows when the service allocates", async () => {
  await service.resetMemoryPeak();
  const before = await service.memory();
  expect(before.currentBytes).toBeGreaterThan(10 * 1024 * 1024);
  expect((await fetch(url + "/alloc?mb=96", { method: "POST" })).status).toBe(200);
  const after = await service.memory();
  expect(after.currentBytes - before.currentBytes).toBeGreaterThan(80 * 1024 * 1024);
  expect(after.peakBytes).toBeGreaterThanOrEqual(after.currentBytes - 8 * 1024 * 1024);
}, 20000);

const REQ = "/grader/control/requests";
const RES = "/grader/control/responses";
async function answer(id) {
  for (let i = 0; i < 300; i++) {
    try { return JSON.parse(fs.readFileSync(RES + "/" + id + ".json", "utf8")); } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("no answer for " + id);
}

// Written as the protocol says (a temp file, then renamed): a plain write can be read half
// done, and a megabyte read at 4 KB answers "not JSON" rather than the size limit under test.
function put(id, text) {
  fs.writeFileSync(REQ + "/." + id + ".tmp", text);
  fs.renameSync(REQ + "/." + id + ".tmp", REQ + "/" + id + ".json");
}

it("refuses hostile requests and keeps working", async () => {
  put("bad-verb", JSON.stringify({ verb: "exec", argv: ["sh"] }));
  expect(await answer("bad-verb")).toMatchObject({ ok: false, error: expect.stringMatching(/invalid request/) });
  put("extra-key", JSON.stringify({ verb: "logs", path: "/etc/shadow" }));
  expect(await answer("extra-key")).toMatchObject({ ok: false, error: expect.stringMatching(/invalid request/) });
  put("huge", JSON.stringify({ verb: "memory", pad: "x".repeat(1024 * 1024) }));
  expect(await answer("huge")).toMatchObject({ ok: false, error: expect.stringMatching(/at most 4096 bytes/) });
  fs.writeFileSync("/tmp/real.json", JSON.stringify({ verb: "logs" }));
  fs.symlinkSync("/tmp/real.json", REQ + "/link.json");
  expect(await answer("link")).toMatchObject({ ok: false, error: expect.stringMatching(/not a regular file/) });
  put("not-json", "{verb:");
  expect(await answer("not-json")).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
  fs.mkdirSync(REQ + "/dir.json");
  expect(await answer("dir")).toMatchObject({ ok: false, error: expect.stringMatching(/not a regular file/) });
  execFileSync("mkfifo", [REQ + "/fifo.json"]);
  expect(await answer("fifo")).toMatchObject({ ok: false, error: expect.stringMatching(/not a regular file/) });
  expect(() => fs.symlinkSync("/etc/passwd", RES + "/planted.json")).toThrow(/EROFS|EACCES/);
  expect(fs.readdirSync(REQ)).toEqual([]);
}, 20000);

it("cannot write where the lab answers", () => {
  expect(() => fs.writeFileSync("/grader/control/responses/x.json", "{}")).toThrow(/EROFS|EACCES/);
  expect(() => fs.writeFileSync("/grader/control.mjs", "")).toThrow(/EROFS|EACCES/);
});

it("the service still answers after all that", async () => {
  expect((await fetch(url + "/healthz")).status).toBe(200);
  expect((await service.memory()).currentBytes).toBeGreaterThan(0);
  // Left killed: the next step must get the service back.
  expect(await service.kill()).toMatchObject({ exited: true });
}, 20000);
`;

const AFTER = `import { it, expect } from "vitest";
it("the next step gets the service back", async () => {
  expect((await fetch(process.env.SERVICE_URL + "/healthz")).status).toBe(200);
});
`;

let root: string;
let n = 0;

function fixture(slug: string): Exercise {
  const dir = path.join(root, "exercises", "devops", slug);
  fs.mkdirSync(path.join(dir, "starter", "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "solution"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests", "a"), { recursive: true });
  fs.mkdirSync(path.join(dir, "tests", "b"), { recursive: true });
  fs.writeFileSync(path.join(dir, "starter", "src", "server.ts"), SERVER);
  fs.writeFileSync(path.join(dir, "tests", "a", "control.test.ts"), SIGNALS);
  fs.writeFileSync(path.join(dir, "tests", "b", "after.test.ts"), AFTER);
  fs.writeFileSync(path.join(dir, "README.md"), "# fixture\n");
  fs.writeFileSync(
    path.join(dir, "exercise.yaml"),
    [
      `id: ${slug}`,
      "title: Fixture",
      "area: devops",
      "difficulty: beginner",
      "estimated_minutes: 5",
      "runtime: node20",
      "summary: A fixture for the service control channel's own tests.",
      "service:",
      "  start: [tsx, src/server.ts]",
      "  port: 3000",
      "  ready: { path: /healthz, timeout_seconds: 10 }",
      "grader:",
      "  steps:",
      "    - { kind: service, name: Control, tests: tests/a, points: 70 }",
      "    - { kind: service, name: After, tests: tests/b, points: 10 }",
      "limits:",
      "  wall_seconds: 90",
      "  memory_mb: 512",
      "",
    ].join("\n"),
  );
  const loaded = loadExercise(dir, "devops", slug);
  if ("problems" in loaded) throw new Error(JSON.stringify(loaded.problems));
  return loaded.exercise;
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-control-"));
  fs.chmodSync(root, 0o711);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const drivers: Record<string, () => Promise<SandboxDriver>> = {
  bwrap: () => openTestDriver("bwrap", { stateDir: root, labId: `ctl${process.pid}` }),
  docker: () => openTestDriver("docker", { stateDir: root, labId: `ctld${process.pid}` }),
};

for (const [name, make] of Object.entries(drivers)) {
  describe(`the service control channel on ${name}`, () => {
    let driver: SandboxDriver;

    beforeAll(async () => {
      driver = await make();
    }, 300_000);

    it("signals, waits, restarts on the same files, measures memory and refuses hostile requests", async () => {
      const exercise = fixture(`control-${name}`);
      const workDir = path.join(root, `run-${++n}`);
      const results = await grade({
        exercise,
        submissionDir: path.join(exercise.dir, "starter"),
        workDir,
        driver,
        uid: 267_000 + n,
        name: `ctl-${process.pid}-${n}`,
      });
      const failures = results.tests.filter((t) => t.status !== "pass").map((t) => `${t.name}: ${t.message}`);
      expect(failures).toEqual([]);
      expect(results.tests.map((t) => t.name)).toEqual([
        "SIGTERM reaches the learner's handler and its exit code is seen",
        "SIGHUP goes to the learner's process, not to tsx",
        "a restart keeps what the service wrote",
        "memory grows when the service allocates",
        "refuses hostile requests and keeps working",
        "cannot write where the lab answers",
        "the service still answers after all that",
        "the next step gets the service back",
      ]);
      expect(results).toMatchObject({ status: "pass", score: 80 });
    }, 120_000);
  });
}

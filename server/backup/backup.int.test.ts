import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../config.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, startTestLab, waitForResult, type TestLab } from "../test/lab.ts";

/**
 * `backlab backup` taken from a running lab with gradings under way, restored by
 * `backlab restore` into an empty DATA_DIR, and a fresh lab started on it: every user,
 * submission, result and file is there, and the gradings that were running finish there.
 */

const run = promisify(execFile);
const cli = (args: string[], dataDir: string) =>
  run(process.execPath, [path.join(ROOT_DIR, "server", "bin", "backlab.js"), ...args], {
    env: { ...process.env, DATA_DIR: dataDir, RUNTIME_DIR: TEST_RUNTIME_DIR, LOG_LEVEL: "silent" },
  }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-backup-test-"));
const labs: TestLab[] = [];
afterAll(async () => {
  for (const l of labs) await l.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

type Sub = { id: number; status: string; result: { score: number; tests: unknown[] } | null };

describe("backup and restore", () => {
  it("copies a lab while it grades and brings every submission, result and file back", async () => {
    const a = await startTestLab({ GRADING_CONCURRENCY: "1" });
    labs.push(a);
    const u = await Client.signup(a.url, "backed-up");
    const ws = (await u.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {})).body
      .workspace.id;
    const note = "kept across a restore — ünïcode\n".repeat(50);
    expect(
      (await u.json("POST", `/api/workspaces/${ws}/files`, { type: "file", path: "notes/restore.md", content: note }))
        .status,
    ).toBe(201);
    const submit = async () =>
      (await u.json<{ submission: { id: number } }>("POST", "/api/exercises/token-bucket/submissions", {})).body
        .submission.id;
    const graded = await submit();
    const gradedResult = await waitForResult(u, graded, 120_000);
    // Under load: two more acknowledged submissions, one grading and one queued while the copy runs.
    const busy = [await submit(), await submit()];

    const file = path.join(tmp, "lab.backup.tgz");
    const made = await cli(["backup", file], a.dataDir);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/1 user, 3 submissions, 1 workspace\b/);
    expect((await cli(["backup", file], a.dataDir)).stderr).toMatch(/exists/);

    const b = path.join(tmp, "restored");
    const restored = await cli(["restore", file], b);
    expect(restored.code, restored.stderr).toBe(0);
    // A second restore onto a lab refuses without --force, and with it keeps the old one aside.
    const again = await cli(["restore", file], b);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/not empty.*--force/)]);
    const forced = await cli(["restore", file, "--force"], b);
    expect(forced.code, forced.stderr).toBe(0);
    const aside = /kept at (\S+)/.exec(forced.stderr)?.[1];
    expect(aside && fs.existsSync(path.join(aside, "backlab.db"))).toBe(true);

    const lab = await startTestLab({ DATA_DIR: b, GRADING_CONCURRENCY: "1" });
    labs.push(lab);
    // The session cookie is in the copied database: the same browser is still signed in.
    const same = new Client(lab.url);
    same.cookie = u.cookie;
    same.csrf = u.csrf;
    const back = await same.json<{ submission: Sub }>("GET", `/api/submissions/${graded}`);
    expect(back.status).toBe(200);
    expect(back.body.submission.result).toEqual(gradedResult);
    const content = await same.json<{ file: { content: string } }>(
      "GET",
      `/api/workspaces/${ws}/files/content?path=notes/restore.md`,
    );
    expect(content.body.file.content).toBe(note);
    // What was grading or queued at the copy's instant is graded by the restored lab.
    for (const id of busy) expect((await waitForResult(same, id, 180_000)).score).toEqual(expect.any(Number));
    expect(fs.existsSync(path.join(b, "secret.key"))).toBe(true);
    // Owners kept: the sandbox's user can still write its files.
    const owner = (root: string) => fs.statSync(path.join(root, "workspaces", String(ws), "notes", "restore.md")).uid;
    expect(owner(b)).toBe(owner(aside!));
    expect(owner(b)).not.toBe(0);
    fs.rmSync(aside!, { recursive: true, force: true });
  }, 420_000);

  it("refuses what is not a backup, and a damaged one, with a clear message and nothing changed", async () => {
    const junk = path.join(tmp, "junk.tgz");
    fs.writeFileSync(junk, "not a tarball");
    const target = path.join(tmp, "empty");
    const r = await cli(["restore", junk], target);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backlab: /);
    expect(fs.existsSync(path.join(target, "backlab.db"))).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.includes(".restoring-"))).toEqual([]);
    expect((await cli(["backup", path.join(tmp, "x.tgz")], path.join(tmp, "nowhere"))).stderr).toMatch(
      /no lab database/,
    );
    expect((await cli(["restore"], target)).code).toBe(2);
  });
});

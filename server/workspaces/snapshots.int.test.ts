import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../config.ts";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";

let lab: TestLab;
beforeAll(async () => {
  lab = await startTestLab({}, { driver: new FakeDriver() });
});
afterAll(() => lab?.close());

const STARTER = path.join(ROOT_DIR, "exercises", "code-patterns", "token-bucket", "starter");
const LONG = `${"deep/".repeat(30)}${"n".repeat(120)}.txt`;

async function learnerWithWork(): Promise<{ c: Client; id: number; dir: string }> {
  const c = await Client.signup(lab.url, "resetter");
  const { body } = await c.json<{ workspace: { id: number } }>("POST", "/api/exercises/token-bucket/workspace", {});
  const dir = path.join(lab.dataDir, "workspaces", String(body.workspace.id));
  fs.writeFileSync(path.join(dir, "src", "middleware.ts"), "// my attempt\n");
  fs.mkdirSync(path.join(dir, path.dirname(LONG)), { recursive: true });
  fs.writeFileSync(path.join(dir, LONG), "long\n");
  fs.mkdirSync(path.join(dir, "node_modules", "left-pad"), { recursive: true });
  return { c, id: body.workspace.id, dir };
}

describe("resetting a workspace to the starter", () => {
  it("needs a confirmation, keeps the old files as a snapshot, puts the starter back, and is audited", async () => {
    const { c, id, dir } = await learnerWithWork();
    const unconfirmed = await c.json<{ detail: string }>("POST", `/api/workspaces/${id}/reset`, {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(fs.readFileSync(path.join(dir, "src", "middleware.ts"), "utf8")).toBe("// my attempt\n");

    const reset = await c.json<{ snapshot: { id: number; reason: string; files: number } }>(
      "POST",
      `/api/workspaces/${id}/reset`,
      { confirm: "reset" },
    );
    expect(reset.status).toBe(200);
    expect(reset.body.snapshot).toMatchObject({ reason: "reset" });
    expect(fs.readFileSync(path.join(dir, "src", "middleware.ts"))).toEqual(
      fs.readFileSync(path.join(STARTER, "src", "middleware.ts")),
    );
    expect(fs.existsSync(path.join(dir, "deep"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "README.md"))).toBe(true);
    // Owned by the workspace's sandbox user, as a first open makes them.
    expect(fs.statSync(path.join(dir, "src", "middleware.ts")).uid).toBe(fs.statSync(dir).uid);

    const list = await c.json<{ snapshots: { id: number }[] }>("GET", `/api/workspaces/${id}/snapshots`);
    expect(list.body.snapshots.map((s) => s.id)).toEqual([reset.body.snapshot.id]);

    // The download is a tar any tar reads: the old files, long names included, node_modules not.
    const res = await c.request("GET", `/api/workspaces/${id}/snapshots/${reset.body.snapshot.id}/archive`);
    expect(res.headers.get("content-type")).toMatch(/application\/x-tar/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="token-bucket-snapshot-\d+\.tar"/);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-snapshot-"));
    fs.writeFileSync(path.join(out, "s.tar"), Buffer.from(await res.arrayBuffer()));
    execFileSync("tar", ["-xf", "s.tar"], { cwd: out });
    const root = path.join(out, `token-bucket-snapshot-${reset.body.snapshot.id}`);
    expect(fs.readFileSync(path.join(root, "src", "middleware.ts"), "utf8")).toBe("// my attempt\n");
    expect(fs.readFileSync(path.join(root, LONG), "utf8")).toBe("long\n");
    expect(fs.existsSync(path.join(root, "node_modules"))).toBe(false);
    fs.rmSync(out, { recursive: true, force: true });

    // Restored: the old files are back, and what the reset left is kept in its turn.
    const restored = await c.json<{ snapshot: { reason: string } }>(
      "POST",
      `/api/workspaces/${id}/snapshots/${reset.body.snapshot.id}/restore`,
      {},
    );
    expect(restored).toMatchObject({ status: 200, body: { snapshot: { reason: "restore" } } });
    expect(fs.readFileSync(path.join(dir, "src", "middleware.ts"), "utf8")).toBe("// my attempt\n");
    expect(fs.readFileSync(path.join(dir, LONG), "utf8")).toBe("long\n");
    expect(
      (await c.json<{ snapshots: unknown[] }>("GET", `/api/workspaces/${id}/snapshots`)).body.snapshots,
    ).toHaveLength(2);

    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    const actions = db
      .all<{ action: string; target_id: string }>(
        "SELECT action, target_id FROM audit_log WHERE target_kind = 'workspace'",
      )
      .filter((r) => r.target_id === String(id))
      .map((r) => r.action);
    db.close();
    expect(actions).toEqual(["workspace.reset", "workspace.restore"]);
  });

  it("is the owner's only: another learner's reset, list, download and restore are 404", async () => {
    const { id } = await learnerWithWork();
    const other = await Client.signup(lab.url, "stranger");
    expect((await other.json("POST", `/api/workspaces/${id}/reset`, { confirm: "reset" })).status).toBe(404);
    expect((await other.json("GET", `/api/workspaces/${id}/snapshots`)).status).toBe(404);
    expect((await other.request("GET", `/api/workspaces/${id}/snapshots/1/archive`)).status).toBe(404);
    expect((await other.json("POST", `/api/workspaces/${id}/snapshots/1/restore`, {})).status).toBe(404);
  });
});

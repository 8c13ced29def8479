import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Database } from "../db/database.ts";
import { FakeDriver } from "../../graders/sandbox/doubles.ts";
import { Client, startTestLab, type TestLab } from "../test/lab.ts";
import { WORKSPACE_UID_BASE } from "./service.ts";
import { etagOf } from "./workspace-files.ts";

/**
 * The file API and the help routes over HTTP, on a real lab (real database, sessions and
 * workspace filesystems; the sandbox is a double, nothing here runs learner code). Every
 * refusal is checked for its status, problem+json, and that nothing changed on disk.
 */

const EXERCISE = "token-bucket";
let lab: TestLab;
let alice: Client;
let bob: Client;
let aliceWs: number;
let bobWs: number;
let dir: string;

const files = (ws: number) => `/api/workspaces/${ws}/files`;
const content = (ws: number, p: string) => `${files(ws)}/content?path=${encodeURIComponent(p)}`;

/** Every path below a folder with its content (files) or a marker, links never followed. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d)) {
      const abs = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        out[r] = "<dir>";
        walk(abs, r);
      } else out[r] = st.isSymbolicLink() ? `-> ${fs.readlinkSync(abs)}` : fs.readFileSync(abs, "utf8");
    }
  };
  walk(root, "");
  return out;
}

async function expectProblem(res: Response, status: number, id?: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
  if (id) expect(body.type).toBe(`/problems/${id}`);
  return body;
}

beforeAll(async () => {
  lab = await startTestLab({}, { driver: new FakeDriver() });
  alice = await Client.signup(lab.url, "alice");
  bob = await Client.signup(lab.url, "bob");
  aliceWs = (await alice.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {})).body
    .workspace.id;
  bobWs = (await bob.json<{ workspace: { id: number } }>("POST", `/api/exercises/${EXERCISE}/workspace`, {})).body
    .workspace.id;
  dir = path.join(lab.dataDir, "workspaces", String(aliceWs));
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

describe("the workspace file API", () => {
  it("lists the workspace's tree with sizes and times", async () => {
    const { status, body } = await alice.json<{
      entries: { path: string; type: string; size: number }[];
      limits: { maxFileBytes: number };
    }>("GET", files(aliceWs));
    expect(status).toBe(200);
    expect(body.entries.find((e) => e.path === "src/token-bucket.ts")).toMatchObject({ type: "file" });
    expect(body.entries.find((e) => e.path === "src")).toMatchObject({ type: "dir" });
    expect(body.limits.maxFileBytes).toBe(1024 * 1024);
  });

  it("reads with an ETag, answers 304 to If-None-Match, saves with If-Match and keeps the sandbox's uid", async () => {
    const read = await alice.request("GET", content(aliceWs, "src/token-bucket.ts"));
    expect(read.status).toBe(200);
    const etag = read.headers.get("etag")!;
    const { file } = (await read.json()) as { file: { content: string; etag: string } };
    expect(file.etag).toBe(etag);
    expect(etag).toBe(etagOf(fs.readFileSync(path.join(dir, "src/token-bucket.ts"))));

    expect(
      (await alice.request("GET", content(aliceWs, "src/token-bucket.ts"), undefined, { "if-none-match": etag }))
        .status,
    ).toBe(304);

    const saved = await alice.request(
      "PUT",
      content(aliceWs, "src/token-bucket.ts"),
      { content: `${file.content}// edited\n` },
      { "if-match": etag },
    );
    expect(saved.status).toBe(200);
    expect(saved.headers.get("etag")).not.toBe(etag);
    expect(fs.readFileSync(path.join(dir, "src/token-bucket.ts"), "utf8")).toMatch(/\/\/ edited\n$/);
    expect(fs.statSync(path.join(dir, "src/token-bucket.ts")).uid).toBe(WORKSPACE_UID_BASE + aliceWs);
  });

  it("refuses a save over a change made in the terminal (412 with the current ETag), and one without If-Match (428)", async () => {
    const { body } = await alice.json<{ file: { etag: string } }>("GET", content(aliceWs, "package.json"));
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "from-the-terminal" }\n');
    const before = snapshot(dir);
    const stale = await alice.request(
      "PUT",
      content(aliceWs, "package.json"),
      { content: "{}\n" },
      { "if-match": body.file.etag },
    );
    const problem = await expectProblem(stale, 412, "etag-mismatch");
    const current = etagOf(Buffer.from('{ "name": "from-the-terminal" }\n'));
    expect(problem.etag).toBe(current);
    expect(stale.headers.get("etag")).toBe(current);
    await expectProblem(
      await alice.request("PUT", content(aliceWs, "package.json"), { content: "{}\n" }),
      428,
      "if-match-required",
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("creates, moves and deletes, owned by the sandbox's uid", async () => {
    const created = await alice.json<{ entry: { path: string; etag: string } }>("POST", files(aliceWs), {
      type: "file",
      path: "lib/util.ts",
      content: "export {};\n",
    });
    expect(created.status).toBe(201);
    expect(created.body.entry.etag).toBe(etagOf(Buffer.from("export {};\n")));
    expect(fs.statSync(path.join(dir, "lib")).uid).toBe(WORKSPACE_UID_BASE + aliceWs);
    expect(fs.statSync(path.join(dir, "lib/util.ts")).uid).toBe(WORKSPACE_UID_BASE + aliceWs);
    expect((await alice.json("POST", files(aliceWs), { type: "dir", path: "docs" })).status).toBe(201);
    await expectProblem(await alice.request("POST", files(aliceWs), { type: "dir", path: "docs" }), 409, "exists");

    expect(
      (await alice.json("POST", `${files(aliceWs)}/move`, { from: "lib/util.ts", to: "docs/util.ts" })).status,
    ).toBe(200);
    expect(fs.readFileSync(path.join(dir, "docs/util.ts"), "utf8")).toBe("export {};\n");
    await expectProblem(
      await alice.request("POST", `${files(aliceWs)}/move`, { from: "docs/util.ts", to: "package.json" }),
      409,
      "exists",
    );

    const del = await alice.json<{ removed: number }>("DELETE", `${files(aliceWs)}?path=docs`, {});
    expect(del).toMatchObject({ status: 200, body: { removed: 2 } });
    expect(fs.existsSync(path.join(dir, "docs"))).toBe(false);
  });

  it("answers bad input with a clear 4xx and changes nothing: traversal, absolute, NUL, wrong types, unknown fields, oversized", async () => {
    const before = snapshot(dir);
    for (const bad of [
      "../../../etc/passwd",
      "/etc/passwd",
      "src/../../x",
      "a\u0000b",
      "..\\..\\x",
      "x".repeat(300),
      "",
    ]) {
      await expectProblem(await alice.request("GET", content(aliceWs, bad)), 400, "validation");
      await expectProblem(
        await alice.request("POST", files(aliceWs), { type: "file", path: bad, content: "x" }),
        400,
        "validation",
      );
      await expectProblem(
        await alice.request("DELETE", `${files(aliceWs)}?path=${encodeURIComponent(bad)}`, {}),
        400,
        "validation",
      );
      await expectProblem(
        await alice.request("POST", `${files(aliceWs)}/move`, { from: "package.json", to: bad }),
        400,
        "validation",
      );
    }
    await expectProblem(
      await alice.request("POST", files(aliceWs), { type: "file", path: "a.ts", content: 123 }),
      400,
      "validation",
    );
    await expectProblem(
      await alice.request("POST", files(aliceWs), { type: "socket", path: "a.ts" }),
      400,
      "validation",
    );
    await expectProblem(
      await alice.request("POST", files(aliceWs), { type: "file", path: "a.ts", mode: 0o4755 }),
      400,
      "validation",
    );
    await expectProblem(
      await alice.request("PUT", content(aliceWs, "package.json"), { content: "x" }, { "if-match": "not-quoted" }),
      400,
      "validation",
    );
    await expectProblem(await alice.request("GET", `${files(aliceWs)}/content?path=a&path=b`), 400, "validation");
    await expectProblem(await alice.request("GET", `/api/workspaces/abc/files`), 400, "validation");
    // Over the editor's 1 MiB but under the body limit: the service refuses it by size.
    const { body } = await alice.json<{ file: { etag: string } }>("GET", content(aliceWs, "package.json"));
    await expectProblem(
      await alice.request(
        "PUT",
        content(aliceWs, "package.json"),
        { content: "x".repeat(1024 * 1024 + 1) },
        { "if-match": body.file.etag },
      ),
      413,
    );
    // Over the body limit: the parser refuses it before anything reads it.
    await expectProblem(
      await alice.request(
        "PUT",
        content(aliceWs, "package.json"),
        { content: "x".repeat(3 * 1024 * 1024) },
        { "if-match": body.file.etag },
      ),
      413,
      "too-large",
    );
    // Elsewhere the API keeps its 100 kB limit.
    await expectProblem(
      await alice.request("POST", `/api/exercises/${EXERCISE}/hints`, { index: 0, pad: "x".repeat(200_000) }),
      413,
      "too-large",
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses links and hard links planted by the sandbox, leaving their targets alone", async () => {
    const outside = path.join(lab.dataDir, "host-secret.txt");
    fs.writeFileSync(outside, "host secret\n");
    fs.symlinkSync(outside, path.join(dir, "secret-link"));
    fs.symlinkSync(lab.dataDir, path.join(dir, "data-link"));
    const before = snapshot(dir);
    await expectProblem(await alice.request("GET", content(aliceWs, "secret-link")), 409, "symlink-refused");
    await expectProblem(
      await alice.request("GET", content(aliceWs, "data-link/host-secret.txt")),
      409,
      "symlink-refused",
    );
    await expectProblem(
      await alice.request(
        "PUT",
        content(aliceWs, "data-link/host-secret.txt"),
        { content: "pwned" },
        { "if-match": etagOf(Buffer.from("host secret\n")) },
      ),
      409,
      "symlink-refused",
    );
    await expectProblem(
      await alice.request("POST", files(aliceWs), { type: "file", path: "data-link/planted.txt", content: "x" }),
      409,
      "symlink-refused",
    );
    await expectProblem(
      await alice.request("POST", `${files(aliceWs)}/move`, { from: "data-link/host-secret.txt", to: "stolen.txt" }),
      409,
      "symlink-refused",
    );
    await expectProblem(
      await alice.request("DELETE", `${files(aliceWs)}?path=${encodeURIComponent("data-link/host-secret.txt")}`, {}),
      409,
      "symlink-refused",
    );
    // A hard link inside the workspace (the sandbox can make one to its own files).
    fs.linkSync(path.join(dir, "package.json"), path.join(dir, "package-hard.json"));
    await expectProblem(
      await alice.request(
        "PUT",
        content(aliceWs, "package-hard.json"),
        { content: "{}" },
        { "if-match": etagOf(fs.readFileSync(path.join(dir, "package.json"))) },
      ),
      409,
      "hard-link-refused",
    );
    expect(fs.readFileSync(outside, "utf8")).toBe("host secret\n");
    expect(fs.existsSync(path.join(lab.dataDir, "planted.txt"))).toBe(false);
    expect(snapshot(dir)).toEqual({ ...before, "package-hard.json": before["package.json"]! });
    fs.rmSync(path.join(dir, "package-hard.json"));
    fs.rmSync(path.join(dir, "secret-link"));
    fs.rmSync(path.join(dir, "data-link"));
  });

  it("treats another user's workspace as one that does not exist, on every route, and changes nothing", async () => {
    const bobDir = path.join(lab.dataDir, "workspaces", String(bobWs));
    const before = snapshot(bobDir);
    const { body } = await bob.json<{ file: { etag: string } }>("GET", content(bobWs, "package.json"));
    const attempts: [string, string, unknown?, Record<string, string>?][] = [
      ["GET", files(bobWs)],
      ["GET", content(bobWs, "package.json")],
      ["PUT", content(bobWs, "package.json"), { content: "pwned" }, { "if-match": body.file.etag }],
      ["POST", files(bobWs), { type: "file", path: "planted.ts", content: "x" }],
      ["POST", `${files(bobWs)}/move`, { from: "package.json", to: "moved.json" }],
      ["DELETE", `${files(bobWs)}?path=package.json`, {}],
    ];
    for (const [method, url, reqBody, headers] of attempts) {
      const res = await alice.request(method, url, reqBody, headers);
      await expectProblem(res, 404, "not-found");
    }
    // A workspace id that does not exist at all answers the same.
    await expectProblem(await alice.request("GET", files(999_999)), 404, "not-found");
    expect(snapshot(bobDir)).toEqual(before);
  });

  it("needs a session", async () => {
    const anonymous = new Client(lab.url);
    await expectProblem(await anonymous.request("GET", files(aliceWs)), 401);
  });
});

describe("hints and the solution", () => {
  it("reveals hints one at a time, in order, records each reveal, and repeats a reveal harmlessly", async () => {
    const url = `/api/exercises/${EXERCISE}/hints`;
    const start = await alice.json<{ total: number; revealed: unknown[]; solutionUnlocked: boolean }>("GET", url);
    expect(start.body).toMatchObject({ revealed: [], solutionUnlocked: false });
    expect(start.body.total).toBeGreaterThanOrEqual(2);
    await expectProblem(await alice.request("POST", url, { index: 1 }), 409, "conflict");
    const first = await alice.json<{ hint: { index: number; text: string } }>("POST", url, { index: 0 });
    expect(first.status).toBe(200);
    expect(first.body.hint.index).toBe(0);
    expect((await alice.json<{ hint: { text: string } }>("POST", url, { index: 0 })).body.hint.text).toBe(
      first.body.hint.text,
    );
    await expectProblem(await alice.request("POST", url, { index: "1" }), 400, "validation");
    await expectProblem(await alice.request("POST", url, { index: 99 }), 409, "conflict");
    const after = await alice.json<{ revealed: { index: number }[] }>("GET", url);
    expect(after.body.revealed.map((h) => h.index)).toEqual([0]);
    // Per learner: Bob has seen none.
    expect((await bob.json<{ revealed: unknown[] }>("GET", url)).body.revealed).toEqual([]);
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    try {
      expect(db.all("SELECT hint_index FROM hint_reveals WHERE exercise_id = ?", [EXERCISE])).toEqual([
        { hint_index: 0 },
      ]);
    } finally {
      db.close();
    }
  });

  it("keeps the reference solution locked (403) until one of the learner's submissions passes", async () => {
    const url = `/api/exercises/${EXERCISE}/solution`;
    await expectProblem(await alice.request("GET", url), 403, "solution-locked");
    // A graded, passing submission of Alice's (written as the grading queue writes one).
    const db = new Database(path.join(lab.dataDir, "backlab.db"));
    try {
      const users = db.all<{ id: number; email: string }>("SELECT id, email FROM users ORDER BY id");
      const aliceId = users[0]!.id;
      const sub = db.run(
        "INSERT INTO submissions (workspace_id, user_id, exercise_id, status, created_at) VALUES (?, ?, ?, 'done', ?)",
        [aliceWs, aliceId, EXERCISE, new Date().toISOString()],
      );
      db.run(
        "INSERT INTO results (submission_id, status, score, max_score, duration_ms, body, created_at) VALUES (?, 'pass', 100, 100, 1, '{}', ?)",
        [sub.lastInsertRowid, new Date().toISOString()],
      );
    } finally {
      db.close();
    }
    const { status, body } = await alice.json<{ files: { path: string; content: string }[] }>("GET", url);
    expect(status).toBe(200);
    const reference = body.files.find((f) => f.path === "src/token-bucket.ts");
    expect(reference?.content).toBe(
      fs.readFileSync(path.join("exercises", "code-patterns", EXERCISE, "solution", "src", "token-bucket.ts"), "utf8"),
    );
    // Bob has not passed: still locked for him.
    await expectProblem(await bob.request("GET", url), 403, "solution-locked");
  });
});

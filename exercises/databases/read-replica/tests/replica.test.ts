// Hidden tests for "read-replica", against the service and this grading's own primary and hot
// standby. The counts come from the servers (pg_stat_statements, read through the lab's control
// channel as the superuser), never from the service; replication lag is made on cue by pausing
// the replica's replay, so nothing here waits for luck or a clock.
import { afterEach, describe, expect, it } from "vitest";
import { as, backing, newClient, noteReads, replicaCaughtUp, resetStatements, seen } from "./support.ts";

const LONG = 60_000;
afterEach(async () => {
  await backing.resumeReplay();
});

describe("routing reads", () => {
  it("the API: 201 for a new note, 400 without X-Client-Id or with a bad body, 404 for an unknown note", async () => {
    const c = newClient("api");
    const created = await as(c, "POST", "/notes", { title: "groceries", body: "milk" });
    expect(created.status, `POST /notes: ${seen(created)}`).toBe(201);
    expect(created.body).toMatchObject({ author: c, title: "groceries", body: "milk", version: 1 });
    const bare = await fetch(`${process.env.SERVICE_URL ?? "http://127.0.0.1:3000"}/notes`);
    expect(bare.status, "GET /notes without X-Client-Id").toBe(400);
    expect((await as(c, "POST", "/notes", { body: "no title" })).status, "POST /notes without a title").toBe(400);
    const missing = await as(c, "GET", "/notes/987654321");
    expect(missing.status, `GET /notes/987654321: ${seen(missing)}`).toBe(404);
  }, LONG);

  it("a client that has not written reads from the replica, never the primary", async () => {
    const writer = newClient("writer");
    const made = await as(writer, "POST", "/notes", { title: "shared" });
    await replicaCaughtUp();
    await resetStatements();
    const reader = newClient("reader");
    for (let i = 0; i < 5; i++) {
      expect((await as(reader, "GET", `/notes/${made.body.id}`)).status).toBe(200);
      expect((await as(reader, "GET", "/notes")).status).toBe(200);
    }
    const reads = await noteReads();
    expect(reads.primary, `reads of notes the primary ran (the replica ran ${reads.replica})`).toBe(0);
    expect(reads.replica, "reads of notes the replica ran for 10 GETs").toBeGreaterThanOrEqual(10);
  }, LONG);

  it("while the replica lags, a client reads its own writes at once: a new note, its edit, its list", async () => {
    const c = newClient("author");
    await backing.pauseReplay();
    const made = await as(c, "POST", "/notes", { title: "draft", body: "v1" });
    expect(made.status, seen(made)).toBe(201);
    const read = await as(c, "GET", `/notes/${made.body.id}`);
    expect(read.status, `GET /notes/${made.body.id} right after creating it (replica replay paused): ${seen(read)}`).toBe(200);
    const list = await as(c, "GET", "/notes");
    expect(list.body?.notes?.map((n: { id: number }) => n.id), "the client's list right after its write").toContain(made.body.id);
    const edited = await as(c, "PATCH", `/notes/${made.body.id}`, { body: "v2" });
    expect(edited.status, seen(edited)).toBe(200);
    const again = await as(c, "GET", `/notes/${made.body.id}`);
    expect(again.body, "the note right after the client's edit").toMatchObject({ body: "v2", version: 2 });
  }, LONG);

  it("while the replica lags, one client's write does not send other clients to the primary", async () => {
    const base = newClient("base");
    const old = await as(base, "POST", "/notes", { title: "old" });
    await replicaCaughtUp();
    await backing.pauseReplay();
    const writer = newClient("busy");
    expect((await as(writer, "POST", "/notes", { title: "fresh" })).status).toBe(201);
    await resetStatements();
    const other = newClient("other");
    for (let i = 0; i < 5; i++) expect((await as(other, "GET", `/notes/${old.body.id}`)).status).toBe(200);
    const reads = await noteReads();
    expect(reads.primary, `another client's reads that went to the primary (replica: ${reads.replica})`).toBe(0);
    expect(reads.replica).toBeGreaterThanOrEqual(5);
  }, LONG);

  it("once the replica has replayed a client's write, that client reads from the replica again", async () => {
    const c = newClient("settled");
    const made = await as(c, "POST", "/notes", { title: "later" });
    expect(made.status).toBe(201);
    await replicaCaughtUp();
    await resetStatements();
    for (let i = 0; i < 5; i++) expect((await as(c, "GET", `/notes/${made.body.id}`)).status).toBe(200);
    const reads = await noteReads();
    expect(reads.replica, `reads of notes the replica ran for 5 GETs after catching up (primary: ${reads.primary})`).toBeGreaterThanOrEqual(5);
    expect(reads.primary).toBe(0);
  }, LONG);
});

// Hidden tests for "Lock down the file service": the features every fix must keep.
// They run in a sandbox sharing the service's loopback (SERVICE_URL) and serve a mirror on
// 127.0.0.1:47801, one of the IMPORT_ALLOW addresses. Each test uses fresh accounts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, newAccount, show, startMirror, uniqueName, type Mirror } from "./support.ts";

let mirror: Mirror;
beforeAll(async () => {
  mirror = await startMirror();
});
afterAll(async () => {
  await mirror?.close();
});

/** Puts a file with unique content on the mirror and returns its URL, path and text. */
function mirrored(file: string): { url: string; path: string; text: string } {
  const path = `/pub/${randomBytes(3).toString("hex")}/${file}`;
  const text = `mirror content ${randomBytes(6).toString("hex")}\n`;
  mirror.files.set(path, text);
  return { url: mirror.url + path, path, text };
}

describe("accounts", () => {
  it("signup (201, 409 when taken, 400 for a bad body) and login (token, 401 for a wrong password)", async () => {
    const username = uniqueName("signup");
    const first = await api("/signup", { method: "POST", json: { username, password: "long enough" } });
    expect(first.status, `POST /signup: ${show(first)}`).toBe(201);
    expect(first.json, "the signup answer").toMatchObject({ username });
    expect(JSON.stringify(first.json), "the signup answer must not contain the password or its hash").not.toMatch(/long enough|passwordHash/);
    const again = await api("/signup", { method: "POST", json: { username, password: "another one" } });
    expect(again.status, `POST /signup with a taken username: ${show(again)}`).toBe(409);
    const bad = await api("/signup", { method: "POST", json: { username: "x" } });
    expect(bad.status, `POST /signup without a password: ${show(bad)}`).toBe(400);
    const login = await api("/login", { method: "POST", json: { username, password: "long enough" } });
    expect(login.status, `POST /login: ${show(login)}`).toBe(200);
    expect(typeof login.json?.token, "POST /login answers a token").toBe("string");
    const wrong = await api("/login", { method: "POST", json: { username, password: "not the password" } });
    expect(wrong.status, `POST /login with a wrong password: ${show(wrong)}`).toBe(401);
    const anonymous = await api("/files");
    expect(anonymous.status, `GET /files without a token: ${show(anonymous)}`).toBe(401);
  });
});

describe("files", () => {
  it("a new account has welcome.txt: listed, readable, with metadata", async () => {
    const a = await newAccount("welcome");
    const list = await api("/files", { token: a.token });
    expect(list.status, `GET /files: ${show(list)}`).toBe(200);
    expect(list.json?.map((f: { name: string }) => f.name), "GET /files").toEqual(["welcome.txt"]);
    const read = await api("/files/welcome.txt", { token: a.token });
    expect(read.status, `GET /files/welcome.txt: ${show(read)}`).toBe(200);
    expect(read.text, "welcome.txt").toMatch(/^Welcome!/);
    const meta = await api("/files/welcome.txt/meta", { token: a.token });
    expect(meta.json, `GET /files/welcome.txt/meta: ${show(meta)}`).toMatchObject({ name: "welcome.txt", owner: a.id, size: read.text.length, public: false });
    const missing = await api("/files/nothing-here.txt", { token: a.token });
    expect(missing.status, `GET /files/nothing-here.txt: ${show(missing)}`).toBe(404);
  });

  it("imports a file from an allowed mirror and reads it back", async () => {
    const a = await newAccount("import");
    const src = mirrored("report.csv");
    const r = await api("/imports", { method: "POST", token: a.token, json: { url: src.url } });
    expect(r.status, `POST /imports { url: ${src.url} }: ${show(r)}`).toBe(201);
    expect(r.json, "POST /imports answers the file's metadata").toMatchObject({ name: "report.csv", owner: a.id, size: src.text.length });
    expect(mirror.hits, "the service fetched the file from the mirror").toContain(src.path);
    const read = await api("/files/report.csv", { token: a.token });
    expect(read.status, `GET /files/report.csv: ${show(read)}`).toBe(200);
    expect(read.text, "GET /files/report.csv answers the imported bytes").toBe(src.text);
    const list = await api("/files", { token: a.token });
    expect(list.json?.map((f: { name: string }) => f.name).sort(), "GET /files lists the import").toEqual(["report.csv", "welcome.txt"]);
  });

  it("imports under a chosen name; bad bodies are 400 and a missing remote file is 502", async () => {
    const a = await newAccount("named");
    const src = mirrored("data.bin");
    const r = await api("/imports", { method: "POST", token: a.token, json: { url: src.url, name: "notes-2024.txt" } });
    expect(r.status, `POST /imports with a name: ${show(r)}`).toBe(201);
    expect(r.json?.name, "the stored name").toBe("notes-2024.txt");
    const read = await api("/files/notes-2024.txt", { token: a.token });
    expect(read.text, "GET /files/notes-2024.txt").toBe(src.text);
    const noUrl = await api("/imports", { method: "POST", token: a.token, json: {} });
    expect(noUrl.status, `POST /imports without a url: ${show(noUrl)}`).toBe(400);
    const notHttp = await api("/imports", { method: "POST", token: a.token, json: { url: "file:///etc/hostname" } });
    expect(notHttp.status, `POST /imports with a file: URL: ${show(notHttp)}`).toBe(400);
    const gone = await api("/imports", { method: "POST", token: a.token, json: { url: `${mirror.url}/pub/missing-${randomBytes(3).toString("hex")}.txt` } });
    expect(gone.status, `POST /imports of a URL the mirror answers 404 for: ${show(gone)}`).toBe(502);
  });

  it("files are private: another user gets 404 for my import", async () => {
    const a = await newAccount("owner");
    const b = await newAccount("other");
    const src = mirrored("secret.txt");
    const r = await api("/imports", { method: "POST", token: a.token, json: { url: src.url } });
    expect(r.status, `POST /imports: ${show(r)}`).toBe(201);
    const theirs = await api("/files/secret.txt", { token: b.token });
    expect(theirs.status, `another user's GET /files/secret.txt: ${show(theirs)}`).toBe(404);
    const meta = await api("/files/secret.txt/meta", { token: b.token });
    expect(meta.status, `another user's GET /files/secret.txt/meta: ${show(meta)}`).toBe(404);
  });

  it("PATCH /files/:name/meta updates the description and tags", async () => {
    const a = await newAccount("meta");
    const r = await api("/files/welcome.txt/meta", { method: "PATCH", token: a.token, json: { description: "Read me first", tags: ["intro", "docs"] } });
    expect(r.status, `PATCH /files/welcome.txt/meta: ${show(r)}`).toBe(200);
    expect(r.json, "PATCH answers the updated metadata").toMatchObject({ name: "welcome.txt", owner: a.id, description: "Read me first", tags: ["intro", "docs"], public: false });
    const again = await api("/files/welcome.txt/meta", { method: "PATCH", token: a.token, json: { description: "Changed" } });
    expect(again.json, "a second PATCH changes only the field it sends").toMatchObject({ description: "Changed", tags: ["intro", "docs"] });
    const read = await api("/files/welcome.txt/meta", { token: a.token });
    expect(read.json, "GET /files/welcome.txt/meta after the PATCH").toMatchObject({ description: "Changed", tags: ["intro", "docs"] });
    const missing = await api("/files/nope.txt/meta", { method: "PATCH", token: a.token, json: { description: "x" } });
    expect(missing.status, `PATCH /files/nope.txt/meta: ${show(missing)}`).toBe(404);
  });
});

// Hidden tests for "Patch the notes API without breaking it": the features every fix must keep.
// They run in a sandbox sharing the service's loopback (SERVICE_URL). Each test uses fresh accounts.
import { describe, expect, it } from "vitest";
import { api, decodeEntities, newAccount, newNote, show, uniqueName, type Note } from "./support.ts";

describe("accounts", () => {
  it("signup creates an account (201), refuses a taken name (409) and a bad body (400)", async () => {
    const username = uniqueName("signup");
    const first = await api("/signup", { method: "POST", json: { username, password: "long enough" } });
    expect(first.status, `POST /signup: ${show(first)}`).toBe(201);
    expect(first.json, "the signup answer is the new user").toMatchObject({ username });
    expect(typeof first.json.id, "the new user has an id").toBe("string");
    expect(JSON.stringify(first.json), "the signup answer must not contain the password or its hash").not.toMatch(/long enough|passwordHash/);
    const again = await api("/signup", { method: "POST", json: { username, password: "another one" } });
    expect(again.status, `POST /signup with a taken username: ${show(again)}`).toBe(409);
    const bad = await api("/signup", { method: "POST", json: { username: "x" } });
    expect(bad.status, `POST /signup without a password: ${show(bad)}`).toBe(400);
  });

  it("login gives a token that /me accepts; a wrong password is 401 and /me without a token is 401", async () => {
    const a = await newAccount("login");
    const me = await api("/me", { token: a.token });
    expect(me.status, `GET /me with the token: ${show(me)}`).toBe(200);
    expect(me.json, "GET /me").toMatchObject({ id: a.id, username: a.username, role: "user" });
    const wrong = await api("/login", { method: "POST", json: { username: a.username, password: "not-the-password" } });
    expect(wrong.status, `POST /login with a wrong password: ${show(wrong)}`).toBe(401);
    const anonymous = await api("/me");
    expect(anonymous.status, `GET /me without a token: ${show(anonymous)}`).toBe(401);
  });

  it("PATCH /me changes the display name", async () => {
    const a = await newAccount("profile");
    const r = await api("/me", { method: "PATCH", token: a.token, json: { displayName: "Ada Lovelace" } });
    expect(r.status, `PATCH /me: ${show(r)}`).toBe(200);
    expect(r.json, "PATCH /me answers the updated profile").toMatchObject({ username: a.username, displayName: "Ada Lovelace" });
    const me = await api("/me", { token: a.token });
    expect(me.json?.displayName, "GET /me after the change").toBe("Ada Lovelace");
  });
});

describe("notes", () => {
  it("a new account starts with a welcome note", async () => {
    const a = await newAccount("welcome");
    const list = await api("/notes", { token: a.token });
    expect(list.status, `GET /notes: ${show(list)}`).toBe(200);
    expect(Array.isArray(list.json), "GET /notes answers an array").toBe(true);
    expect(list.json.map((n: Note) => n.title), "the new account's notes").toEqual(["Welcome to Notes"]);
  });

  it("a note can be created, read back and listed", async () => {
    const a = await newAccount("create");
    const note = await newNote(a.token, { title: "Groceries", body: "milk\neggs" });
    expect(note, "POST /notes answers the note").toMatchObject({ title: "Groceries", body: "milk\neggs", public: false, ownerId: a.id });
    const read = await api(`/notes/${note.id}`, { token: a.token });
    expect(read.status, `GET /notes/${note.id}: ${show(read)}`).toBe(200);
    expect(read.json, `GET /notes/${note.id}`).toMatchObject({ id: note.id, title: "Groceries", body: "milk\neggs" });
    const list = await api("/notes", { token: a.token });
    expect(list.json.map((n: Note) => n.id), "GET /notes lists the new note").toContain(note.id);
    const missing = await api("/notes/999999999", { token: a.token });
    expect(missing.status, `GET /notes/999999999: ${show(missing)}`).toBe(404);
  });

  it("a note can be updated and deleted", async () => {
    const a = await newAccount("update");
    const note = await newNote(a.token, { title: "Draft", body: "first version" });
    const upd = await api(`/notes/${note.id}`, { method: "PATCH", token: a.token, json: { title: "Final", body: "second version", public: true } });
    expect(upd.status, `PATCH /notes/${note.id}: ${show(upd)}`).toBe(200);
    expect(upd.json, "PATCH answers the updated note").toMatchObject({ id: note.id, title: "Final", body: "second version", public: true });
    const partial = await api(`/notes/${note.id}`, { method: "PATCH", token: a.token, json: { body: "third version" } });
    expect(partial.json, "a PATCH with only a body keeps the title").toMatchObject({ title: "Final", body: "third version" });
    const read = await api(`/notes/${note.id}`, { token: a.token });
    expect(read.json, "GET after the PATCHes").toMatchObject({ title: "Final", body: "third version", public: true });
    const del = await api(`/notes/${note.id}`, { method: "DELETE", token: a.token });
    expect(del.status, `DELETE /notes/${note.id}: ${show(del)}`).toBe(204);
    const gone = await api(`/notes/${note.id}`, { token: a.token });
    expect(gone.status, "GET after DELETE").toBe(404);
  });

  it("the notes API needs a token (401) and a valid body (400)", async () => {
    const a = await newAccount("checks");
    const anonymous = await api("/notes");
    expect(anonymous.status, `GET /notes without a token: ${show(anonymous)}`).toBe(401);
    const noTitle = await api("/notes", { method: "POST", token: a.token, json: { body: "no title" } });
    expect(noTitle.status, `POST /notes without a title: ${show(noTitle)}`).toBe(400);
  });
});

describe("search", () => {
  it("finds your notes by words in the title or body, in any case, and only yours", async () => {
    const a = await newAccount("search");
    const b = await newAccount("other");
    const list = await newNote(a.token, { title: "Shopping list", body: "Milk, EGGS and bread" });
    const fish = await newNote(a.token, { title: 'Fish & chips "deluxe"', body: "friday's dinner, 50% off" });
    await newNote(b.token, { title: "Bob's eggs", body: "eggs eggs eggs" });
    const eggs = await api("/search?q=eggs", { token: a.token });
    expect(eggs.status, `GET /search?q=eggs: ${show(eggs)}`).toBe(200);
    expect(eggs.json?.notes?.map((n: Note) => n.id), "GET /search?q=eggs: only your note with eggs").toEqual([list.id]);
    expect(eggs.json, "GET /search?q=eggs").toMatchObject({ query: "eggs", count: 1 });
    expect(eggs.json.summary, "the summary of GET /search?q=eggs").toBe('1 note(s) match "eggs"');
    const quoted = await api(`/search?q=${encodeURIComponent('CHIPS "deluxe"')}`, { token: a.token });
    expect(quoted.status, `a search with quotes: ${show(quoted)}`).toBe(200);
    expect(quoted.json?.notes?.map((n: Note) => n.id), 'GET /search?q=CHIPS "deluxe"').toEqual([fish.id]);
    const apostrophe = await api(`/search?q=${encodeURIComponent("friday's")}`, { token: a.token });
    expect(apostrophe.json?.notes?.map((n: Note) => n.id), "GET /search?q=friday's").toEqual([fish.id]);
    const none = await api("/search?q=zebra", { token: a.token });
    expect(none.json, "GET /search?q=zebra").toMatchObject({ count: 0, notes: [], summary: '0 note(s) match "zebra"' });
    const welcome = await api("/search?q=WELCOME", { token: a.token });
    expect(welcome.json?.count, "GET /search?q=WELCOME finds the welcome note").toBe(1);
  });
});

describe("attachments", () => {
  it("welcome.txt is there; an upload is listed and downloads byte for byte; folders are per user", async () => {
    const a = await newAccount("files");
    const b = await newAccount("files");
    const welcome = await api("/attachments/download?name=welcome.txt", { token: a.token });
    expect(welcome.status, `GET /attachments/download?name=welcome.txt: ${show(welcome)}`).toBe(200);
    expect(welcome.text, "welcome.txt").toMatch(/Welcome/);
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const up = await api("/attachments/bytes-1.bin", { method: "PUT", token: a.token, body: data, headers: { "content-type": "application/octet-stream" } });
    expect(up.status, `PUT /attachments/bytes-1.bin: ${show(up)}`).toBe(201);
    expect(up.json, "the upload's answer").toEqual({ name: "bytes-1.bin", size: 256 });
    const list = await api("/attachments", { token: a.token });
    expect(list.json, "GET /attachments").toEqual(expect.arrayContaining([{ name: "bytes-1.bin", size: 256 }, expect.objectContaining({ name: "welcome.txt" })]));
    const down = await api("/attachments/download?name=bytes-1.bin", { token: a.token });
    expect(down.status, `GET /attachments/download?name=bytes-1.bin: ${show(down)}`).toBe(200);
    expect(down.bytes.equals(data), "the download must be exactly the uploaded bytes").toBe(true);
    const missing = await api("/attachments/download?name=nothing-here.txt", { token: a.token });
    expect(missing.status, "downloading a file that does not exist").toBe(404);
    const otherUser = await api("/attachments/download?name=bytes-1.bin", { token: b.token });
    expect(otherUser.status, "another user downloading bytes-1.bin (it is not in their folder)").toBe(404);
  });
});

describe("note pages", () => {
  it("a note's page shows its title and text; public pages open without a token, private ones not", async () => {
    const a = await newAccount("pages");
    const pub = await newNote(a.token, { title: "Salt & pepper", body: "Season to taste.\nThen serve.", public: true });
    const page = await api(`/notes/${pub.id}/view`);
    expect(page.status, `GET /notes/${pub.id}/view without a token (a public note): ${show(page)}`).toBe(200);
    expect(page.type, "the page's Content-Type").toMatch(/^text\/html/);
    const text = decodeEntities(page.text);
    expect(text, "the page shows the title").toContain("Salt & pepper");
    expect(text, "the page shows the text").toContain("Season to taste.\nThen serve.");
    expect(page.text, "escape once, not twice: the page shows \"&amp;\" to the reader").not.toMatch(/&amp;amp;|&amp;#/);
    const priv = await newNote(a.token, { title: "Diary", body: "dear diary" });
    const own = await api(`/notes/${priv.id}/view`, { token: a.token });
    expect(own.status, `the owner opening a private note's page: ${show(own)}`).toBe(200);
    expect(decodeEntities(own.text), "the private note's page").toContain("dear diary");
    const anonymous = await api(`/notes/${priv.id}/view`);
    expect(anonymous.status, "a private note's page without a token").toBe(404);
  });
});

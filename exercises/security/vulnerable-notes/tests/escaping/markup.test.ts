// Hidden test: markup typed into a note is shown as text on its page (not run, not stripped).
import { expect, it } from "vitest";
import { api, decodeEntities, newAccount, newNote, show } from "./support.ts";

it("markup in a note's title and text shows as text on its page", async () => {
  const a = await newAccount("markup");
  const title = "<b>Plan</b> for <i>Friday</i>";
  const body = "<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n1 < 2 && 3 > 2, \"quotes\" and 'apostrophes'";
  const note = await newNote(a.token, { title, body, public: true });
  const page = await api(`/notes/${note.id}/view`);
  expect(page.status, `GET /notes/${note.id}/view: ${show(page)}`).toBe(200);
  expect(page.type, "the page's Content-Type").toMatch(/^text\/html/);
  for (const raw of ["<script>alert(1)", "<img src=x", "<b>Plan</b>", "<i>Friday</i>"]) {
    expect(page.text, `the page's HTML must not contain the markup ${raw} as markup: escape it`).not.toContain(raw);
  }
  const text = decodeEntities(page.text);
  expect(text, "the reader must still see the title, exactly as typed").toContain(title);
  expect(text, "the reader must still see the text, exactly as typed").toContain(body);
});

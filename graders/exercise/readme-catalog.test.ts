import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { loadCatalog } from "./catalog.ts";
import { AREAS } from "./fields.ts";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** The README's catalog table: `| area | \`slug\` | what it teaches | graded by |` rows. */
function readmeRows(readme: string): { area: string; id: string }[] {
  const start = readme.indexOf("## The catalog\n");
  const end = readme.indexOf("\n## ", start + 1);
  expect(start, "README.md has a '## The catalog' section").toBeGreaterThanOrEqual(0);
  return readme
    .slice(start, end)
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| area |"))
    .map((l) => {
      const m = /^\| ([a-z-]+) \| `([a-z0-9-]+)` \|/.exec(l);
      expect(m, `a catalog row names its area and its exercise's slug in backticks: ${l}`).not.toBeNull();
      return { area: m![1]!, id: m![2]! };
    });
}

describe("the catalog and README's table", () => {
  const catalog = loadCatalog(path.join(ROOT_DIR, "exercises"));
  const rows = readmeRows(fs.readFileSync(path.join(ROOT_DIR, "README.md"), "utf8"));

  it("lists every exercise of the catalog once, under its area, and nothing else", () => {
    expect(catalog.problems).toEqual([]);
    const listed = rows.map((r) => `${r.area}/${r.id}`).sort();
    const loaded = [...catalog.exercises.values()].map((e) => `${e.area}/${e.id}`).sort();
    expect(new Set(listed).size, "no exercise is listed twice").toBe(listed.length);
    expect(listed).toEqual(loaded);
  });

  it("has three or more exercises in every area (a thin area is a reason to pick another product)", () => {
    const perArea = Object.fromEntries(
      AREAS.map((a) => [a.id, [...catalog.exercises.values()].filter((e) => e.area === a.id).length]),
    );
    for (const [area, n] of Object.entries(perArea))
      expect(n, `${area} has ${n} exercise(s)`).toBeGreaterThanOrEqual(3);
  });
});

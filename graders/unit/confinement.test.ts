import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CONFINED_LINE, confinementOff, unitConfig, withoutConfinement } from "./confinement.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CONFIG = fs.readFileSync(path.join(ROOT, "graders", "unit", "vitest.config.mjs"), "utf8");

describe("the bench's confinement switch", () => {
  it("is imported by the grading bench and the graders only, never by the lab or an exercise", () => {
    const users = execFileSync(
      "git",
      [
        "grep",
        "--untracked",
        "-l",
        "-e",
        "withoutConfinement",
        "--",
        "*.ts",
        "*.tsx",
        "*.mjs",
        "*.js",
        "*.cjs",
        "*.mts",
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    )
      .trim()
      .split("\n")
      .sort();
    expect(users).toEqual([
      "graders/unit/confinement.test.ts",
      "graders/unit/confinement.ts",
      "server/bench/grading.ts",
    ]);
  });

  it("leaves the config confined outside the bench, and turns it off only inside", async () => {
    expect(CONFIG).toContain(CONFINED_LINE);
    expect(unitConfig(CONFIG)).toBe(CONFIG);
    expect(confinementOff()).toBe(false);
    const inside = await withoutConfinement(async () => unitConfig(CONFIG));
    expect(inside).toContain("const UNCONFINED = true;");
    expect(confinementOff()).toBe(false);
    await expect(withoutConfinement(() => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(confinementOff()).toBe(false);
  });
});

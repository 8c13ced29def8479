import { describe, expect, it } from "vitest";
import type { ExerciseSummary } from "../api.ts";
import { matches } from "./catalogSearch.ts";

const card = (id: string, title: string, summary: string, topics: string[]): ExerciseSummary => ({
  id,
  title,
  area: "x",
  difficulty: "intermediate",
  estimatedMinutes: 30,
  summary,
  topics,
  maxScore: 100,
  status: "not_started",
  best: null,
  attempts: 0,
  lastAttemptAt: null,
  locked: false,
});
const cards = [
  card("refresh-rotation", "Short-lived access tokens", "HS256 access tokens, refresh families", ["jwt", "owasp"]),
  card("vulnerable-notes", "Patch the notes API", "stored XSS, IDOR", ["owasp", "xss", "security"]),
  card("pricing-mutants", "Pricing: tests that catch real bugs", "kill 8 hidden mutants", ["mutation testing"]),
];
const search = (q: string) =>
  cards.filter((c) => matches(c, { area: "", difficulty: "", status: "", q }, "Area")).map((c) => c.id);

describe("catalog search", () => {
  it("finds exercises by topic, not only by title (issue 13: jwt, owasp, mutation found nothing)", () => {
    expect(search("jwt")).toEqual(["refresh-rotation"]);
    expect(search("owasp")).toEqual(["refresh-rotation", "vulnerable-notes"]);
    expect(search("mutation")).toEqual(["pricing-mutants"]);
  });

  it("matches every word, across fields, case-insensitively; a word never spans two fields", () => {
    expect(search("OWASP xss")).toEqual(["vulnerable-notes"]);
    expect(search("hs256 JWT")).toEqual(["refresh-rotation"]);
    expect(search("jwt owasp-")).toEqual([]);
    expect(search("idor security")).toEqual(["vulnerable-notes"]);
  });
});

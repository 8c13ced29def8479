import { describe, expect, it } from "vitest";
import type { ExerciseSummary } from "../../api.ts";
import { nextExercise } from "./WhatNext.tsx";

const ex = (id: string, area: string, status: ExerciseSummary["status"] = "not_started", locked = false) =>
  ({ id, area, status, locked }) as ExerciseSummary;

describe("nextExercise", () => {
  const list = [
    ex("a1", "a"),
    ex("a2", "a", "passed"),
    ex("a3", "a"),
    ex("b1", "b"),
    ex("b2", "b", "not_started", true),
  ];
  it("suggests the next open one of the same area, then of the catalog, never a passed or locked one", () => {
    expect(nextExercise(list, "a1")?.id).toBe("a3");
    expect(nextExercise(list, "a3")?.id).toBe("a1");
    expect(nextExercise(list, "b1")?.id).toBe("a1");
    expect(nextExercise([ex("a1", "a"), ex("a2", "a", "passed")], "a1")).toBeNull();
  });
});

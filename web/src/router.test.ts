import { describe, expect, it } from "vitest";
import { matchRoute } from "./router.ts";

describe("matchRoute", () => {
  it("opens an exercise by its slug or by its folder, <area>/<slug> (issue 13: the README's naming was not found)", () => {
    expect(matchRoute("/exercises/token-bucket")).toEqual({ name: "exercise", id: "token-bucket" });
    expect(matchRoute("/exercises/code-patterns/token-bucket")).toEqual({ name: "exercise", id: "token-bucket" });
    expect(matchRoute("/exercises/code-patterns/token-bucket/")).toEqual({ name: "exercise", id: "token-bucket" });
    expect(matchRoute("/exercises/a/b/c")).toEqual({ name: "notFound" });
  });
});

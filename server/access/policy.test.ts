import { describe, expect, it } from "vitest";
import type { User } from "../accounts/schema.ts";
import { AccessPolicy, exerciseLocked } from "./policy.ts";

const learner: User = { id: 7, email: "l@example.test", displayName: "L", role: "learner" };

describe("AccessPolicy", () => {
  it("lets everything through while no rule objects", () => {
    const policy = new AccessPolicy();
    expect(policy.allows(learner, "token-bucket", "open")).toBe(true);
    expect(() => policy.check(learner, "token-bucket", "submit")).not.toThrow();
  });

  it("refuses with the first rule's problem, per exercise and use", () => {
    const policy = new AccessPolicy();
    const seen: string[] = [];
    policy.register("pacing", ({ exerciseId, use }) => {
      seen.push(`${exerciseId}:${use}`);
      return exerciseId === "locked-one" ? exerciseLocked("not yet") : undefined;
    });
    policy.register("never-reached-for-locked", ({ exerciseId }) =>
      exerciseId === "locked-one" ? exerciseLocked("second") : undefined,
    );
    expect(policy.allows(learner, "open-one", "terminal")).toBe(true);
    const p = policy.refusal({ user: learner, exerciseId: "locked-one", use: "files" });
    expect(p?.status).toBe(403);
    expect(p?.id).toBe("exercise-locked");
    expect(p?.message).toBe("not yet");
    expect(() => policy.check(learner, "locked-one", "submit")).toThrow("not yet");
    expect(seen).toEqual(["open-one:terminal", "locked-one:files", "locked-one:submit"]);
  });

  it("replaces a rule registered again under the same name (a second app on the same policy)", () => {
    const policy = new AccessPolicy();
    policy.register("pacing", () => exerciseLocked("old"));
    policy.register("pacing", () => undefined);
    expect(policy.allows(learner, "x", "open")).toBe(true);
  });
});

describe("AccessPolicy feedback", () => {
  it("is full unless a rule narrows it, and the narrowest rule wins", () => {
    const policy = new AccessPolicy();
    expect(policy.feedback(learner, "x")).toBe("full");
    policy.registerFeedback("a", () => "test-names");
    policy.registerFeedback("b", () => undefined);
    expect(policy.feedback(learner, "x")).toBe("test-names");
    policy.registerFeedback("c", (_u, id) => (id === "hidden" ? "nothing" : "full"));
    expect(policy.feedback(learner, "hidden")).toBe("nothing");
    expect(policy.feedback(learner, "x")).toBe("test-names");
  });
});

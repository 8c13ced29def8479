import { describe, expect, it } from "vitest";
import type { GradingEvent } from "../../api.ts";
import { applyEvent, currentPhase, finishedLine, headline, POSTING, type Progress } from "./progress.ts";

const run = (events: GradingEvent[], from: Progress = POSTING) => events.reduce(applyEvent, from);

describe("the grading's progress as the results panel shows it", () => {
  it("says the queue position, then the step and the phase it is in, then what each phase took", () => {
    let p = run([
      { type: "status", status: "queued" },
      { type: "queue", ahead: 2, grading: 1 },
    ]);
    expect(headline(p)).toBe("Queued — 2 ahead of you");
    p = run([{ type: "queue", ahead: 0, grading: 2 }], p);
    expect(headline(p)).toBe("Queued — next; 2 being graded");
    p = run(
      [
        { type: "status", status: "running" },
        { type: "step", index: 0, name: "Hidden unit tests", kind: "unit", state: "running" },
        { type: "phase", phase: "step", label: "Hidden unit tests", step: 0, state: "running" },
        { type: "phase", phase: "sandbox-create", label: "grade-1-s0", step: 0, state: "running" },
      ],
      p,
    );
    expect(headline(p)).toBe("Grading — Hidden unit tests");
    expect(p.queue).toBeNull();
    expect(currentPhase(p)).toBe("starting a sandbox");
    p = run(
      [
        { type: "phase", phase: "sandbox-create", label: "grade-1-s0", step: 0, state: "done", ms: 420 },
        { type: "phase", phase: "vitest", label: null, step: 0, state: "running" },
        { type: "test", step: 0, name: "a", status: "pass" },
        { type: "test", step: 0, name: "b", status: "fail" },
      ],
      p,
    );
    expect(currentPhase(p)).toBe("running the tests");
    expect(p.steps[0]).toMatchObject({ state: "running", done: 2, passed: 1 });
    expect(finishedLine(p)).toBe("sandbox 420 ms");
    p = run(
      [
        { type: "phase", phase: "vitest", label: null, step: 0, state: "done", ms: 2500 },
        { type: "step", index: 0, name: "Hidden unit tests", kind: "unit", state: "done", passed: 1, total: 2 },
      ],
      p,
    );
    expect(p.steps[0]).toMatchObject({ state: "done", done: 2, passed: 1 });
    expect(finishedLine(p)).toBe("sandbox 420 ms · tests 2.5 s");
    expect(currentPhase(p)).toBeNull();
  });

  it("ignores a late queue event once the grading started", () => {
    const p = run([
      { type: "status", status: "running" },
      { type: "queue", ahead: 3, grading: 1 },
    ]);
    expect(p.status).toBe("running");
    expect(headline(p)).toBe("Grading — starting…");
  });
});

import type { GradingEvent, QueuePosition } from "../../api.ts";

/** A step of the grading as the page has heard of it so far. */
export interface StepProgress {
  index: number;
  name: string;
  state: "running" | "done";
  /** Tests reported so far (live), then the step's own count. */
  done: number;
  passed: number;
}

type PhaseName = Extract<GradingEvent, { type: "phase" }>["phase"];
type Phase = { phase: PhaseName; label: string | null; step: number | null };

/** What the grader has done so far, from the live event stream (or the polled status). */
export interface Progress {
  status: "posting" | "queued" | "running";
  queue: QueuePosition | null;
  steps: StepProgress[];
  /** Phases started and not yet ended, innermost last. */
  open: Phase[];
  /** Phases ended in the current step, in order, with their time. */
  finished: (Phase & { ms: number })[];
}

export const POSTING: Progress = { status: "posting", queue: null, steps: [], open: [], finished: [] };

const same = (a: Phase, b: Phase) => a.phase === b.phase && a.label === b.label && a.step === b.step;

/** The progress after one server-sent event (pure, so a replayed burst gives the same page). */
export function applyEvent(p: Progress, e: GradingEvent): Progress {
  switch (e.type) {
    case "status":
      return e.status === "queued" || e.status === "running" ? { ...p, status: e.status } : p;
    case "queue":
      return p.status === "running" ? p : { ...p, status: "queued", queue: { ahead: e.ahead, grading: e.grading } };
    case "step": {
      const others = p.steps.filter((s) => s.index !== e.index);
      const prior = p.steps.find((s) => s.index === e.index);
      const step: StepProgress =
        e.state === "running"
          ? { index: e.index, name: e.name, state: "running", done: 0, passed: 0 }
          : { index: e.index, name: e.name, state: "done", done: e.total, passed: e.passed };
      return {
        ...p,
        status: "running",
        queue: null,
        steps: [...others, step].sort((a, b) => a.index - b.index),
        open: e.state === "running" ? [] : p.open,
        finished: e.state === "running" && prior?.state !== "running" ? [] : p.finished,
      };
    }
    case "test":
      return {
        ...p,
        steps: p.steps.map((s) =>
          s.index === e.step && s.state === "running"
            ? { ...s, done: s.done + 1, passed: s.passed + (e.status === "pass" ? 1 : 0) }
            : s,
        ),
      };
    case "phase": {
      if (e.phase === "step" || e.phase === "queue") return p;
      const phase = { phase: e.phase, label: e.label, step: e.step };
      if (e.state === "running") return { ...p, status: "running", open: [...p.open, phase] };
      const at = p.open.findLastIndex((o) => same(o, phase));
      return {
        ...p,
        open: at >= 0 ? [...p.open.slice(0, at), ...p.open.slice(at + 1)] : p.open,
        finished: [...p.finished, { ...phase, ms: e.ms }].slice(-12),
      };
    }
    default:
      return p;
  }
}

const PHASE_WORDS: Record<PhaseName, string> = {
  queue: "waiting in the queue",
  step: "running the step",
  "copy-in": "copying your files in",
  "sandbox-create": "starting a sandbox",
  build: "building your code",
  services: "starting the backing services",
  boot: "starting your service",
  vitest: "running the tests",
  "vitest-start": "starting the test runner",
  "test-file": "running a test file",
  "sandbox-stop": "stopping the sandbox",
  teardown: "cleaning up",
};

const SHORT: Record<PhaseName, string> = {
  queue: "queue",
  step: "step",
  "copy-in": "copy",
  "sandbox-create": "sandbox",
  build: "build",
  services: "services",
  boot: "boot",
  vitest: "tests",
  "vitest-start": "runner",
  "test-file": "test file",
  "sandbox-stop": "stop",
  teardown: "clean-up",
};

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The headline: where the submission is, in words. */
export function headline(p: Progress): string {
  if (p.status === "posting") return "Sending your files…";
  if (p.status === "queued") {
    const q = p.queue;
    if (!q) return "Queued…";
    if (q.ahead > 0) return `Queued — ${q.ahead} ahead of you`;
    return q.grading > 0 ? `Queued — next; ${q.grading} being graded` : "Queued — next";
  }
  const current = p.steps.findLast((s) => s.state === "running");
  return current ? `Grading — ${current.name}` : "Grading — starting…";
}

/** What the running step is doing right now ("starting your service"), or null. */
export function currentPhase(p: Progress): string | null {
  const o = p.open.at(-1);
  return o ? PHASE_WORDS[o.phase] : null;
}

/** The phases ended so far in this step, with their times: "sandbox 0.4 s · boot 1.2 s". */
export function finishedLine(p: Progress): string {
  return p.finished.map((f) => `${SHORT[f.phase]} ${seconds(f.ms)}`).join(" · ");
}

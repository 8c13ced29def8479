/**
 * The results every grader produces: Exercism's test-runner results.json v3, plus
 * `category`, `points`, `max_points` per test, `score`, `max_score`, `duration_ms` and
 * `timing` (where the grading's time went).
 */
export type TestStatus = "pass" | "fail" | "error";
export type Category = "functional" | "security" | "performance" | "quality";

export type TestResult = {
  name: string;
  status: TestStatus;
  message: string | null;
  output: string | null;
  task_id: number | null;
  category: Category;
  points: number;
  max_points: number;
  duration_ms: number | null;
};

export type Results = {
  version: 3;
  status: TestStatus;
  message: string | null;
  tests: TestResult[];
  score: number;
  max_score: number;
  duration_ms: number;
  /** Every grading by `grade()` carries it; results made without grading (errors before it) may not. */
  timing?: Timing;
};

/**
 * What a grading spent its time on, in order of start. Phases overlap where work runs at
 * once (the grader sandbox starting while the service boots), so they do not add up to
 * `duration_ms`; nested phases (a test file inside `vitest`, inside its `step`) neither.
 */
export const PHASES = [
  /** Waiting in the lab's grading queue before the grading started (negative `start_ms`). */
  "queue",
  /** One step of exercise.yaml, start to end; `label` is the step's name. */
  "step",
  /** Copying the submission and the hidden suite into a sandbox's folders. */
  "copy-in",
  /** Creating a sandbox (`label`: its name). */
  "sandbox-create",
  /** Compiling the workspace before the service starts. */
  "build",
  /** Starting the backing services until each accepts connections (`label`: their names). */
  "services",
  /** The service's start command until its ready path answered (`label`: the command). */
  "boot",
  /** One vitest run in a sandbox, process start to exit. */
  "vitest",
  /** Inside it: from the process start until the first test file began (config, workers). */
  "vitest-start",
  /** One hidden test file, import to last test (`label`: its path); as vitest reports it. */
  "test-file",
  /** Stopping a sandbox (`label`: its name). */
  "sandbox-stop",
  /** After the last step: stopping what the steps shared and removing the scratch folder. */
  "teardown",
] as const;
export type PhaseName = (typeof PHASES)[number];

export type Phase = {
  phase: PhaseName;
  /** Which one: a step's name, a sandbox's name, a test file; null where there is one. */
  label: string | null;
  /** The step (0-based, as in exercise.yaml) it belongs to; null for the grading as a whole. */
  step: number | null;
  /** ms from the grading's start to this phase's start. */
  start_ms: number;
  ms: number;
};

export type Timing = { phases: Phase[] };

export const MAX_TEST_OUTPUT = 500;
export const MAX_MESSAGE = 2_000;

/** Caps a string at `max` characters, saying how much was cut so the learner knows. */
export function truncate(text: string | null | undefined, max = MAX_TEST_OUTPUT): string | null {
  if (text == null || text === "") return null;
  if (text.length <= max) return text;
  const note = `… [truncated ${text.length - max + 40} characters]`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Totals the tests: `fail` if any test did not pass, `error` only when the grader itself broke. */
export function summarize(tests: TestResult[], durationMs: number, message: string | null = null): Results {
  const score = round(tests.reduce((s, t) => s + t.points, 0));
  const max = round(tests.reduce((s, t) => s + t.max_points, 0));
  const status: TestStatus = tests.length > 0 && tests.every((t) => t.status === "pass") ? "pass" : "fail";
  return { version: 3, status, message, tests, score, max_score: max, duration_ms: Math.round(durationMs) };
}

/** A run that could not grade at all (the grader broke, not the learner's code). */
export function graderError(message: string, durationMs: number, maxScore: number): Results {
  return {
    version: 3,
    status: "error",
    message: truncate(message, MAX_MESSAGE),
    tests: [],
    score: 0,
    max_score: maxScore,
    duration_ms: Math.round(durationMs),
  };
}

export const MAX_RESULTS_BYTES = 500 * 1024;

/** Keeps a results document under 500 KB: outputs go first, then messages are shortened. */
export function capResults(r: Results): Results {
  const size = () => Buffer.byteLength(JSON.stringify(r));
  if (size() <= MAX_RESULTS_BYTES) return r;
  r = { ...r, tests: r.tests.map((t) => ({ ...t, output: null })) };
  if (size() <= MAX_RESULTS_BYTES) return r;
  r = {
    ...r,
    message: truncate(r.message, 500),
    tests: r.tests.map((t) => ({ ...t, message: truncate(t.message, 100) })),
  };
  if (size() <= MAX_RESULTS_BYTES) return r;
  // Thousands of tests: keep the score, say what was cut.
  const kept = r.tests.slice(0, 1000);
  return {
    ...r,
    tests: kept,
    message: truncate(
      `${r.message ?? ""}\n${r.tests.length - kept.length} more tests are not listed (results are capped at 500 KB).`,
      2000,
    ),
  };
}

const SERVICE_OUTPUT = /(?:^|\n\n)(Service output(?: \(end\))?:\n[\s\S]*)$/;

/**
 * The steps' messages as the result's one message. Steps that share one running service each
 * end their message with its output ("Service output (end): …"): the same log, so it was
 * shown twice. A block whose end a later block repeats (the same log, grown since) is dropped.
 */
export function joinStepMessages(messages: string[]): string | null {
  const parts = messages.map((m) => {
    const match = SERVICE_OUTPUT.exec(m);
    if (!match) return { reason: m, output: null, end: "" };
    const output = match[1]!;
    // The log's last lines, without the heading (the heading differs between kinds).
    const end = output
      .slice(output.indexOf("\n") + 1)
      .slice(-200)
      .trim();
    return { reason: m.slice(0, match.index), output, end };
  });
  const kept = parts.map((p, i) => {
    const repeated = p.end !== "" && parts.slice(i + 1).some((later) => later.output?.includes(p.end));
    return [p.reason, repeated ? null : p.output].filter((s): s is string => !!s).join("\n\n");
  });
  return kept.filter(Boolean).join("\n") || null;
}

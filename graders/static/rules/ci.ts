import {
  isObject,
  jobsOf,
  onLine,
  parseWorkflow,
  stepsOf,
  str,
  type Job,
  type Step,
  type Workflow,
} from "../workflow.ts";
import { cap, defineRule, listSome, NO_PARAMS, type Rule, type RuleResult } from "./types.ts";

function withWorkflow(text: string, check: (wf: Workflow, jobs: Job[]) => RuleResult): RuleResult {
  const parsed = parseWorkflow(text);
  if (!parsed.ok) return { pass: false, message: cap(parsed.message) };
  const jobs = jobsOf(parsed.wf);
  if (jobs.length === 0)
    return {
      pass: false,
      message: "The workflow has no jobs: a workflow needs a jobs: mapping, each job with runs-on: and steps:.",
    };
  const r = check(parsed.wf, jobs);
  return { pass: r.pass, message: cap(r.message) };
}

const SHA = /^[0-9a-f]{40}$/;

const pinnedActions = defineRule({
  id: "ci/pinned-actions",
  title: "pins every action to a full commit SHA",
  params: NO_PARAMS,
  run: (text) =>
    withWorkflow(text, (wf, jobs) => {
      const uses: { value: string; line: number | null }[] = [];
      for (const job of jobs) {
        if (job.data.uses !== undefined)
          uses.push({ value: str(job.data.uses), line: wf.line(["jobs", job.id, "uses"]) });
        for (const step of stepsOf(wf, job)) {
          if (step.data.uses !== undefined)
            uses.push({ value: str(step.data.uses), line: wf.line(["jobs", job.id, "steps", step.index, "uses"]) });
        }
      }
      const bad = uses.filter(({ value }) => {
        const v = value.trim();
        if (v.startsWith("./")) return false; // an action in this repository: pinned by the commit itself
        if (v.startsWith("docker://")) return !/@sha256:[a-f0-9]{64}$/.test(v);
        const at = v.lastIndexOf("@");
        return at < 0 || !SHA.test(v.slice(at + 1));
      });
      if (bad.length) {
        const list = bad.map((b) => `${onLine(b.line)}: ${b.value}`);
        return {
          pass: false,
          message: `Not pinned to a commit SHA: ${listSome(list)}. A tag or branch can be moved to other code (as happened to tj-actions/changed-files in 2025). Pin the full 40-character SHA and keep the tag as a comment: uses: actions/checkout@<sha> # v4.`,
        };
      }
      if (uses.length === 0) return { pass: true, message: "The workflow uses no third-party actions." };
      return {
        pass: true,
        message: `All ${uses.length} uses: are pinned to a full commit SHA (or are local actions). Dependabot can keep the SHAs up to date.`,
      };
    }),
});

const TEST_RUN =
  /(^|[\s;&|(])(npm|yarn|pnpm|bun)\s+(run\s+)?test\b|\bnpm\s+t\b|\bnpx\s+(vitest|jest|mocha|playwright\s+test)\b|(^|[\s;&|(])(vitest|jest|mocha|pytest|tox)\b|\bgo\s+test\b|\bcargo\s+test\b|\b(mvn|mvnw|gradle|gradlew)\b.*\b(test|verify|check)\b|\bmake\s+(test|check)\b|\bnode\s+--test\b|\bdeno\s+test\b/m;
const PUBLISH_RUN =
  /\b(npm|yarn|pnpm)\s+publish\b|\bdocker\s+(image\s+)?push\b|\bdocker\s+buildx\s+build\b.*--push\b|\bgh\s+release\s+(create|upload)\b|\btwine\s+upload\b|\bkubectl\s+(apply|rollout|set\s+image)\b|\bhelm\s+(upgrade|install)\b|\bflyctl?\s+deploy\b|\bnetlify\s+deploy\b|\bcdk\s+deploy\b|\bterraform\s+apply\b|\bserverless\s+deploy\b|\bgit\s+push\b|\bvercel\b.*--prod\b/m;
const PUBLISH_USES =
  /^(actions\/deploy-pages|softprops\/action-gh-release|js-devtools\/npm-publish|pypa\/gh-action-pypi-publish|azure\/webapps-deploy|aws-actions\/amazon-ecs-deploy-task-definition|google-github-actions\/deploy-[a-z-]+|peaceiris\/actions-gh-pages|cloudflare\/wrangler-action|superfly\/flyctl-actions)@/i;
const PUBLISH_WORD = /(^|[^a-z])(publish|publishing|deploy|deployment|release|push)([^a-z]|$)/i;
const TEST_WORD = /(^|[^a-z])tests?([^a-z]|$)/i;
const RUNS_ANYWAY = /\b(always|failure|cancelled)\s*\(\s*\)/;

function isTestStep(s: Step): boolean {
  if (s.data["continue-on-error"] === true) return false;
  return (
    TEST_RUN.test(str(s.data.run)) ||
    TEST_WORD.test(str(s.data.name)) ||
    TEST_WORD.test(str(s.data.uses).split("@")[0]!)
  );
}

function isPublishStep(s: Step): boolean {
  const uses = str(s.data.uses);
  if (/^docker\/build-push-action@/i.test(uses)) {
    const push = isObject(s.data.with) ? s.data.with.push : undefined;
    return push === true || (typeof push === "string" && push !== "false");
  }
  return PUBLISH_RUN.test(str(s.data.run)) || PUBLISH_USES.test(uses) || PUBLISH_WORD.test(str(s.data.name));
}

function needsOf(job: Job): string[] {
  const n = job.data.needs;
  return typeof n === "string" ? [n] : Array.isArray(n) ? n.map(str).filter(Boolean) : [];
}

const testBeforePublish = defineRule({
  id: "ci/test-before-publish",
  title: "publishes only after the tests pass",
  params: NO_PARAMS,
  run: (text) =>
    withWorkflow(text, (wf, jobs) => {
      const byId = new Map(jobs.map((j) => [j.id, j]));
      const steps = new Map(jobs.map((j) => [j.id, stepsOf(wf, j)]));
      const jobLabel = (j: Job) => `job "${j.id}"`;
      const isTestJob = (j: Job) =>
        j.data["continue-on-error"] !== true &&
        (steps.get(j.id)!.some(isTestStep) || TEST_WORD.test(j.id) || TEST_WORD.test(str(j.data.name)));
      /** Every job `job` waits for, directly or through other jobs. */
      const upstream = (job: Job): Job[] => {
        const seen = new Set<string>();
        const todo = [...needsOf(job)];
        while (todo.length) {
          const id = todo.pop()!;
          if (seen.has(id) || !byId.has(id)) continue;
          seen.add(id);
          todo.push(...needsOf(byId.get(id)!));
        }
        return [...seen].map((id) => byId.get(id)!);
      };

      type Point = { job: Job; step: Step | null; line: number | null; what: string };
      const points: Point[] = [];
      for (const j of jobs) {
        const pubSteps = steps.get(j.id)!.filter(isPublishStep);
        for (const s of pubSteps)
          points.push({
            job: j,
            step: s,
            line: s.line,
            what: `"${str(s.data.name) || str(s.data.uses) || str(s.data.run).split("\n")[0]}" in ${jobLabel(j)}`,
          });
        if (pubSteps.length === 0 && (PUBLISH_WORD.test(j.id) || PUBLISH_WORD.test(str(j.data.name))))
          points.push({ job: j, step: null, line: wf.line(["jobs", j.id]), what: jobLabel(j) });
      }
      if (points.length === 0) {
        return {
          pass: false,
          message:
            "No publish, deploy or push step found (npm publish, docker push, docker/build-push-action with push: true, a job named deploy…). This rule checks that publishing waits for the tests: add the publishing job, with needs: on the test job.",
        };
      }
      if (!jobs.some(isTestJob)) {
        return {
          pass: false,
          message: `The workflow runs no tests (npm test, vitest, a step or job named test), so ${points[0]!.what} publishes untested code. Add a test job and make the publishing job wait for it with needs: test.`,
        };
      }
      const bad: string[] = [];
      const good: string[] = [];
      for (const p of points) {
        const where = `${p.what}${p.line ? ` (line ${p.line})` : ""}`;
        const cond = `${str(p.job.data.if)} ${str(p.step?.data.if)}`;
        if (RUNS_ANYWAY.test(cond)) {
          bad.push(`${where} has an if: with always()/failure()/cancelled(), so it runs even when the tests fail`);
          continue;
        }
        const before = p.step ? steps.get(p.job.id)!.filter((s) => s.index < p.step!.index && isTestStep(s)) : [];
        const testJobs = upstream(p.job).filter(isTestJob);
        if (before.length) good.push(`${where} comes after the test step on line ${before.at(-1)!.line ?? "?"}`);
        else if (testJobs.length) good.push(`${where} waits for ${jobLabel(testJobs[0]!)} (needs:)`);
        else
          bad.push(
            `${where} does not wait for any test: ${p.job.data.needs === undefined ? "its job has no needs:" : `its needs: (${needsOf(p.job).join(", ")}) runs no tests`}`,
          );
      }
      if (bad.length)
        return {
          pass: false,
          message: `${listSome(bad, 2)}. Jobs run in parallel unless needs: says otherwise, so untested code can ship. Put the tests first in the same job, or add needs: test to the publishing job.`,
        };
      return { pass: true, message: `Publishing waits for the tests: ${listSome(good, 2)}.` };
    }),
});

const SCOPE_VALUES = new Set(["read", "write", "none"]);

const leastPrivilege = defineRule({
  id: "ci/least-privilege",
  title: "limits the GITHUB_TOKEN's permissions",
  params: NO_PARAMS,
  run: (text) =>
    withWorkflow(text, (wf, jobs) => {
      const perms = wf.data.permissions;
      const line = wf.line(["permissions"]);
      const fix =
        "Set at the top level permissions: { contents: read } (or permissions: {}) and grant more, e.g. packages: write, only in the job that needs it.";
      if (perms === undefined || perms === null)
        return {
          pass: false,
          message: `No top-level permissions:, so every job's GITHUB_TOKEN gets the repository's default, which can be write access to everything. ${fix}`,
        };
      if (perms === "write-all")
        return {
          pass: false,
          message: `permissions: write-all (line ${line}) gives every job write access to code, packages, releases and more; one compromised step can push to your repository. ${fix}`,
        };
      if (typeof perms === "string" && perms !== "read-all")
        return {
          pass: false,
          message: `permissions: ${perms} (line ${line}) is not valid: use read-all, {} or a mapping of scopes (contents: read). ${fix}`,
        };
      if (typeof perms !== "string" && !isObject(perms))
        return {
          pass: false,
          message: `permissions: on line ${line} must be read-all, {} or a mapping like contents: read. ${fix}`,
        };
      if (isObject(perms)) {
        const invalid = Object.entries(perms).filter(([, v]) => !SCOPE_VALUES.has(str(v)));
        if (invalid.length)
          return {
            pass: false,
            message: `permissions: (line ${line}) sets ${invalid.map(([k, v]) => `${k}: ${str(v) || "?"}`).join(", ")}; each scope takes read, write or none.`,
          };
      }
      const jobWriteAll = jobs.filter((j) => j.data.permissions === "write-all");
      if (jobWriteAll.length) {
        return {
          pass: false,
          message: `${listSome(jobWriteAll.map((j) => `job "${j.id}" (line ${wf.line(["jobs", j.id, "permissions"])})`))} asks for permissions: write-all, which undoes the top-level limit. Grant that job only the scopes it uses, e.g. contents: write or packages: write.`,
        };
      }
      const writes = isObject(perms)
        ? Object.entries(perms)
            .filter(([, v]) => v === "write")
            .map(([k]) => k)
        : [];
      if (writes.length)
        return {
          pass: true,
          message: `Top-level permissions are set (line ${line}). Note: ${writes.join(", ")}: write at the top applies to every job; consider granting it only in the job that needs it.`,
        };
      return {
        pass: true,
        message: `Top-level permissions are set (line ${line}) and read-only; jobs ask for more only where needed.`,
      };
    }),
});

export const ciRules: Rule[] = [pinnedActions, testBeforePublish, leastPrivilege];

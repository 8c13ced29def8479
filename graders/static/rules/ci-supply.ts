import { isObject, jobsOf, onLine, parseWorkflow, stepsOf, str, type Job, type Workflow } from "../workflow.ts";
import { cap, defineRule, listSome, NO_PARAMS, type Rule, type RuleResult } from "./types.ts";

function withWorkflow(text: string, check: (wf: Workflow, jobs: Job[]) => RuleResult): RuleResult {
  const parsed = parseWorkflow(text);
  if (!parsed.ok) return { pass: false, message: cap(parsed.message) };
  const jobs = jobsOf(parsed.wf);
  if (jobs.length === 0)
    return {
      pass: false,
      message: "The workflow has no jobs: a workflow needs a jobs: mapping, each job with steps:.",
    };
  const r = check(parsed.wf, jobs);
  return { pass: r.pass, message: cap(r.message) };
}

const SECRET_NAME = /(token|secret|passw(or)?d|api[_-]?key|private[_-]?key|credential|auth)/i;
/** Token formats that are a leak wherever they appear (GitHub, npm, AWS, Slack, private keys). */
const TOKEN_SHAPE =
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|npm_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|xox[abp]-[A-Za-z0-9-]{10,})\b|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const EXPRESSION_ONLY = /^\s*\$\{\{[^}]*\}\}\s*$/;

const noInlineSecrets = defineRule({
  id: "ci/no-inline-secrets",
  title: "keeps secrets out of the workflow file",
  params: NO_PARAMS,
  run: (text) =>
    withWorkflow(text, (wf, jobs) => {
      const found: string[] = [];
      const lines = text.split("\n");
      lines.forEach((l, i) => {
        if (TOKEN_SHAPE.test(l)) found.push(`line ${i + 1}: a token in the file`);
      });
      const checkMap = (m: unknown, path: (string | number)[]) => {
        if (!isObject(m)) return;
        for (const [k, v] of Object.entries(m)) {
          // A boolean or a number (persist-credentials: false) is a setting, not a secret.
          if (typeof v !== "string") continue;
          if (SECRET_NAME.test(k) && v.trim().length >= 6 && !EXPRESSION_ONLY.test(v))
            found.push(`${onLine(wf.line([...path, k])) || path.join(".")}: ${k} is a literal`);
        }
      };
      checkMap(wf.data.env, ["env"]);
      for (const job of jobs) {
        checkMap(job.data.env, ["jobs", job.id, "env"]);
        for (const s of stepsOf(wf, job)) {
          checkMap(s.data.env, ["jobs", job.id, "steps", s.index, "env"]);
          checkMap(s.data.with, ["jobs", job.id, "steps", s.index, "with"]);
        }
      }
      const unique = [...new Set(found)];
      if (unique.length)
        return {
          pass: false,
          message: `Secrets written into the workflow: ${listSome(unique)}. Anyone who can read the repository (and every fork) reads them, forever, in git history. Revoke the token now, store the new one as a repository secret and pass it as \${{ secrets.NPM_TOKEN }}, only to the step that needs it.`,
        };
      return { pass: true, message: "No literal secret: tokens come from ${{ secrets.* }}." };
    }),
});

const NPM_INSTALL = /\bnpm\s+(install|i|ci|add)\b[^\n;&|]*/g;

const lockedInstall = defineRule({
  id: "ci/locked-install",
  title: "installs from the lockfile without running install scripts",
  params: NO_PARAMS,
  run: (text) =>
    withWorkflow(text, (wf, jobs) => {
      const bad: string[] = [];
      let n = 0;
      for (const job of jobs)
        for (const s of stepsOf(wf, job)) {
          const where = onLine(wf.line(["jobs", job.id, "steps", s.index, "run"])) || `${job.id} step ${s.index + 1}`;
          for (const m of str(s.data.run).matchAll(NPM_INSTALL)) {
            n++;
            const cmd = m[0].trim();
            if (!/^npm\s+ci\b/.test(cmd)) bad.push(`${where}: "${cmd}" may rewrite the lockfile (use npm ci)`);
            else if (!/--ignore-scripts\b/.test(cmd))
              bad.push(`${where}: "${cmd}" runs every dependency's install scripts`);
          }
        }
      if (bad.length)
        return {
          pass: false,
          message: `${listSome(bad)}. npm ci installs exactly the lockfile (and fails when it disagrees with package.json); --ignore-scripts stops a compromised dependency's postinstall from running with the job's secrets. Run a build step you trust explicitly afterwards (npm rebuild <pkg> for the rare native module).`,
        };
      if (n === 0)
        return { pass: false, message: "No npm install step found: the workflow should run npm ci --ignore-scripts." };
      return { pass: true, message: `All ${n} installs use npm ci --ignore-scripts.` };
    }),
});

export const ciSupplyRules: Rule[] = [noInlineSecrets, lockedInstall];

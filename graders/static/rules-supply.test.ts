import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ruleFor, type RuleResult } from "./rules/index.ts";
import { squatOf } from "./rules/npm.ts";

const CTX = { exerciseDir: "/nonexistent", deadline: Date.now() + 60_000 };
const check = (id: string, text: string) => ruleFor(id).run(text, {}, CTX) as RuleResult;
const pkg = (o: object) => JSON.stringify({ name: "x", version: "1.0.0", ...o });

describe("npm rules", () => {
  it("npm/pinned-versions refuses ranges, tags and URLs and names them", () => {
    const r = check(
      "npm/pinned-versions",
      pkg({ dependencies: { a: "^1.2.3", b: "1.2.3", c: "latest" }, devDependencies: { d: "git+https://x/y.git" } }),
    );
    expect(r.pass).toBe(false);
    expect(r.message).toContain('dependencies.a "^1.2.3"');
    expect(r.message).toContain('devDependencies.d "git+https://x/y.git"');
    expect(r.message).not.toContain("dependencies.b");
    expect(check("npm/pinned-versions", pkg({ dependencies: { a: "1.2.3", b: "2.0.0-rc.1" } })).pass).toBe(true);
    expect(check("npm/pinned-versions", "{ nope").message).toMatch(/not valid JSON/);
  });

  it("npm/no-typosquats catches look-alikes and leaves real neighbours alone", () => {
    for (const [squat, real] of [
      ["crossenv", "cross-env"],
      ["expresss", "express"],
      ["lodahs", "lodash"],
      ["mongose", "mongoose"],
      ["electorn", "electron"],
      ["expressjs", "express"],
    ] as const)
      expect(squatOf(squat)).toBe(real);
    for (const ok of [
      "express",
      "cross-env",
      "mysql2",
      "preact",
      "@types/express",
      "zod",
      "debug",
      "ms",
      "fastq",
      "pino-pretty",
    ])
      expect(squatOf(ok)).toBeNull();
    const r = check("npm/no-typosquats", pkg({ devDependencies: { crossenv: "7.0.3" } }));
    expect(r.pass).toBe(false);
    expect(r.message).toContain('"crossenv" (did you mean "cross-env"?)');
  });

  it("npm/no-install-scripts refuses every install hook, not only postinstall", () => {
    for (const hook of ["preinstall", "install", "postinstall"])
      expect(check("npm/no-install-scripts", pkg({ scripts: { [hook]: "node x.js" } })).message).toContain(
        `scripts.${hook}`,
      );
    expect(check("npm/no-install-scripts", pkg({ scripts: { test: "node --test", prepare: "tsc" } })).pass).toBe(true);
  });

  it("npm/lockfile-integrity wants v2+, the registry over HTTPS and sha512 on every entry", () => {
    const lock = (packages: object, lockfileVersion = 3) =>
      JSON.stringify({ lockfileVersion, packages: { "": {}, ...packages } });
    const good = { resolved: "https://registry.npmjs.org/a/-/a-1.0.0.tgz", integrity: "sha512-AAAA" };
    expect(
      check("npm/lockfile-integrity", lock({ "node_modules/a": good, "node_modules/b": { link: true } })).pass,
    ).toBe(true);
    expect(check("npm/lockfile-integrity", lock({ "node_modules/a": good }, 1)).message).toMatch(
      /lockfileVersion is 1/,
    );
    const bad = check(
      "npm/lockfile-integrity",
      lock({
        "node_modules/a": { ...good, resolved: "http://mirror/a.tgz" },
        "node_modules/b": { resolved: good.resolved },
        "node_modules/c": { ...good, integrity: "sha1-abcd" },
      }),
    );
    expect(bad.pass).toBe(false);
    expect(bad.message).toContain("node_modules/a: resolved from http://mirror/a.tgz");
    expect(bad.message).toContain("node_modules/b: no integrity");
    expect(bad.message).toContain("node_modules/c: weak integrity sha1");
    expect(check("npm/lockfile-integrity", lock({})).pass).toBe(false);
  });
});

const wf = (...lines: string[]) =>
  ["on: push", "jobs:", "  build:", "    runs-on: ubuntu-24.04", "    steps:", ...lines].join("\n") + "\n";

describe("CI supply-chain rules", () => {
  it("ci/no-inline-secrets flags literal secrets and token shapes, not expressions or booleans", () => {
    const r = check(
      "ci/no-inline-secrets",
      "env:\n  NPM_TOKEN: hunter2hunter2\n" + wf("      - run: echo ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    );
    expect(r.pass).toBe(false);
    expect(r.message).toContain("NPM_TOKEN is a literal");
    expect(r.message).toContain("line 8: a token in the file");
    const ok = wf(
      "      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
      "        with: { persist-credentials: false, token: '${{ secrets.GH }}' }",
      "      - run: npm publish",
      "        env: { NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' }",
    );
    expect(check("ci/no-inline-secrets", ok).pass).toBe(true);
  });

  it("ci/locked-install wants npm ci --ignore-scripts for every install", () => {
    expect(check("ci/locked-install", wf("      - run: npm ci --ignore-scripts", "      - run: npm test")).pass).toBe(
      true,
    );
    expect(check("ci/locked-install", wf("      - run: npm install")).message).toMatch(/use npm ci/);
    expect(check("ci/locked-install", wf("      - run: npm ci && npm test")).message).toMatch(/install scripts/);
    expect(check("ci/locked-install", wf("      - run: npm test")).pass).toBe(false);
  });
});

const solution = fs.readFileSync(
  path.join(import.meta.dirname, "../../exercises/devops/kubernetes-manifests/solution/k8s/orders-api.yaml"),
  "utf8",
);
const K8S = [
  "k8s/probes",
  "k8s/resources",
  "k8s/security-context",
  "k8s/rolling-update",
  "k8s/service",
  "k8s/disruption-budget",
  "k8s/autoscaler",
];

describe("k8s rules", () => {
  it("pass on the exercise's reference manifests", () => {
    for (const id of K8S) expect(check(id, solution), id).toMatchObject({ pass: true });
  });

  it("fail with a message on broken YAML or a missing Deployment", () => {
    for (const id of K8S) {
      expect(check(id, "kind: Deployment\n  bad: [").message).toMatch(/not valid YAML/);
      expect(check(id, "apiVersion: v1\nkind: Service\n").message).toMatch(/exactly one Deployment/);
    }
  });

  it("read percentages as Kubernetes rounds them", () => {
    // 25% of 3 is 0 unavailable (rounded down), 1 surge (rounded up): the default keeps capacity at 3.
    const noStrategy = solution.replace(/ {2}strategy:\n( {4}.*\n)+/, "");
    expect(check("k8s/rolling-update", noStrategy).pass).toBe(true);
    expect(
      check(
        "k8s/rolling-update",
        solution.replace("minReplicas: 3", "minReplicas: 4").replace(/ {2}strategy:\n( {4}.*\n)+/, ""),
      ).message,
    ).toMatch(/maxUnavailable allows 1 pod/);
    // A PDB rounds minAvailable up: 67% of 3 is 3, so nothing may be evicted.
    const strict = solution.replace("  maxUnavailable: 1\n  selector:", "  minAvailable: 67%\n  selector:");
    expect(check("k8s/disruption-budget", strict).message).toMatch(/allows no eviction/);
  });

  it("check what the Service, the securityContext and the HPA actually say", () => {
    expect(check("k8s/service", solution.replace("      targetPort: http", "      targetPort: web")).message).toMatch(
      /targetPort web/,
    );
    expect(
      check(
        "k8s/service",
        solution.replace(
          "  selector:\n    app.kubernetes.io/name: orders-api\n  ports",
          "  selector:\n    app: orders\n  ports",
        ),
      ).message,
    ).toMatch(/No Service selects/);
    expect(
      check("k8s/security-context", solution.replace("runAsNonRoot: true", "runAsNonRoot: false")).message,
    ).toMatch(/runAsNonRoot is not true/);
    expect(
      check("k8s/autoscaler", solution.replace("apiVersion: autoscaling/v2", "apiVersion: autoscaling/v1")).message,
    ).toMatch(/not autoscaling\/v2/);
  });
});

describe("prometheus/promtool-test", () => {
  const ex = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-rule-"));
  fs.mkdirSync(path.join(ex, "tests"));
  fs.writeFileSync(
    path.join(ex, "tests", "t.yml"),
    [
      "rule_files: [elsewhere.yml]",
      "evaluation_interval: 1m",
      "tests:",
      "  - interval: 1m",
      "    input_series:",
      "      - series: 'up{job=\"a\"}'",
      "        values: '0x10'",
      "    alert_rule_test:",
      "      - alertname: Down",
      "        eval_time: 5m",
      "        exp_alerts:",
      "          - exp_labels: { severity: page, job: a }",
    ].join("\n"),
  );
  const rule = ruleFor("prometheus/promtool-test");
  const params = { tests: "tests/t.yml", name: "pages when down" };
  const run = (text: string) => rule.run(text, params, { exerciseDir: ex, deadline: Date.now() + 30_000 });
  const good =
    "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 1m\n        labels: { severity: page, team: core }\n        annotations: { summary: down }\n";

  it("names its test by the step's name and reads its hidden folder from the parameters", () => {
    expect(rule.titleFor?.(params)).toBe("pages when down");
    expect(rule.hidden?.(params)).toEqual(["tests"]);
  });

  it("runs promtool over the learner's file, comparing alerts on their name and severity only", async () => {
    expect(await run(good)).toMatchObject({ pass: true });
    const wrong = await run(good.replace("up == 0", "up == 1"));
    expect(wrong.pass).toBe(false);
    expect(wrong.message).toMatch(/alertname: Down/);
    expect(wrong.message).not.toContain("backlab-promtool-");
    expect(await run("groups: [")).toMatchObject({ pass: false, message: expect.stringMatching(/not valid YAML/) });
    expect(await run("rules: []")).toMatchObject({ pass: false, message: expect.stringMatching(/groups: list/) });
  });
});

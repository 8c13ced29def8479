import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./dockerfile.ts";
import { ruleFor, rules, type RuleResult } from "./rules/index.ts";

const CTX = { exerciseDir: "/nonexistent", deadline: Date.now() + 60_000 };
/** The synchronous rules (all but prometheus/promtool-test, covered in promtool.test.ts). */
const check = (id: string, text: string) => ruleFor(id).run(text, {}, CTX) as RuleResult;
const df = (...lines: string[]) => lines.join("\n") + "\n";

describe("the rule registry", () => {
  it("knows every rule and fails loudly on an unknown id", () => {
    expect([...rules.keys()]).toEqual([
      "dockerfile/multi-stage",
      "dockerfile/non-root",
      "dockerfile/pinned-base",
      "dockerfile/healthcheck",
      "dockerfile/no-secrets",
      "dockerfile/cache-friendly",
      "ci/pinned-actions",
      "ci/test-before-publish",
      "ci/least-privilege",
      "ci/no-inline-secrets",
      "ci/locked-install",
      "npm/pinned-versions",
      "npm/no-typosquats",
      "npm/no-install-scripts",
      "npm/lockfile-integrity",
      "k8s/probes",
      "k8s/resources",
      "k8s/security-context",
      "k8s/rolling-update",
      "k8s/service",
      "k8s/disruption-budget",
      "k8s/autoscaler",
      "prometheus/promtool-test",
    ]);
    expect(() => ruleFor("dockerfile/nope")).toThrow(
      /unknown static rule "dockerfile\/nope"; known: dockerfile\/multi-stage/,
    );
  });

  it("keeps every message within 500 characters", () => {
    const huge = df("FROM node", ...Array.from({ length: 200 }, (_, i) => `ENV SECRET_${i}=x`));
    for (const r of rules.values())
      if (r.id !== "prometheus/promtool-test")
        expect((r.run(huge, {}, CTX) as RuleResult).message.length).toBeLessThanOrEqual(500);
  });
});

describe("the Dockerfile parser", () => {
  it("joins continuations, skips comments inside them, reads heredocs and the escape directive", () => {
    const d = parseDockerfile(
      df(
        "# escape=`",
        "FROM node:20 AS Build",
        "RUN echo a `",
        "# a comment",
        "  && echo b",
        "RUN <<EOF",
        "npm ci",
        "EOF",
        "from build",
        "USER node",
      ),
    );
    expect(d.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ["FROM", 2],
      ["RUN", 3],
      ["RUN", 6],
      ["FROM", 9],
      ["USER", 10],
    ]);
    expect(d.instructions[1]!.args).toBe("echo a    && echo b");
    expect(d.instructions[2]!.args).toContain("npm ci");
    expect(d.stages.map((s) => [s.name, s.baseStage])).toEqual([
      ["build", null],
      [null, 0],
    ]);
  });

  it("substitutes global ARG defaults into FROM", () => {
    const d = parseDockerfile(df("ARG V=20.11", "ARG BASE=node:${V}-alpine", "FROM ${BASE}"));
    expect(d.stages[0]!.base).toBe("node:20.11-alpine");
  });
});

describe("dockerfile rules", () => {
  it("multi-stage: needs a COPY --from of an earlier stage in the final stage", () => {
    expect(check("dockerfile/multi-stage", df("FROM node:20"))).toMatchObject({
      pass: false,
      message: expect.stringMatching(/Only one stage \(FROM on line 1\)/),
    });
    expect(
      check(
        "dockerfile/multi-stage",
        df("FROM node:20 AS build", "FROM node:20-slim", "COPY --from=nginx:1.27 /etc/nginx /etc/nginx"),
      ),
    ).toMatchObject({ pass: false, message: expect.stringMatching(/names an image, not one of your stages/) });
    expect(
      check("dockerfile/multi-stage", df("FROM node:20", "RUN make", "FROM node:20-slim", "COPY --from=0 /out /out"))
        .pass,
    ).toBe(true);
  });

  it("non-root: the last USER of the final stage (or the stage it builds on) must not be root", () => {
    expect(check("dockerfile/non-root", df("FROM node:20"))).toMatchObject({
      pass: false,
      message: expect.stringMatching(/No USER in the final stage/),
    });
    expect(check("dockerfile/non-root", df("FROM node:20", "USER 0:0")).pass).toBe(false);
    expect(check("dockerfile/non-root", df("FROM node:20", "USER Root")).pass).toBe(false);
    expect(check("dockerfile/non-root", df("FROM node:20", "USER 1000:1000")).pass).toBe(true);
    expect(check("dockerfile/non-root", df("FROM node:20 AS base", "USER node", "FROM base")).pass).toBe(true);
    expect(check("dockerfile/non-root", df("FROM node:20 AS build", "USER node", "FROM node:20"))).toMatchObject({
      pass: false,
    });
    expect(check("dockerfile/non-root", df("FROM node:20", "USER $APP_USER"))).toMatchObject({
      pass: true,
      message: expect.stringMatching(/never resolves to root/),
    });
  });

  it("pinned-base: a versioned tag or a digest; no tag, latest, moving tags and unset ARGs fail", () => {
    const pin = (from: string) => check("dockerfile/pinned-base", df(from));
    expect(pin("FROM node")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/line 1: node has no tag, which means :latest/),
    });
    expect(pin("FROM node:latest").message).toMatch(/uses :latest/);
    expect(pin("FROM node:lts-alpine").message).toMatch(/moving tag :lts-alpine/);
    expect(pin("FROM ${IMAGE}").message).toMatch(/build argument with no default/);
    expect(pin("FROM node@sha256:abc").message).toMatch(/malformed digest/);
    expect(pin(`FROM node@sha256:${"a".repeat(64)}`)).toMatchObject({
      pass: true,
      message: expect.stringMatching(/pinned by digest/),
    });
    expect(pin("FROM localhost:5000/team/node:20.11").pass).toBe(true);
    expect(pin("FROM localhost:5000/team/node").pass).toBe(false);
    expect(pin("FROM --platform=linux/amd64 node:20.11 AS a").pass).toBe(true);
    expect(
      check("dockerfile/pinned-base", df("FROM golang:1.22 AS b", "FROM scratch", "COPY --from=b /app /app", "FROM b"))
        .pass,
    ).toBe(true);
  });

  it("healthcheck: a CMD, not NONE, inherited from an earlier stage too", () => {
    expect(check("dockerfile/healthcheck", df("FROM node:20")).pass).toBe(false);
    expect(check("dockerfile/healthcheck", df("FROM node:20", "HEALTHCHECK --interval=5s NONE")).pass).toBe(false);
    expect(check("dockerfile/healthcheck", df("FROM node:20", "HEALTHCHECK --interval=5s")).message).toMatch(
      /has no CMD/,
    );
    expect(check("dockerfile/healthcheck", df("FROM node:20 AS base", "HEALTHCHECK CMD true", "FROM base")).pass).toBe(
      true,
    );
  });

  it("no-secrets: literal values of secret-looking names, in ENV (both forms) and ARG", () => {
    const secrets = (...lines: string[]) => check("dockerfile/no-secrets", df("FROM node:20", ...lines));
    expect(secrets("ENV DB_PASSWORD hunter2")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/line 2: ENV DB_PASSWORD=…/),
    });
    expect(secrets("ARG GITHUB_TOKEN=ghp_x").pass).toBe(false);
    expect(secrets('ENV A=1 STRIPE_SECRET_KEY="sk_live"').pass).toBe(false);
    expect(secrets("ENV APIKEY=abc").pass).toBe(false);
    expect(secrets("ENV AWS_ACCESS_KEY_ID=AKIA").pass).toBe(false);
    expect(secrets("ENV hunter2=DB_PASSWORD").pass).toBe(true);
    expect(secrets("ARG NPM_TOKEN", "ENV NPM_TOKEN=${NPM_TOKEN}").pass).toBe(true);
    expect(
      secrets("ENV JWT_SECRET_FILE=/run/secrets/jwt TOKEN_URL=https://auth PUBLIC_KEY=abc KEYCLOAK_REALM=x MONKEY=1")
        .pass,
    ).toBe(true);
    expect(secrets("ENV SECRET=").pass).toBe(true);
    expect(secrets("ENV MY_PASSWORD=secret").message).not.toContain('secret"');
  });

  it("cache-friendly: manifests, install, then source, per stage", () => {
    const cache = (...lines: string[]) => check("dockerfile/cache-friendly", df("FROM node:20 AS deps", ...lines));
    expect(cache("COPY package*.json ./", "RUN npm ci", "COPY . .")).toMatchObject({ pass: true });
    expect(cache("COPY . .", "RUN npm ci")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/^line 2 copies source files before the install on line 3/),
    });
    expect(cache("RUN npm ci", "COPY . .")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/runs before any dependency manifest is copied/),
    });
    expect(cache("COPY . .")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/No dependency install found/),
    });
    expect(cache("RUN --mount=type=bind,source=package.json,target=package.json npm ci", "COPY . .").pass).toBe(true);
    expect(
      cache(
        "RUN npm install -g pm2",
        "COPY package.json yarn.lock ./",
        "RUN yarn install --frozen-lockfile",
        "COPY src ./src",
      ).pass,
    ).toBe(true);
    expect(
      cache(
        "COPY package.json package-lock.json ./",
        "RUN npm ci",
        "FROM deps AS build",
        "COPY . .",
        "RUN npm run build",
        "FROM node:20",
        "COPY --from=build /app /app",
        "COPY package.json ./",
        "RUN npm ci --omit=dev",
      ).pass,
    ).toBe(true);
    expect(cache("COPY package.json ./", "COPY tsconfig.json ./", "RUN npm ci").message).toMatch(
      /line 3 copies source files/,
    );
  });
});

const wf = (s: string) => s.replace(/^\n/, "");

describe("ci rules", () => {
  it("reports YAML errors and workflows without jobs with their line", () => {
    expect(check("ci/pinned-actions", "jobs:\n  a:\n    steps: [\n")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/not valid YAML \(line \d\)/),
    });
    expect(check("ci/least-privilege", "name: x\n")).toMatchObject({
      pass: false,
      message: expect.stringMatching(/no jobs/),
    });
  });

  it("pinned-actions: full SHAs, local actions and docker digests pass; tags, branches and docker tags fail", () => {
    const text = wf(`
jobs:
  a:
    steps:
      - uses: ./.github/actions/setup
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - uses: docker://alpine@sha256:${"b".repeat(64)}
  b:
    uses: org/repo/.github/workflows/build.yml@main
  c:
    steps:
      - uses: docker://alpine:3.20
      - uses: actions/setup-node@11bd719
`);
    const r = check("ci/pinned-actions", text);
    expect(r.pass).toBe(false);
    expect(r.message).toMatch(
      /line 8: org\/repo\/\.github\/workflows\/build\.yml@main; line 11: docker:\/\/alpine:3\.20; line 12: actions\/setup-node@11bd719\./,
    );
  });

  it("test-before-publish: by needs (transitively) or by order in the same job", () => {
    const tbp = (s: string) => check("ci/test-before-publish", wf(s));
    expect(
      tbp(`
jobs:
  ci:
    steps:
      - run: npm ci
      - run: npx vitest run
      - run: npm publish
`),
    ).toMatchObject({ pass: true, message: expect.stringMatching(/\(line 6\) comes after the test step on line 5/) });
    expect(
      tbp(`
jobs:
  ci:
    steps:
      - run: npm publish
      - run: npm test
`),
    ).toMatchObject({
      pass: false,
      message: expect.stringMatching(/"npm publish" in job "ci" \(line 4\) does not wait for any test/),
    });
    expect(
      tbp(`
jobs:
  unit-tests: { runs-on: x, steps: [{ run: make check }] }
  build: { needs: unit-tests, runs-on: x, steps: [{ run: make }] }
  deploy-prod: { needs: [build], runs-on: x, steps: [{ run: ./ship.sh }] }
`),
    ).toMatchObject({
      pass: true,
      message: expect.stringMatching(/job "deploy-prod" \(line 4\) waits for job "unit-tests"/),
    });
    expect(
      tbp(`
jobs:
  test: { runs-on: x, steps: [{ run: npm test }] }
  release: { needs: test, if: always(), runs-on: x, steps: [{ run: gh release create v1 }] }
`).message,
    ).toMatch(/runs even when the tests fail/);
    expect(
      tbp(`
jobs:
  build: { runs-on: x, steps: [{ uses: "docker/build-push-action@abc", with: { push: false } }] }
`).message,
    ).toMatch(/No publish, deploy or push step found/);
    expect(
      tbp(`
jobs:
  test: { runs-on: x, steps: [{ run: npm test, continue-on-error: true }, { run: docker push app }] }
`).pass,
    ).toBe(false);
    expect(
      tbp(`
jobs:
  build: { runs-on: x, steps: [{ run: npm run build }, { run: docker push app }] }
`).message,
    ).toMatch(/runs no tests/);
  });

  it("least-privilege: top-level permissions set, not write-all, and no job asking for write-all", () => {
    const lp = (s: string) => check("ci/least-privilege", wf(s));
    const job = "jobs:\n  a: { runs-on: x, steps: [{ run: echo }] }\n";
    expect(lp(job)).toMatchObject({ pass: false, message: expect.stringMatching(/No top-level permissions/) });
    expect(lp(`permissions: write-all\n${job}`).message).toMatch(/write-all \(line 1\)/);
    expect(lp(`permissions: read-all\n${job}`).pass).toBe(true);
    expect(lp(`permissions: {}\n${job}`).pass).toBe(true);
    expect(lp(`permissions: { contents: admin }\n${job}`).message).toMatch(
      /contents: admin; each scope takes read, write or none/,
    );
    expect(lp(`permissions: { contents: write }\n${job}`)).toMatchObject({
      pass: true,
      message: expect.stringMatching(/contents: write at the top applies to every job/),
    });
    expect(
      lp(`permissions: { contents: read }\njobs:\n  a:\n    permissions: write-all\n    steps: [{ run: echo }]\n`),
    ).toMatchObject({
      pass: false,
      message: expect.stringMatching(/job "a" \(line 4\) asks for permissions: write-all/),
    });
  });
});

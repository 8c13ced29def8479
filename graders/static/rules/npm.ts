import { cap, defineRule, listSome, NO_PARAMS, type Rule, type RuleResult } from "./types.ts";

/*
 * Rules over an npm project's manifest and lockfile (OWASP Top 10 2025 A03, software supply
 * chain failures): what gets installed must be exactly what was reviewed, from where it was
 * reviewed, and installing it must not run code that reaches the network.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function withJson(text: string, what: string, check: (data: Json) => RuleResult): RuleResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return {
      pass: false,
      message: `${what} is not valid JSON (${(err as Error).message.split("\n")[0]}). npm refuses it too: fix the syntax first.`,
    };
  }
  if (!isObj(data)) return { pass: false, message: `${what} must be a JSON object.` };
  const r = check(data);
  return { pass: r.pass, message: cap(r.message) };
}

const DEP_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

function depsOf(pkg: Json): { field: string; name: string; spec: string }[] {
  return DEP_FIELDS.flatMap((field) => {
    const deps = pkg[field];
    if (!isObj(deps)) return [];
    return Object.entries(deps).map(([name, spec]) => ({ field, name, spec: typeof spec === "string" ? spec : "" }));
  });
}

const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const pinnedVersions = defineRule({
  id: "npm/pinned-versions",
  title: "pins every dependency to an exact version",
  params: NO_PARAMS,
  run: (text) =>
    withJson(text, "package.json", (pkg) => {
      const deps = depsOf(pkg);
      const bad = deps.filter((d) => !EXACT.test(d.spec.trim()));
      if (bad.length)
        return {
          pass: false,
          message: `Not an exact version: ${listSome(bad.map((d) => `${d.field}.${d.name} "${d.spec}"`))}. A range (^, ~, *, latest, >=) or a git/URL source installs whatever is published next, including a hijacked release. Write the exact version the lockfile has (1.2.3) and let Dependabot or Renovate propose bumps you review.`,
        };
      return { pass: true, message: `All ${deps.length} dependencies are pinned to exact versions.` };
    }),
});

/** Widely used packages and the names squatted next to them (npm's own typosquatting reports). */
const POPULAR = [
  "express",
  "lodash",
  "react",
  "react-dom",
  "axios",
  "chalk",
  "commander",
  "debug",
  "dotenv",
  "moment",
  "request",
  "cross-env",
  "colors",
  "electron",
  "jsonwebtoken",
  "mongoose",
  "body-parser",
  "typescript",
  "webpack",
  "eslint",
  "prettier",
  "vitest",
  "jest",
  "mocha",
  "zod",
  "yargs",
  "uuid",
  "ws",
  "pg",
  "mysql",
  "redis",
  "ioredis",
  "bcrypt",
  "bcryptjs",
  "helmet",
  "cors",
  "nodemon",
  "underscore",
  "async",
  "glob",
  "rimraf",
  "minimist",
  "semver",
  "fastify",
  "koa",
  "next",
  "vue",
  "socket.io",
  "node-fetch",
  "babel-cli",
  "coffee-script",
  "event-stream",
  "ua-parser-js",
  "discord.js",
  "puppeteer",
  "sharp",
  "pino",
  "winston",
];

/** Real packages one letter away from a popular one. */
const KNOWN_NEIGHBOURS = new Set(["mysql2", "preact", "nest", "ejs", "pug", "got", "tap", "ava", "knex", "joi"]);

/** Damerau–Levenshtein distance (adjacent swaps count 1), stopping early above 2. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The popular package this name imitates, or null. */
export function squatOf(name: string): string | null {
  const bare = name.toLowerCase();
  if (POPULAR.includes(bare) || KNOWN_NEIGHBOURS.has(bare) || bare.startsWith("@")) return null;
  const flat = (s: string) => s.replace(/[-_.]/g, "");
  for (const p of POPULAR) {
    if (flat(bare) === flat(p)) return p; // crossenv, cross_env for cross-env
    if (p.length < 4 || bare.length < 4) continue; // ms, ws, pg, zod: every short name is one letter from another
    const limit = p.length >= 8 ? 2 : 1;
    if (distance(bare, p) <= limit) return p;
    if (bare.endsWith("js") && flat(bare.slice(0, -2)) === flat(p)) return p; // expressjs for express
  }
  return null;
}

const noTyposquats = defineRule({
  id: "npm/no-typosquats",
  title: "depends on no look-alike of a popular package",
  params: NO_PARAMS,
  run: (text) =>
    withJson(text, "package.json", (pkg) => {
      const found = depsOf(pkg).flatMap((d) => {
        const real = squatOf(d.name);
        return real ? [`"${d.name}" (did you mean "${real}"?)`] : [];
      });
      if (found.length)
        return {
          pass: false,
          message: `Look-alike package names: ${listSome(found)}. Typosquats are published to catch a typo and usually run an install script that steals tokens. Replace it with the real package, then check the lockfile and rotate any secret the machine that installed it could read.`,
        };
      return { pass: true, message: "No dependency name is a near miss of a popular package." };
    }),
});

const INSTALL_HOOKS = ["preinstall", "install", "postinstall", "preuninstall", "postuninstall"];

const noInstallScripts = defineRule({
  id: "npm/no-install-scripts",
  title: "runs no code at install time",
  params: NO_PARAMS,
  run: (text) =>
    withJson(text, "package.json", (pkg) => {
      const scripts = isObj(pkg.scripts) ? pkg.scripts : {};
      const hooks = INSTALL_HOOKS.filter((h) => scripts[h] !== undefined);
      if (hooks.length)
        return {
          pass: false,
          message: `Install-time hooks: ${hooks.map((h) => `scripts.${h} "${String(scripts[h]).slice(0, 80)}"`).join("; ")}. npm runs them on every install, on developers' laptops and in CI, with their tokens in reach; one that downloads and runs code is how most npm compromises spread. Move the step to an explicit script (npm run setup) or the build, and install with --ignore-scripts.`,
        };
      return { pass: true, message: "package.json has no preinstall, install or postinstall script." };
    }),
});

const REGISTRY = "https://registry.npmjs.org/";

const lockfileIntegrity = defineRule({
  id: "npm/lockfile-integrity",
  title: "locks every package to the registry with an integrity hash",
  params: NO_PARAMS,
  run: (text) =>
    withJson(text, "package-lock.json", (lock) => {
      const version = lock.lockfileVersion;
      if (typeof version !== "number" || version < 2)
        return {
          pass: false,
          message: `lockfileVersion is ${String(version)}: regenerate the lockfile with npm 9 or later (npm install --package-lock-only) so it has a "packages" section with integrity hashes.`,
        };
      const packages = isObj(lock.packages) ? lock.packages : {};
      const bad: string[] = [];
      let n = 0;
      for (const [where, entry] of Object.entries(packages)) {
        if (where === "" || !isObj(entry) || entry.link === true) continue;
        n++;
        const resolved = typeof entry.resolved === "string" ? entry.resolved : "";
        const integrity = typeof entry.integrity === "string" ? entry.integrity : "";
        if (!resolved.startsWith(REGISTRY)) bad.push(`${where}: resolved from ${resolved || "nowhere"}`);
        else if (!/^sha512-[A-Za-z0-9+/]+={0,2}$/.test(integrity))
          bad.push(`${where}: ${integrity ? `weak integrity ${integrity.split("-")[0]}` : "no integrity"}`);
      }
      if (bad.length)
        return {
          pass: false,
          message: `Unverifiable lockfile entries: ${listSome(bad)}. Every package must come from ${REGISTRY} over HTTPS with a sha512 integrity hash, so npm ci refuses a tarball that changed. Remove the entry and run npm install --package-lock-only against the registry.`,
        };
      if (n === 0) return { pass: false, message: "The lockfile locks no packages: run npm install to fill it." };
      return { pass: true, message: `All ${n} locked packages come from the registry with a sha512 integrity hash.` };
    }),
});

export const npmRules: Rule[] = [pinnedVersions, noTyposquats, noInstallScripts, lockfileIntegrity];

import {
  argPairs,
  copyArgs,
  effective,
  envPairs,
  parseDockerfile,
  parseImage,
  splitWords,
  stageLabel,
  stageRef,
  type Dockerfile,
  type Stage,
} from "../dockerfile.ts";
import { cap, defineRule, listSome, NO_PARAMS, type Rule, type RuleResult } from "./types.ts";

/** Parses the file and hands the rule a Dockerfile with at least one stage. */
function withStages(text: string, check: (df: Dockerfile, final: Stage) => RuleResult): RuleResult {
  const df = parseDockerfile(text);
  const final = df.stages.at(-1);
  if (!final)
    return {
      pass: false,
      message: "No FROM instruction found: a Dockerfile starts with FROM <image> (for example FROM node:20.11-alpine).",
    };
  const r = check(df, final);
  return { pass: r.pass, message: cap(r.message) };
}

const multiStage = defineRule({
  id: "dockerfile/multi-stage",
  title: "builds in a separate stage (multi-stage build)",
  params: NO_PARAMS,
  run: (text) =>
    withStages(text, (df, final) => {
      if (df.stages.length < 2) {
        return {
          pass: false,
          message: `Only one stage (FROM on line ${final.line}): the image ships compilers, dev dependencies and sources. Build in a first stage (FROM node:20-alpine AS build, install, build), then start a second FROM and copy only what runs: COPY --from=build /app/dist ./dist.`,
        };
      }
      const earlier = df.stages.slice(0, -1);
      const copies = final.instructions
        .filter((i) => i.keyword === "COPY")
        .map((i) => ({ ins: i, from: copyArgs(i.args).flags.get("from") }));
      const fromStage = copies.find((c) => c.from !== undefined && stageRef(earlier, c.from) !== null);
      if (fromStage) {
        const s = df.stages[stageRef(earlier, fromStage.from!)!]!;
        return {
          pass: true,
          message: `${df.stages.length} stages; the final stage copies from ${stageLabel(s)} on line ${fromStage.ins.line}, so build tools stay out of the image.`,
        };
      }
      const fromImage = copies.find((c) => c.from !== undefined);
      const why = fromImage
        ? ` (COPY --from=${fromImage.from} on line ${fromImage.ins.line} names an image, not one of your stages)`
        : "";
      return {
        pass: false,
        message: `The final stage (FROM on line ${final.line}) copies nothing from your build stage${why}. Name the build stage (FROM … AS build) and copy its output into the final one: COPY --from=build /app/dist ./dist.`,
      };
    }),
});

const isRootUser = (user: string) => {
  const u = user.split(":")[0]!.trim().toLowerCase();
  return u === "root" || u === "0";
};

const nonRoot = defineRule({
  id: "dockerfile/non-root",
  title: "runs as a non-root user",
  params: NO_PARAMS,
  run: (text) =>
    withStages(text, (df, final) => {
      const eff = effective(df, final, "USER");
      if (!eff) {
        return {
          pass: false,
          message: `No USER in the final stage (FROM on line ${final.line}): the container runs as the base image's user, which is root for the official images. After copying files, add USER node (the node images ship that unprivileged user) or create one with adduser.`,
        };
      }
      const user = splitWords(eff.ins.args)[0] ?? "";
      if (!user)
        return {
          pass: false,
          message: `USER on line ${eff.ins.line} names no user. Write USER node (or another unprivileged user).`,
        };
      if (isRootUser(user)) {
        return {
          pass: false,
          message: `The final stage runs as root: USER ${user} on line ${eff.ins.line} is the last USER. A process that breaks out of the app then owns the container. Switch back to an unprivileged user at the end, e.g. USER node.`,
        };
      }
      if (user.includes("$"))
        return {
          pass: true,
          message: `USER ${user} on line ${eff.ins.line} comes from a variable; make sure it never resolves to root or 0.`,
        };
      return { pass: true, message: `The container runs as "${user}" (USER on line ${eff.ins.line}).` };
    }),
});

const SHA256 = /^sha256:[a-f0-9]{64}$/;

const pinnedBase = defineRule({
  id: "dockerfile/pinned-base",
  title: "pins every base image to a version",
  params: NO_PARAMS,
  run: (text) =>
    withStages(text, (df) => {
      const problems: string[] = [];
      const pinned: string[] = [];
      const digests: string[] = [];
      for (const s of df.stages) {
        if (s.baseStage !== null || s.base.toLowerCase() === "scratch") continue;
        const where = `line ${s.line}`;
        if (!s.base) {
          problems.push(`${where}: FROM names no image`);
          continue;
        }
        if (s.base.includes("$")) {
          problems.push(
            `${where}: FROM ${s.rawBase} uses a build argument with no default, so the base changes with whoever builds it; give it a pinned default (ARG NODE_VERSION=20.11)`,
          );
          continue;
        }
        const img = parseImage(s.base);
        if (img.digest !== null) {
          if (!SHA256.test(img.digest))
            problems.push(`${where}: ${s.base} has a malformed digest (expected @sha256: and 64 hex digits)`);
          else digests.push(`${img.name}${img.tag ? `:${img.tag}` : ""} (${where})`);
          continue;
        }
        if (img.tag === null) problems.push(`${where}: ${s.base} has no tag, which means :latest`);
        else if (img.tag.toLowerCase() === "latest") problems.push(`${where}: ${s.base} uses :latest`);
        else if (!/\d/.test(img.tag)) problems.push(`${where}: ${s.base} uses the moving tag :${img.tag}`);
        else pinned.push(`${s.base} (${where})`);
      }
      if (problems.length) {
        return {
          pass: false,
          message: `Base images that move under you: ${listSome(problems, 2)}. The same Dockerfile then builds a different image tomorrow. Pin a version, e.g. FROM node:20.11-alpine3.19 (or a digest: node:20.11-alpine@sha256:…).`,
        };
      }
      if (digests.length) {
        return {
          pass: true,
          message: `Every base image is pinned. Note: ${listSome(digests, 2)} is pinned by digest: fully reproducible, but keep the tag next to it (image:tag@sha256:…) so readers know the version, and update it deliberately (Dependabot or Renovate can).`,
        };
      }
      if (pinned.length === 0)
        return { pass: true, message: "No external base image to pin (only scratch or earlier stages)." };
      return { pass: true, message: `Every base image is pinned to a version: ${listSome(pinned, 3)}.` };
    }),
});

const healthcheck = defineRule({
  id: "dockerfile/healthcheck",
  title: "declares a HEALTHCHECK",
  params: NO_PARAMS,
  run: (text) =>
    withStages(text, (df, final) => {
      const eff = effective(df, final, "HEALTHCHECK");
      const example = "HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:3000/health || exit 1";
      if (!eff)
        return {
          pass: false,
          message: `No HEALTHCHECK in the final stage (FROM on line ${final.line}): Docker cannot tell a hung service from a healthy one. Add, for example: ${example}`,
        };
      const words = splitWords(eff.ins.args).filter((w) => !w.startsWith("--"));
      const first = (words[0] ?? "").toUpperCase();
      if (first === "NONE")
        return {
          pass: false,
          message: `HEALTHCHECK NONE on line ${eff.ins.line} switches health checks off. Replace it with a real check, for example: ${example}`,
        };
      if (first !== "CMD")
        return {
          pass: false,
          message: `HEALTHCHECK on line ${eff.ins.line} has no CMD. The form is HEALTHCHECK [options] CMD <command>, for example: ${example}`,
        };
      return {
        pass: true,
        message: `HEALTHCHECK on line ${eff.ins.line} lets Docker and orchestrators see when the service stops answering.`,
      };
    }),
});

/** Name segments that mark a secret; names ending in these segments hold a reference, not the secret. */
const SECRET_SEGMENT = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|^(API|ACCESS|PRIVATE|SIGNING|ENCRYPTION)?KEY$/;
const REFERENCE_SEGMENT = /^(FILE|PATH|URL|URI|DIR|HOST|PORT|ENDPOINT|NAME|ID)$/;

export function looksSecret(name: string): boolean {
  const segments = name
    .toUpperCase()
    .split(/[_.-]+/)
    .filter(Boolean);
  if (segments.length === 0 || segments.includes("PUBLIC")) return false;
  if (segments.length > 1 && REFERENCE_SEGMENT.test(segments.at(-1)!) && !/^(KEY|ACCESS)$/.test(segments.at(-2)!))
    return false;
  return segments.some((s) => SECRET_SEGMENT.test(s));
}

const isLiteral = (value: string) =>
  value.trim() !== "" && !/^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(value.trim());

const noSecrets = defineRule({
  id: "dockerfile/no-secrets",
  title: "bakes no secrets into the image",
  params: NO_PARAMS,
  run: (text) => {
    const df = parseDockerfile(text);
    const found: string[] = [];
    for (const ins of df.instructions) {
      const pairs: [string, string | null][] =
        ins.keyword === "ENV" ? envPairs(ins.args) : ins.keyword === "ARG" ? argPairs(ins.args) : [];
      for (const [name, value] of pairs) {
        if (value !== null && looksSecret(name) && isLiteral(value))
          found.push(`line ${ins.line}: ${ins.keyword} ${name}=…`);
      }
    }
    if (found.length) {
      return {
        pass: false,
        message: cap(
          `Secrets set to literal values: ${listSome(found)}. They stay in the image for anyone who pulls it (docker history, docker inspect). Remove them; pass secrets at run time (docker run -e, compose secrets) and, for build-time secrets, use RUN --mount=type=secret,id=….`,
        ),
      };
    }
    return {
      pass: true,
      message: "No ENV or ARG sets a secret-looking name (…PASSWORD, …SECRET, …TOKEN, …KEY) to a literal value.",
    };
  },
});

const MANIFEST =
  /^(package(-lock|\*)?\.json|package\*\.json|npm-shrinkwrap\.json|yarn\.lock|\.yarnrc(\.yml)?|\.yarn|pnpm-(lock|workspace)\.yaml|\.npmrc|requirements[\w.*-]*\.txt|Pipfile(\.lock)?|pyproject\.toml|poetry\.lock|uv\.lock|go\.(mod|sum)|Gemfile(\.lock)?|Cargo\.(toml|lock)|composer\.(json|lock))$/;
const INSTALL =
  /\bnpm\s+(ci|install|i)\b|\byarn(\s+install)?\s*($|&&|;|\|\||\s--)|\bpnpm\s+(install|i)\b|\bpip3?\s+install\b|\bpoetry\s+install\b|\buv\s+sync\b|\bgo\s+mod\s+download\b|\bbundle\s+install\b|\bcomposer\s+install\b/m;

const isManifest = (src: string) => MANIFEST.test(src.replace(/\/+$/, "").split("/").at(-1) ?? "");
/** A RUN that installs dependencies (a global tool install like `npm i -g pm2` does not count). */
export const isInstall = (run: string) =>
  INSTALL.test(run.replace(/\bnpm\s+(i|install)\s+(-g|--global)\b[^&;|\n]*/g, ""));

type CacheState = { manifest: number | null; source: number | null };

const cacheFriendly = defineRule({
  id: "dockerfile/cache-friendly",
  title: "installs dependencies before copying the source (layer cache)",
  params: NO_PARAMS,
  run: (text) =>
    withStages(text, (df) => {
      const states: CacheState[] = [];
      const problems: string[] = [];
      const good: string[] = [];
      for (const s of df.stages) {
        const inherited = s.baseStage === null ? undefined : states[s.baseStage];
        const st: CacheState = inherited ? { ...inherited } : { manifest: null, source: null };
        for (const ins of s.instructions) {
          if (ins.keyword === "COPY" || ins.keyword === "ADD") {
            const c = copyArgs(ins.args);
            if (c.flags.has("from")) continue;
            const sources = c.sources.filter((x) => !/^(https?:\/\/|git@)/.test(x));
            if (c.heredoc || sources.length === 0) continue;
            if (sources.every(isManifest)) st.manifest ??= ins.line;
            else st.source ??= ins.line;
          } else if (ins.keyword === "RUN" && isInstall(ins.args)) {
            if (st.source !== null)
              problems.push(`line ${st.source} copies source files before the install on line ${ins.line}`);
            else if (st.manifest === null && !/--mount=[^\s]*type=bind/.test(ins.args))
              problems.push(
                `the install on line ${ins.line} (${stageLabel(s)}) runs before any dependency manifest is copied`,
              );
            else good.push(`line ${ins.line}`);
          }
        }
        states.push(st);
      }
      const fix =
        "Copy only the manifests first (COPY package.json package-lock.json ./), RUN npm ci, and only then COPY . . so a code change reuses the cached install layer.";
      if (problems.length)
        return { pass: false, message: `${listSome(problems, 2)}: every code change re-runs the install. ${fix}` };
      if (good.length === 0)
        return {
          pass: false,
          message: `No dependency install found (npm ci, npm install, yarn, pnpm install, pip install…), so there is no install layer to cache. Install dependencies in the image: ${fix}`,
        };
      return {
        pass: true,
        message: `Dependencies are installed (${good.join(", ")}) from the manifests alone, before the source is copied, so code changes reuse the cached install layer.`,
      };
    }),
});

export const dockerfileRules: Rule[] = [multiStage, nonRoot, pinnedBase, healthcheck, noSecrets, cacheFriendly];

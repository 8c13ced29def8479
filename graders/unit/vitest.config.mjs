// The grading sandbox's vitest config: hidden tests in /grader/tests (read-only), the
// learner's code at /workspace, imported by the tests as `@workspace/...`.
import crypto from "node:crypto";
import { isBuiltin } from "node:module";
import { defineConfig } from "vitest/config";

/**
 * The service kind runs its hidden tests with this config in a grader sandbox that holds no
 * submission code (the service runs in a sandbox of its own) and needs its control channel's
 * folder: no confinement there.
 */
const SERVICE = process.env.BACKLAB_SERVICE_GATE === "1";

/**
 * The grading bench's comparison run only (graders/unit/confinement.ts): its copy of this file
 * has `true` here, and the worker runs without the permission model, the import guard and
 * shield.mjs. Nothing else writes this line; the lab's copies always say `false`.
 */
const UNCONFINED = false;

/** This run's verdict key: handed to runner.mjs (which hides it) and to the reporter. */
const KEY = crypto.randomBytes(32).toString("hex");

/**
 * The test worker runs the submission's code, so it runs under Node's permission model
 * (graders/unit/README.md): it reads only the runtime, the workspace, /tmp and snapshot
 * files, writes only the progress file, and cannot spawn processes or threads, load addons,
 * open the inspector or call process.binding. vitest's main process, which records the
 * verdicts, runs no submission code and keeps its rights.
 */
const WORKER = [
  "--experimental-permission",
  "--allow-fs-read=/node_modules/*",
  "--allow-fs-read=/workspace/*",
  "--allow-fs-read=/tmp/*",
  "--allow-fs-read=/grader/tests/__snapshots__/*",
  "--allow-fs-write=/grader/out/progress.ndjson",
  "--disallow-code-generation-from-strings",
  "--disable-warning=ExperimentalWarning",
];

/** What the submission's modules may not import: the test harness, the grader, and the
 * built-ins that compile code under another file's name or reach node's internals. */
const HARNESS = /\/node_modules\/(vitest|vite|vite-node|chai|tinyspy|@vitest\/[^/]+)\//;
const DENIED_BUILTINS = new Set([
  "vm",
  "module",
  "inspector",
  "inspector/promises",
  "v8",
  "worker_threads",
  "child_process",
  "cluster",
  "repl",
  "wasi",
  "trace_events",
]);

/**
 * The same refusals where the resolver never looks (imports.mjs, armed by runner.mjs): vitest's
 * worker externalizes a built-in itself, and hands each module a real `require`. Plus the
 * harness's packages that load modules or compile code, however a module asks for them.
 */
const IMPORT_POLICY = {
  builtins: [...DENIED_BUILTINS],
  packages: String.raw`/node_modules/(vite|vite-node|tsx|esbuild|tinyspy|@vitest/[^/]+)/`,
  cjs: true,
};

/**
 * The resolver's guard for imports made by the submission's modules (importer under
 * /workspace): no harness, no grader file, none of the denied built-ins, and bare package
 * names resolve from the runtime's /node_modules as the hidden tests' do, so a node_modules/
 * folder shipped in the workspace is never used.
 */
const submissionGuard = {
  name: "backlab-submission-guard",
  enforce: "pre",
  async resolveId(id, importer, options) {
    if (!importer || !importer.startsWith("/workspace/") || importer.startsWith("/workspace/node_modules/"))
      return null;
    const refuse = () => {
      throw new Error(`Your code may not import "${id}" while the hidden tests run.`);
    };
    if (isBuiltin(id)) return DENIED_BUILTINS.has(id.replace(/^node:/, "")) ? refuse() : null;
    const bare = !/^(\.|\/|[a-z]+:)/i.test(id);
    const resolved = await this.resolve(id, bare ? "/grader/tests/index.ts" : importer, { ...options, skipSelf: true });
    const where = resolved?.id ?? "";
    if (HARNESS.test(where) || where.startsWith("/grader") || where.startsWith("/workspace/node_modules/")) refuse();
    return resolved;
  },
};

export default defineConfig({
  cacheDir: "/tmp/.vite",
  plugins: UNCONFINED ? [] : [submissionGuard],
  resolve: { alias: { "@workspace": "/workspace" } },
  test: {
    root: "/grader",
    include: ["tests/**/*.test.{ts,mts,js,mjs}"],
    watch: false,
    execArgv: SERVICE || UNCONFINED ? [] : WORKER,
    testTimeout: 5000,
    hookTimeout: 5000,
    fileParallelism: false,
    // One worker for all the test files: a fork of its own per file cost ~0.3 s of CPU each
    // (node, vitest's worker runtime, the shield). runner.mjs gives each file a fresh module
    // graph, as a process of its own would; shield.mjs locks the worker once, for all files.
    isolate: false,
    runner: "/grader/runner.mjs",
    provide:
      SERVICE || UNCONFINED
        ? { backlabVerdictKey: KEY }
        : { backlabVerdictKey: KEY, backlabImportGuard: IMPORT_POLICY },
    reporters: [["/grader/reporter.mjs", { key: KEY }]],
    // The service kind starts vitest while the service boots; its tests wait at the gate.
    setupFiles: SERVICE ? ["/grader/gate.mjs"] : UNCONFINED ? [] : ["/grader/shield.mjs"],
    // The reporter keeps each test's console output; vitest itself prints none of it.
    onConsoleLog: () => false,
  },
});

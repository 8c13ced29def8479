// The grading sandbox's vitest config: hidden tests in /grader/tests (read-only), the
// learner's code at /workspace, imported by the tests as `@workspace/...`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  cacheDir: "/tmp/.vite",
  resolve: { alias: { "@workspace": "/workspace" } },
  test: {
    root: "/grader",
    include: ["tests/**/*.test.{ts,mts,js,mjs}"],
    watch: false,
    testTimeout: 5000,
    hookTimeout: 5000,
    fileParallelism: false,
    reporters: ["/grader/reporter.mjs"],
    // The service kind starts vitest while the service boots; its tests wait at the gate.
    setupFiles: ["/grader/progress.mjs", ...(process.env.BACKLAB_SERVICE_GATE === "1" ? ["/grader/gate.mjs"] : [])],
    // The reporter keeps each test's console output; vitest itself prints none of it.
    onConsoleLog: () => false,
  },
});

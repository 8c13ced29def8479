import { defineConfig } from "vitest/config";

// Test tiers: unit tests next to the code; integration tests (*.int.test.ts) against real
// bubblewrap sandboxes and a real server; end-to-end tests in Debian's Chromium.
// Nothing here skips when a dependency is missing: `npm test` installs what it needs first.
// One name per `vitest run` for its artifacts (test-results/<run>/screenshots/…); the test
// workers inherit it. CI may set its own (e.g. the pipeline's run id).
process.env.BACKLAB_TEST_RUN ??= new Date().toISOString().replace(/[:.]/g, "-");

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["server/**/*.test.ts", "graders/**/*.test.ts", "web/src/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["server/**/*.int.test.ts", "graders/**/*.int.test.ts"],
          // Real sandbox drivers for graders/ tests, from the lab's composition root.
          setupFiles: ["server/test/drivers.setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["web/e2e/**/*.e2e.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

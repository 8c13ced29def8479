import { defineConfig } from "vitest/config";
export default defineConfig({
  test: {
    include: ["nothing/**"],
    passWithNoTests: true,
    setupFiles: ["./vitest.setup.ts"],
    reporters: ["./reporter.mjs"],
  },
});

import fs from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "../../server/config.ts";

/**
 * Where a browser test keeps its screenshots: `test-results/<run>/screenshots/<suite>/`, kept
 * as CI artifacts. `<run>` is one name for the whole `vitest run` (set in vitest.config.ts,
 * or by CI through BACKLAB_TEST_RUN), so the files of every suite of a run sit together.
 */
export function screenshotDir(suite: string): string {
  const run = (process.env.BACKLAB_TEST_RUN ?? "local").replace(/[^\w.-]/g, "_");
  const dir = path.join(ROOT_DIR, "test-results", run, "screenshots", suite);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

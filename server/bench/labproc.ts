import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * A lab in a process of its own for the terminal bench, so its CPU and memory are the
 * server's alone (the bench's clients live elsewhere), like wetty's. argv[2]: the checkout
 * whose lab to run (by default this one; another one measures a "before" in the same run).
 * It says `{ url }` over IPC once it listens, collects garbage on "gc" and closes on "stop"
 * or when the bench goes.
 */
const root = process.argv[2] ?? path.resolve(import.meta.dirname, "../..");
const mod = (await import(
  pathToFileURL(path.join(root, "server/test/lab.ts")).href
)) as typeof import("../test/lab.ts");
const lab = await mod.startTestLab({ SANDBOX_DRIVER: "bwrap", SANDBOXES_PER_USER: "2" });
let closing: Promise<void> | null = null;
const stop = () =>
  (closing ??= lab
    .close()
    .catch(() => {})
    .finally(() => process.exit(0)));
process.on("message", (m) => {
  if (m === "stop") void stop();
  // Memory per session is read after a full collection (the process runs with --expose-gc).
  if (m === "gc") {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!("gc-done");
  }
});
process.on("disconnect", () => void stop());
process.send!({ url: lab.url });

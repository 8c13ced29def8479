import type { ExitInfo, Sandbox } from "./port.ts";

export const MAX_CAPTURED_OUTPUT = 1024 * 1024;

/**
 * Runs a command in a sandbox, keeping at most 1 MB of its output (stdout and stderr
 * interleaved); past that the process is killed, so a flood costs the lab nothing.
 */
export async function runCapped(
  sandbox: Sandbox,
  argv: string[],
  opts: { timeoutMs: number; env?: Record<string, string>; signal?: AbortSignal },
): Promise<{ exit: ExitInfo; output: string; outputLimited: boolean }> {
  const proc = sandbox.exec(argv, { timeoutMs: opts.timeoutMs, env: opts.env });
  proc.end();
  // The caller gave up on the run (the service it was to test never came up).
  const abort = () => proc.kill("SIGKILL");
  if (opts.signal?.aborted) abort();
  opts.signal?.addEventListener("abort", abort, { once: true });
  const chunks: Buffer[] = [];
  let size = 0;
  let outputLimited = false;
  proc.onData((chunk) => {
    if (outputLimited) return;
    size += chunk.length;
    if (size > MAX_CAPTURED_OUTPUT) {
      outputLimited = true;
      proc.kill("SIGKILL");
      return;
    }
    chunks.push(chunk);
  });
  const exit = await proc.wait().finally(() => opts.signal?.removeEventListener("abort", abort));
  return { exit, output: Buffer.concat(chunks).toString("utf8"), outputLimited };
}

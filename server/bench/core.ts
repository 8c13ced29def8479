import type { Harness } from "./harness.ts";
import type { Row } from "./report.ts";
import { distribution, time } from "./stats.ts";
import { PROMPT, Term } from "./term.ts";

/** The first benchmarks of the lab, on one long-lived sandbox: exec, node start, a terminal's prompt. */
export async function coreRows(h: Harness, n: { exec: number; node: number; prompt: number }): Promise<Row[]> {
  const sandbox = await h.create(h.spec("core"));
  try {
    const run = async (argv: string[]) => {
      const p = sandbox.exec(argv, { timeoutMs: 30_000 });
      p.end();
      const exit = await p.wait();
      if (exit.code !== 0) throw new Error(`${argv.join(" ")} exited with ${JSON.stringify(exit)}`);
    };
    const execTrue = await time(n.exec, () => run(["/bin/true"]));
    const nodeStart = await time(n.node, () => run(["node", "-e", "0"]));
    // Spawn to prompt only: killing the shell afterwards is not timed.
    const prompt: number[] = [];
    for (let i = 0; i < n.prompt; i++) {
      const t0 = performance.now();
      const term = Term.open(sandbox);
      await term.until(PROMPT);
      prompt.push(performance.now() - t0);
      term.proc.kill("SIGKILL");
      await term.proc.wait();
    }
    return [
      { driver: h.kind, metric: "sandbox exec of /bin/true", unit: "ms", ...distribution(execTrue) },
      { driver: h.kind, metric: "node -e 0 in a sandbox", unit: "ms", ...distribution(nodeStart) },
      {
        driver: h.kind,
        metric: "terminal: spawn to bash prompt (running sandbox)",
        unit: "ms",
        ...distribution(prompt),
      },
    ];
  } finally {
    await h.stop(sandbox);
  }
}

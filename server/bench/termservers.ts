import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { Worker } from "node:worker_threads";

/** /proc figures of another process: CPU time used and memory. */
const TICK_MS = 10; // CLK_TCK is 100 on Linux

/** CPU time (user + system) `pid` has used so far, in ms; its own threads, not its children. */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

export const rss = (pid: number) => status(pid).VmRSS ?? 0;
export const hwm = (pid: number) => status(pid).VmHWM ?? 0;

/** Resets the kernel's peak RSS (VmHWM) of `pid` to its current RSS (proc(5), clear_refs "5"). */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

const TSX_API = import.meta.resolve("tsx/esm/api");

/** A worker thread running a TypeScript module (tsx registered in it: on Node 20 `--import` does not reach a worker). */
export function tsWorker(file: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(TSX_API)}).then((t) => { t.register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export type LabProcess = { pid: number; url: string; root: string; gc: () => Promise<void>; stop: () => Promise<void> };

/** Starts labproc.ts (a lab of the checkout at `root`) as a child process. */
export async function startLabProcess(root?: string): Promise<LabProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      import.meta.resolve("tsx"),
      new URL("./labproc.ts", import.meta.url).pathname,
      ...(root ? [root] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe", "ipc"] },
  );
  let log = "";
  child.stderr!.on("data", (b: Buffer) => void (log = (log + b.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.send("stop");
      const hard = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(hard);
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the lab process did not start in 60 s: ${log.slice(-300)}`)), 60_000);
    child.once("message", (m: { url: string }) => {
      clearTimeout(t);
      resolve(m.url);
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`the lab process exited (${code}): ${log.trim().slice(-300)}`));
    });
  });
  const gc = () =>
    new Promise<void>((resolve) => {
      const done = (m: unknown) => {
        if (m !== "gc-done") return;
        child.off("message", done);
        resolve();
      };
      child.on("message", done);
      child.send("gc");
    });
  return { pid: child.pid!, url, root: root ?? "this checkout", gc, stop };
}

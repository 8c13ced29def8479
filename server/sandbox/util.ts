import fs from "node:fs";
import path from "node:path";

export function which(cmd: string): string | null {
  for (const dir of ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** Quotes argv for `sh -c` (used for `script -c`). */
export function shellQuote(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

type ProcTable = { children: Map<number, number[]>; names: Map<number, string> };

function procTable(): ProcTable {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // comm may contain spaces and parentheses; it ends at the last ')'.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      const pid = Number(entry);
      names.set(pid, name);
      const list = children.get(ppid) ?? [];
      list.push(pid);
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  return { children, names };
}

/** Every descendant of `root` (host pids), breadth first. */
export function descendants(root: number, table: ProcTable = procTable()): number[] {
  const { children } = table;
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The direct children of `pid` (host pids), by pid. */
export function childrenOf(pid: number): number[] {
  // /proc/<pid>/task/<tid>/children lists the children each thread started.
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    try {
      out.push(...fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out.sort((a, b) => a - b);
}

/** A process's argv, from /proc (empty when it is gone or a kernel thread). */
export function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return [];
  }
}

/** The first descendant of `root` whose command name is `comm`. */
export function findDescendant(root: number, comm: string): number | undefined {
  const table = procTable();
  return descendants(root, table).find((pid) => table.names.get(pid) === comm);
}

/**
 * Sandboxes run as unprivileged uids, and bubblewrap resolves bind sources as that uid: every
 * folder above a mounted one needs search (x) permission for others. Grants exactly that,
 * never read (listing), and returns the folders it changed.
 */
export function makeTraversable(dir: string): string[] {
  const changed: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    const mode = fs.statSync(p).mode;
    if ((mode & 0o001) === 0) {
      fs.chmodSync(p, (mode & 0o7777) | 0o001);
      changed.push(p);
    }
    if (p === path.dirname(p)) break;
  }
  return changed;
}

/**
 * The program below a command's wrappers: `sh -c`, `npm`/`npx` and tsx's own CLI (tsx runs
 * the code in a child node and relays only SIGINT/SIGTERM, after a 30 ms handshake), so a
 * signal meant for the learner's program reaches the one process they run.
 */
export function programPid(commandPid: number | null): number | null {
  let pid = commandPid;
  for (let depth = 0; pid !== null && depth < 8; depth++) {
    if (!isWrapper(cmdline(pid))) return pid;
    const children = childrenOf(pid);
    if (children.length !== 1) return pid;
    pid = children[0]!;
  }
  return pid;
}

function isWrapper(argv: string[]): boolean {
  const [exe = "", script = ""] = argv.map((a) => path.basename(a));
  if (["sh", "bash", "dash"].includes(exe)) return true;
  if (["tsx", "npm", "npx"].includes(exe)) return true;
  return (
    /^node/.test(exe) &&
    (["tsx", "npm", "npx", "npm-cli.js", "npx-cli.js"].includes(script) ||
      argv[1]?.endsWith("/tsx/dist/cli.mjs") === true)
  );
}

/** `SandboxProcess.signalProgram` for drivers whose processes are host pids the lab can signal. */
export function signalProgram(commandPid: number | null, signal: NodeJS.Signals): boolean {
  const pid = programPid(commandPid);
  if (pid === null) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

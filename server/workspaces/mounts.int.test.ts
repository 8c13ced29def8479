import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { loadCatalog } from "../../graders/exercise/catalog.ts";
import { ROOT_DIR } from "../config.ts";
import { TEST_RUNTIME_DIR } from "../setup/runtime.ts";
import { Client, purgeDataDir } from "../test/lab.ts";
import { adoptWorkspaceMounts, releaseMountsUnder } from "./mounts.ts";

// A lab stopped the way an operator stops it (SIGTERM, as Ctrl-C on `npm start` does) leaves
// no mount of its data folder and no loop device bound to its images; a lab killed with
// SIGKILL leaves them, and the next start adopts each workspace's filesystem once.

// The Docker driver has no backing services yet (issue 17): it refuses those exercises' sandboxes.
const WITH_SERVICES = new Set(
  [...loadCatalog(path.join(ROOT_DIR, "exercises")).exercises.values()]
    .filter((e) => e.services.length)
    .map((e) => e.id),
);

const children: ChildProcess[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  for (const dir of dataDirs) await purgeDataDir(dir);
});

type Served = { url: string; child: ChildProcess; output: () => string };

/** `backlab serve` as its own process, the way `npm start` runs it. */
async function serve(dataDir: string, driver: string): Promise<Served> {
  const child = spawn(process.execPath, [path.join(ROOT_DIR, "server", "bin", "backlab.js"), "serve"], {
    env: {
      ...process.env,
      PORT: "0",
      DATA_DIR: dataDir,
      RUNTIME_DIR: TEST_RUNTIME_DIR,
      LOG_LEVEL: "info",
      SANDBOX_DRIVER: driver,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`backlab serve exited (${code}): ${out.slice(-2000)}`)));
  });
  return { url, child, output: () => out };
}

async function stop(s: Served, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((r) =>
    s.child.exitCode !== null || s.child.signalCode !== null
      ? r(s.child.exitCode)
      : s.child.once("exit", (code) => r(code)),
  );
  s.child.kill(signal);
  return exited;
}

/** Mount points at or under `dir`, one entry per mount (a stacked mount appears twice). */
function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => (l.split(" ")[4] ?? "").replace(/\\040/g, " "))
    .filter((m) => m === dir || m.startsWith(dir + "/"));
}

/** Backing files of the loop devices bound to a file under `dir`. */
function loopsUnder(dir: string): string[] {
  return fs
    .readdirSync("/sys/block")
    .filter((n) => n.startsWith("loop"))
    .flatMap((n) => {
      try {
        return [fs.readFileSync(`/sys/block/${n}/loop/backing_file`, "utf8").trim()];
      } catch {
        return [];
      }
    })
    .filter((f) => f.startsWith(dir + "/"));
}

/** Runs a command in the workspace's terminal (starting its sandbox) and waits for `until`. */
async function inTerminal(url: string, cookie: string, wsId: number, command: string, until: RegExp): Promise<void> {
  const socket = new WebSocket(`${url.replace("http", "ws")}/api/workspaces/${wsId}/terminal`, {
    headers: { origin: url, cookie },
  });
  let screen = "";
  socket.on("message", (d, binary) => {
    if (binary) screen += d.toString();
  });
  await new Promise((r, j) => (socket.once("open", r), socket.once("error", j)));
  const deadline = Date.now() + 30_000;
  while (!/\$ \S*$/.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  socket.send(Buffer.from(`${command}\r`));
  while (!until.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  socket.terminate();
  if (!until.test(screen))
    throw new Error(`terminal of workspace ${wsId} never showed ${until}: ${JSON.stringify(screen.slice(-300))}`);
}

/** The same session against a restarted lab (sessions are in the database). */
function signedIn(url: string, c: Client): Client {
  const again = new Client(url);
  again.cookie = c.cookie;
  again.csrf = c.csrf;
  return again;
}

async function fileOf(c: Client, wsId: number, file: string): Promise<string | null> {
  const r = await c.json<{ file: { content: string } }>(
    "GET",
    `/api/workspaces/${wsId}/files/content?path=${encodeURIComponent(file)}`,
  );
  return r.status === 200 ? r.body.file.content : null;
}

async function fileList(c: Client, wsId: number): Promise<string[]> {
  const r = await c.json<{ entries: { path: string }[] }>("GET", `/api/workspaces/${wsId}/files`);
  expect(r.status).toBe(200);
  return r.body.entries.map((e) => e.path).sort();
}

describe.each(["bwrap", "docker"])("the lab's mounts (%s driver)", (driver) => {
  const dataDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `backlab-mounts-${driver}-`)));
  dataDirs.push(dataDir);
  const workspaces: { id: number; files: string[] }[] = [];
  let client: Client;

  it("SIGTERM with 5 workspaces open and their sandboxes running leaves no mount of the data folder", async () => {
    const lab = await serve(dataDir, driver);
    client = await Client.signup(lab.url, "mounter");
    const { body } = await client.json<{ exercises: { id: string }[] }>("GET", "/api/exercises");
    const open = body.exercises.filter((e) => driver === "bwrap" || !WITH_SERVICES.has(e.id));
    for (const e of open.slice(0, 5)) {
      const r = await client.json<{ workspace: { id: number } }>("POST", `/api/exercises/${e.id}/workspace`, {});
      expect(r.status).toBe(200);
      const id = r.body.workspace.id;
      await inTerminal(
        lab.url,
        client.cookie,
        id,
        `echo kept-${id} > note.txt && echo wrote-$((${id}*1000+7))`,
        new RegExp(`wrote-${id * 1000 + 7}`),
      );
      workspaces.push({ id, files: await fileList(client, id) });
    }
    expect(workspaces).toHaveLength(5);
    // The test means something only if the lab mounted what it must release.
    expect(mountsUnder(path.join(dataDir, "workspaces")).length).toBeGreaterThanOrEqual(5);
    expect(loopsUnder(dataDir).length).toBeGreaterThanOrEqual(5);

    expect(await stop(lab, "SIGTERM"), lab.output().slice(-2000)).toBe(0);
    expect(mountsUnder(dataDir)).toEqual([]);
    expect(loopsUnder(dataDir)).toEqual([]);
  }, 180_000);

  it("SIGKILL, then a start: each workspace filesystem is mounted once, adopted, with all its files", async () => {
    expect(workspaces).toHaveLength(5);
    // After the clean stop: the files are on the images, mounted again on first use.
    const second = await serve(dataDir, driver);
    client = signedIn(second.url, client);
    for (const ws of workspaces) {
      expect(await fileOf(client, ws.id, "note.txt")).toBe(`kept-${ws.id}\n`);
      await inTerminal(
        second.url,
        client.cookie,
        ws.id,
        `echo again-${ws.id} >> note.txt && echo ok-$((${ws.id}*1000+9))`,
        new RegExp(`ok-${ws.id * 1000 + 9}`),
      );
    }
    await stop(second, "SIGKILL");
    // A crash leaves the mounts: what the next start must cope with.
    expect(mountsUnder(path.join(dataDir, "workspaces")).length).toBeGreaterThanOrEqual(5);

    const third = await serve(dataDir, driver);
    client = signedIn(third.url, client);
    const check = () => {
      const mounts = mountsUnder(dataDir);
      expect(mounts.length, "no mount point twice").toBe(new Set(mounts).size);
      for (const ws of workspaces)
        expect(mounts.filter((m) => m === path.join(dataDir, "workspaces", String(ws.id)))).toHaveLength(1);
      const loops = loopsUnder(dataDir);
      expect(loops.length, "no image on two loop devices").toBe(new Set(loops).size);
      expect(loops.sort()).toEqual(workspaces.map((ws) => path.join(dataDir, "workspaces", `${ws.id}.img`)).sort());
    };
    check();
    for (const ws of workspaces) {
      expect(await fileList(client, ws.id)).toEqual(expect.arrayContaining(ws.files));
      expect(await fileOf(client, ws.id, "note.txt")).toBe(`kept-${ws.id}\nagain-${ws.id}\n`);
      // The sandbox (on Docker the adopted container) sees the same filesystem as the lab.
      await inTerminal(third.url, client.cookie, ws.id, `cat note.txt | wc -l | sed 's/^/lines-/'`, /lines-2\r\n/);
    }
    check();

    expect(await stop(third, "SIGTERM"), third.output().slice(-2000)).toBe(0);
    expect(mountsUnder(dataDir)).toEqual([]);
    expect(loopsUnder(dataDir)).toEqual([]);
  }, 240_000);
});

describe("adopting and releasing mounts (tmpfs stand-ins for workspace images)", () => {
  const tmpfs = (dir: string) => {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
  };

  it("keeps one mount per existing workspace, pops stacked layers, unmounts deleted workspaces and strays (a path with a space)", () => {
    const root = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "backlab adopt-"))), "workspaces");
    dataDirs.push(path.dirname(root));
    tmpfs(path.join(root, "1"));
    fs.writeFileSync(path.join(root, "1", "kept.txt"), "one");
    tmpfs(path.join(root, "2"));
    tmpfs(path.join(root, "2")); // doubled: a second layer over the first
    fs.writeFileSync(path.join(root, "2", "top.txt"), "top");
    tmpfs(path.join(root, "3")); // a workspace deleted meanwhile
    tmpfs(path.join(root, "1", "nested")); // a stray mount inside a workspace
    fs.mkdirSync(path.join(root, "4"));

    expect(adoptWorkspaceMounts(root, (id) => id === 1 || id === 2 || id === 4)).toEqual({ adopted: 2, released: 3 });
    const left = mountsUnder(root);
    expect(left.sort()).toEqual([path.join(root, "1"), path.join(root, "2")]);
    expect(fs.readFileSync(path.join(root, "1", "kept.txt"), "utf8")).toBe("one");
    // The lower layer is the one that stays: the first mount is the workspace's own.
    expect(fs.existsSync(path.join(root, "2", "top.txt"))).toBe(false);

    expect(releaseMountsUnder(path.dirname(root))).toBe(2);
    expect(mountsUnder(path.dirname(root))).toEqual([]);
  });
});

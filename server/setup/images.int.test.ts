import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { dockerClient, ensureDocker } from "./docker.ts";
import { ensureImages } from "./images.ts";
import { TEST_RUNTIME_DIR } from "./runtime.ts";

// Real Docker: fails (never skips) when there is no engine. The first run may build the
// offline base (debootstrap, ~30–60 s) and the runtime image, hence the long hook timeout.
const docker = dockerClient();
let tag = "";

/** Runs `bash -c script` in a throwaway container of the runtime image, without network. */
async function inImage(script: string): Promise<{ code: number; out: string; err: string }> {
  const container = await docker.createContainer({
    Image: tag,
    Cmd: ["bash", "-c", script],
    HostConfig: { NetworkMode: "none" },
  });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    let outText = "";
    let errText = "";
    out.on("data", (d: Buffer) => (outText += d.toString()));
    err.on("data", (d: Buffer) => (errText += d.toString()));
    docker.modem.demuxStream(stream, out, err);
    const ended = new Promise((resolve) => stream.on("end", resolve));
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await ended;
    return { code: StatusCode, out: outText.trim(), err: errText.trim() };
  } finally {
    await container.remove({ force: true });
  }
}

describe("sandbox images", () => {
  beforeAll(async () => {
    await ensureDocker(() => {});
    const tags = await ensureImages({ runtimesRoot: TEST_RUNTIME_DIR, log: () => {} });
    expect(Object.keys(tags)).toEqual(["node20"]);
    tag = tags.node20 ?? "";
  }, 300_000);

  it("is tagged by content and labelled", async () => {
    expect(tag).toMatch(/^backlab\/runtime-node20:[0-9a-f]{12}$/);
    const info = await docker.getImage(tag).inspect();
    expect(info.Config.Labels?.["backlab.image"]).toBe("runtime-node20");
    expect(info.Config.User).toBe("1000:1000");
    expect(info.Config.WorkingDir).toBe("/workspace");
  });

  it("runs as learner (uid 1000, home /workspace) with node 20 and the runtime packages", async () => {
    const r = await inImage('id -u; id -g; id -un; echo "$HOME"; pwd; node -v; vitest --version');
    expect(r.code).toBe(0);
    const [uid, gid, user, home, cwd, nodeV, vitestV] = r.out.split("\n");
    expect({ uid, gid, user, home, cwd }).toEqual({
      uid: "1000",
      gid: "1000",
      user: "learner",
      home: "/workspace",
      cwd: "/workspace",
    });
    expect(nodeV).toMatch(/^v20\./);
    expect(vitestV).toMatch(/^vitest\/\d/);
  });

  it("has a read-only /node_modules that resolves from anywhere, and bash + script", async () => {
    const r = await inImage(
      [
        "test -d /node_modules/vitest && echo nm-ok",
        "test -s /node_modules/.backlab/pglite-empty.tar.gz && echo pglite-template",
        "touch /node_modules/x 2>/dev/null && echo nm-writable || echo nm-readonly",
        "mkdir /node_modules/y 2>/dev/null && echo nm-writable || echo nm-readonly",
        "command -v bash script",
        'cd /tmp && node -e "import(\\"express\\").then((m) => console.log(typeof m.default))"',
        "script -qc 'test -t 0 && echo has-tty' /dev/null",
      ].join("; "),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.split(/\r?\n/)).toEqual([
      "nm-ok",
      "pglite-template",
      "nm-readonly",
      "nm-readonly",
      "/usr/bin/bash",
      "/usr/bin/script",
      "function",
      "has-tty",
    ]);
  });

  it("has no network with --network none", async () => {
    const r = await inImage("cat /sys/class/net/*/operstate >/dev/null; ls /sys/class/net");
    expect(r.out.split("\n")).toEqual(["lo"]);
  });

  it("is not rebuilt when nothing changed: a second call returns the same tag", async () => {
    const said: string[] = [];
    const again = await ensureImages({ runtimesRoot: TEST_RUNTIME_DIR, log: (m) => said.push(m) });
    expect(again).toEqual({ node20: tag });
    expect(said).toEqual([]);
  });
});

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Recorder } from "./recorder.ts";

describe("Recorder.liveBytes", () => {
  it("tells a live recording's size so far (the list said 0 B while it was in progress), nothing once closed", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "recorder-"));
    const file = path.join(dir, "a.cast.gz");
    const r = new Recorder(file, { width: 80, height: 24 });
    const header = Recorder.liveBytes(file)!;
    expect(header).toBeGreaterThan(0);
    r.output(Buffer.from("hello from the shell\r\n"));
    expect(Recorder.liveBytes(file)).toBeGreaterThan(header + 20);
    expect(Recorder.liveBytes(path.join(dir, "other.cast.gz"))).toBeUndefined();
    const bytes = r.bytes;
    await r.close();
    expect(Recorder.liveBytes(file)).toBeUndefined();
    expect(r.bytes).toBe(bytes);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

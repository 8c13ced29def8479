import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { commandsOf } from "./review.ts";

describe("commandsOf", () => {
  it("reads the commands typed at bash's prompt back from a recording, at the time of their Enter", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "backlab-cast-")), "s.cast.gz");
    const events = [
      [0.1, "o", "\u001b[01;32mlearner@backlab\u001b[00m:\u001b[01;34m~\u001b[00m$ "],
      [1.0, "o", "l"],
      [1.1, "o", "s -la"],
      [1.5, "o", "\r\n"],
      [1.6, "o", "total 4\r\nREADME.md\r\nlearner@backlab:~$ "],
      [3.0, "o", "npx vitest run\r\n"],
      [9.0, "o", " ✓ 3 tests $ not a prompt\r\n"],
    ];
    const body =
      [JSON.stringify({ version: 2, width: 80, height: 24 }), ...events.map((e) => JSON.stringify(e))].join("\n") +
      "\n";
    // A recording still being written ends mid-stream: a sync-flushed gzip without its trailer.
    fs.writeFileSync(file, zlib.gzipSync(body).subarray(0, -8));
    const start = Date.parse("2026-01-01T00:00:00.000Z");
    expect(commandsOf(file, start)).toEqual([
      { at: "2026-01-01T00:00:01.500Z", offsetS: 1.5, command: "ls -la" },
      { at: "2026-01-01T00:00:03.000Z", offsetS: 3, command: "npx vitest run" },
    ]);
    expect(commandsOf(path.join(path.dirname(file), "missing.cast.gz"), start)).toEqual([]);
  });
});

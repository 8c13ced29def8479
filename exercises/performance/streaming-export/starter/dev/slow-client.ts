// A slow client: reads the first 64 KB of the export, pauses, then reads the rest, and shows
// what the server read from its source meanwhile (GET /__stats).
//   npx tsx dev/slow-client.ts [pause in ms, default 2000] [path, default /export.csv]
import net from "node:net";

const port = Number(process.env.PORT ?? 3000);
const pauseMs = Number(process.argv[2] ?? 2000);
const path = process.argv[3] ?? "/export.csv";
const stats = async () => (await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()) as { rowsRead: number; openCursors: number; memoryRssBytes: number };
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

const before = await stats();
const socket = net.connect(port, "127.0.0.1");
socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
let bytes = 0;
let paused = false;
const started = Date.now();
socket.on("data", async (chunk: Buffer) => {
  bytes += chunk.length;
  if (!paused && bytes >= 64 * 1024) {
    paused = true;
    socket.pause();
    const s = await stats();
    console.log(`after ${Date.now() - started} ms: received ${bytes} bytes; the server has read ${s.rowsRead - before.rowsRead} rows (RSS ${mb(s.memoryRssBytes)}). Pausing ${pauseMs} ms...`);
    await new Promise((r) => setTimeout(r, pauseMs));
    const t = await stats();
    console.log(`after the pause: the server has read ${t.rowsRead - before.rowsRead} rows (RSS ${mb(t.memoryRssBytes)}). Reading the rest...`);
    socket.resume();
  }
});
socket.on("close", async () => {
  const s = await stats();
  console.log(`done in ${Date.now() - started} ms: ${bytes} bytes received (head included); ${s.rowsRead - before.rowsRead} rows read; open cursors ${s.openCursors}`);
});

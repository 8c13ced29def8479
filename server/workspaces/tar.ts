import fs from "node:fs";
import path from "node:path";

/**
 * A POSIX tar (pax) of a folder, in memory: directories, regular files and symlinks (as
 * links, never followed), names of any length through pax headers. For downloads of a
 * workspace snapshot, which copyTree bounded already (files, bytes).
 */
export function tarOf(dir: string, prefix: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of fs.readdirSync(abs).sort()) {
      const a = path.join(abs, name);
      const r = `${rel}/${name}`;
      const st = fs.lstatSync(a);
      if (st.isDirectory()) {
        entry(parts, `${r}/`, "5", 0o755, 0, st.mtimeMs);
        walk(a, r);
      } else if (st.isSymbolicLink()) {
        entry(parts, r, "2", 0o777, 0, st.mtimeMs, fs.readlinkSync(a));
      } else if (st.isFile()) {
        const body = fs.readFileSync(a);
        entry(parts, r, "0", st.mode & 0o111 ? 0o755 : 0o644, body.length, st.mtimeMs);
        parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
      }
    }
  };
  entry(parts, `${prefix}/`, "5", 0o755, 0, Date.now());
  walk(dir, prefix);
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

function entry(parts: Buffer[], name: string, type: string, mode: number, size: number, mtimeMs: number, link = "") {
  const long = Buffer.byteLength(name) > 100 || Buffer.byteLength(link) > 100;
  if (long) {
    const records = [pax("path", name), ...(link ? [pax("linkpath", link)] : [])].join("");
    const body = Buffer.from(records, "utf8");
    parts.push(header("././@PaxHeader", "x", 0o644, body.length, mtimeMs, ""));
    parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(header(long ? truncate(name) : name, type, mode, size, mtimeMs, long ? truncate(link) : link));
}

/** A pax record: "<length> <key>=<value>\n", the length counting itself. */
function pax(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let n = Buffer.byteLength(rest) + 1;
  while (String(n).length + Buffer.byteLength(rest) !== n) n++;
  return `${n}${rest}`;
}

/** The header's own field for a long name: ASCII, cut to fit (readers take the pax record). */
const truncate = (s: string) => s.replace(/[^\x20-\x7e]/g, "_").slice(0, 100);

function header(name: string, type: string, mode: number, size: number, mtimeMs: number, link: string): Buffer {
  const h = Buffer.alloc(512);
  const put = (value: string, at: number, len: number) => h.write(value, at, len, "utf8");
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtimeMs / 1000), 12), 136, 12);
  put("        ", 148, 8);
  put(type, 156, 1);
  put(link, 157, 100);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

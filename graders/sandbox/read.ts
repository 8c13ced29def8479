import fs from "node:fs";

/**
 * Reads a file a sandbox could have written (its out folder is writable from inside): no
 * link is followed, O_NONBLOCK keeps a FIFO from hanging the lab, anything but a regular
 * file is ignored, and at most `max` bytes are read from `offset`. Null when unreadable.
 */
export function readSandboxFile(file: string, opts: { offset?: number; max?: number } = {}): Buffer | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const offset = opts.offset ?? 0;
    const length = Math.max(0, Math.min(st.size - offset, opts.max ?? 5 * 1024 * 1024));
    const buf = Buffer.alloc(length);
    const read = length ? fs.readSync(fd, buf, 0, length, offset) : 0;
    return buf.subarray(0, read);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

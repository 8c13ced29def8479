import fs from "node:fs";

/**
 * openat()-style file access for trees a hostile sandbox can change at any moment.
 *
 * Node has no openat(), but Linux's `/proc/self/fd/<fd>/<name>` is the same thing: the magic
 * link resolves to the directory the descriptor holds (the inode, not a path), and `name`
 * is then looked up inside it. Every component of a path is opened this way, one at a
 * time, with O_NOFOLLOW, so a directory swapped for a symlink halfway through a request
 * cannot redirect it: the walk either holds the real directory or fails with ELOOP/ENOTDIR.
 * Names never contain "/" and never are "." or "..": callers pass validated segments.
 */

const C = fs.constants;
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

/** Why a walk or an open was refused, in the file API's terms. */
export type WalkFailure =
  "not-found" | "symlink" | "not-a-folder" | "not-a-file" | "hard-link" | "exists" | "no-space" | "busy" | "too-deep";

export class WalkError extends Error {
  constructor(
    readonly reason: WalkFailure,
    readonly at: string,
  ) {
    super(`${reason}: ${at}`);
  }
}

/** The path of `name` inside the directory held by `dirFd`; only for *at-style calls. */
export function at(dirFd: number, name: string): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}

/** Translates errno from an open of `at` into a WalkError (or rethrows what is not ours). */
export function walkError(err: unknown, where: string, dirFd?: number, name?: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") throw new WalkError("not-found", where);
  if (code === "ELOOP") throw new WalkError("symlink", where);
  if (code === "EEXIST" || code === "ENOTEMPTY") throw new WalkError("exists", where);
  if (code === "ENOSPC" || code === "EDQUOT") throw new WalkError("no-space", where);
  if (code === "EBUSY") throw new WalkError("busy", where);
  if (code === "ENOTDIR" || code === "EISDIR") {
    // O_DIRECTORY|O_NOFOLLOW on a symlink says ENOTDIR: tell the two apart for the message.
    if (dirFd !== undefined && name !== undefined) {
      try {
        if (fs.lstatSync(at(dirFd, name)).isSymbolicLink()) throw new WalkError("symlink", where);
      } catch (e) {
        if (e instanceof WalkError) throw e;
      }
    }
    throw new WalkError(code === "EISDIR" ? "not-a-file" : "not-a-folder", where);
  }
  throw err;
}

/** Opens the root of a tree; the root itself must be a real directory. */
export function openRoot(dir: string): number {
  try {
    return fs.openSync(dir, DIR_FLAGS);
  } catch (err) {
    return walkError(err, ".");
  }
}

/** Opens `name` inside `dirFd` as a directory, never through a symlink. */
export function openDirAt(dirFd: number, name: string, where: string): number {
  try {
    return fs.openSync(at(dirFd, name), DIR_FLAGS);
  } catch (err) {
    return walkError(err, where, dirFd, name);
  }
}

/**
 * Walks `segments` from `rootFd`, each one a real directory; returns a new descriptor of the
 * last one (the caller closes it). `create` makes missing directories (owned by `uid`).
 */
export function walkDirs(
  rootFd: number,
  segments: readonly string[],
  opts: { create?: { uid: number; mode: number } } = {},
): number {
  let fd = fs.openSync(at(rootFd, "."), DIR_FLAGS);
  try {
    for (const [i, name] of segments.entries()) {
      const where = segments.slice(0, i + 1).join("/");
      if (opts.create) {
        try {
          fs.mkdirSync(at(fd, name), { mode: opts.create.mode });
          // mkdir never follows a symlink at the last component (EEXIST instead); open it
          // with O_NOFOLLOW before changing its owner, so the chown is of what we made.
          const made = openDirAt(fd, name, where);
          fs.fchownSync(made, opts.create.uid, opts.create.uid);
          fs.closeSync(fd);
          fd = made;
          continue;
        } catch (err) {
          if (err instanceof WalkError) throw err;
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") walkError(err, where, fd, name);
        }
      }
      const next = openDirAt(fd, name, where);
      fs.closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * Opens a regular file in `dirFd` without following a link and checks that the file opened
 * is the file looked at: lstat first (so a FIFO or a device is never even opened), then
 * fstat of the descriptor must show the same device and inode, a regular file, one link.
 */
export function openFileAt(
  dirFd: number,
  name: string,
  where: string,
  flags: number,
  opts: { allowHardLinks?: boolean } = {},
): { fd: number; stat: fs.Stats } {
  let before: fs.Stats;
  try {
    before = fs.lstatSync(at(dirFd, name));
  } catch (err) {
    return walkError(err, where);
  }
  if (before.isSymbolicLink()) throw new WalkError("symlink", where);
  if (!before.isFile()) throw new WalkError("not-a-file", where);
  let fd: number;
  try {
    // O_NONBLOCK: should a FIFO appear in the gap after lstat, opening it does not hang.
    fd = fs.openSync(at(dirFd, name), flags | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (err) {
    return walkError(err, where, dirFd, name);
  }
  const stat = fs.fstatSync(fd);
  const refuse = (reason: WalkFailure) => {
    fs.closeSync(fd);
    throw new WalkError(reason, where);
  };
  if (stat.dev !== before.dev || stat.ino !== before.ino) refuse("busy");
  if (!stat.isFile()) refuse("not-a-file");
  if (stat.nlink > 1 && !opts.allowHardLinks) refuse("hard-link");
  return { fd, stat };
}

/** Reads at most `max` bytes of an open file; `more` says the file had further bytes. */
export function readUpTo(fd: number, max: number): { data: Buffer; more: boolean } {
  const buf = Buffer.alloc(max + 1);
  let n = 0;
  while (n < buf.length) {
    const got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (got === 0) break;
    n += got;
  }
  return n > max ? { data: buf.subarray(0, max), more: true } : { data: buf.subarray(0, n), more: false };
}

/** Writes all of `data` to `fd` from offset 0. */
export function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, off);
}

/** One entry of a directory, looked at without following it. */
export type DirEntry = { name: string; stat: fs.Stats };

/**
 * The entries of a directory, at most `max` of them: read as a stream, so a folder with a
 * million files costs no more than `max` lstat calls.
 */
export function listDirAt(dirFd: number, max = Infinity): DirEntry[] {
  const dir = fs.opendirSync(at(dirFd, "."));
  const out: DirEntry[] = [];
  try {
    for (let d = dir.readSync(); d && out.length < max; d = dir.readSync()) {
      try {
        out.push({ name: d.name, stat: fs.lstatSync(at(dirFd, d.name)) });
      } catch {
        // Removed between readdir and lstat (the terminal is busy): not there.
      }
    }
  } finally {
    dir.closeSync();
  }
  return out;
}

/** How deep the file API walks a tree: each level holds a descriptor while it is walked. */
export const MAX_WALK_DEPTH = 32;

/** Throws "too-deep" when folders below `name` nest deeper than a walk goes; changes nothing. */
export function assertShallow(dirFd: number, name: string, where: string, depth = 0): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at(dirFd, name));
  } catch (err) {
    return walkError(err, where);
  }
  if (!st.isDirectory()) return;
  if (depth >= MAX_WALK_DEPTH) throw new WalkError("too-deep", where);
  const fd = openDirAt(dirFd, name, where);
  try {
    for (const e of listDirAt(fd)) if (e.stat.isDirectory()) assertShallow(fd, e.name, `${where}/${e.name}`, depth + 1);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes `name` in `dirFd` and, for a directory, everything below it, one descriptor per
 * level: links are unlinked (never followed), directories opened with O_NOFOLLOW.
 */
export function removeAt(dirFd: number, name: string, where: string, depth = 0): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at(dirFd, name));
  } catch (err) {
    return walkError(err, where);
  }
  if (!st.isDirectory()) {
    try {
      fs.unlinkSync(at(dirFd, name));
    } catch (err) {
      walkError(err, where, dirFd, name);
    }
    return 1;
  }
  if (depth >= MAX_WALK_DEPTH) throw new WalkError("too-deep", where);
  const fd = openDirAt(dirFd, name, where);
  let removed = 0;
  try {
    for (const e of listDirAt(fd)) removed += removeAt(fd, e.name, `${where}/${e.name}`, depth + 1);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.rmdirSync(at(dirFd, name));
  } catch (err) {
    walkError(err, where, dirFd, name);
  }
  return removed + 1;
}

/** Closes descriptors, ignoring the ones already closed. */
export function closeAll(...fds: (number | undefined)[]): void {
  for (const fd of fds) {
    if (fd === undefined) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}

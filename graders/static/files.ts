import fs from "node:fs";
import path from "node:path";

/** Largest file a static rule reads; a bigger one is a fail, never a partial read. */
export const MAX_STATIC_FILE = 256 * 1024;

export type FileRead = { ok: true; text: string } | { ok: false; message: string };

/**
 * Checks a path from exercise.yaml: relative, inside the submission, no `..`. A bad one is
 * the exercise author's mistake, so it throws (the grader reports `status: "error"`).
 */
export function checkRelativePath(rel: string, what: string): string[] {
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  if (rel.startsWith("/") || rel.includes("\\") || rel.includes("\0") || parts.length === 0 || parts.includes("..")) {
    throw new Error(`${what} "${rel}" must be a relative path inside the submission (no "/", "..", or "\\")`);
  }
  return parts;
}

/**
 * Reads one file of the submission for the static rules, executing nothing and following no
 * link: every folder on the way and the file itself are checked with lstat (a symlink or
 * anything else than a regular file is refused), the file is opened with O_NOFOLLOW, and
 * files over 256 KB are refused. Problems are fails with a message for the learner.
 */
export function readSubmissionFile(root: string, rel: string): FileRead {
  const parts = checkRelativePath(rel, "file");
  const shown = parts.join("/");
  let at = path.resolve(root);
  for (const [i, part] of parts.entries()) {
    at = path.join(at, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch {
      const missing = parts.slice(0, i + 1).join("/");
      return {
        ok: false,
        message:
          i === parts.length - 1
            ? `${shown} was not found: create it at ${shown} in your workspace.`
            : `${shown} was not found: the folder ${missing}/ does not exist in your workspace.`,
      };
    }
    const last = i === parts.length - 1;
    if (st.isSymbolicLink())
      return {
        ok: false,
        message: `${parts.slice(0, i + 1).join("/")} is a symbolic link; the grader reads only regular files inside your workspace. Replace the link with the real ${last ? "file" : "folder"}.`,
      };
    if (!last && !st.isDirectory())
      return { ok: false, message: `${shown} was not found: ${parts.slice(0, i + 1).join("/")} is not a folder.` };
    if (last && !st.isFile())
      return {
        ok: false,
        message: `${shown} is not a regular file${st.isDirectory() ? " (it is a folder)" : ""}; create a file named ${shown}.`,
      };
  }
  let fd: number;
  try {
    fd = fs.openSync(at, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, message: `${shown} could not be read (${(err as NodeJS.ErrnoException).code ?? "error"}).` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, message: `${shown} is not a regular file.` };
    if (st.size > MAX_STATIC_FILE)
      return {
        ok: false,
        message: `${shown} is ${Math.ceil(st.size / 1024)} KB; the grader reads files up to ${MAX_STATIC_FILE / 1024} KB. Is this the right file?`,
      };
    const buf = Buffer.alloc(st.size);
    const n = st.size === 0 ? 0 : fs.readSync(fd, buf, 0, st.size, 0);
    return { ok: true, text: buf.subarray(0, n).toString("utf8") };
  } finally {
    fs.closeSync(fd);
  }
}

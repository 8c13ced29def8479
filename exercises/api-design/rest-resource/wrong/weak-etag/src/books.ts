// The in-memory store and the validation of a book's fields.
import { createHash } from "node:crypto";
import type { FieldError } from "./problem.ts";

export type Book = { id: number; title: string; author: string; year: number | null };
export type BookFields = Omit<Book, "id">;

const books = new Map<number, Book>(); // insertion order is id order: ids only grow
let nextId = 1;

export function create(fields: BookFields): Book {
  const book = { id: nextId++, ...fields };
  books.set(book.id, book);
  return book;
}

export const get = (id: number): Book | undefined => books.get(id);

export function replace(id: number, fields: BookFields): Book {
  const book = { id, ...fields };
  books.set(id, book);
  return book;
}

export const remove = (id: number): boolean => books.delete(id);

/** Up to `limit` books with an id greater than `afterId`, in id order, and whether more follow. */
export function pageAfter(afterId: number, limit: number): { items: Book[]; more: boolean } {
  const items: Book[] = [];
  for (const book of books.values()) {
    if (book.id <= afterId) continue;
    if (items.length === limit) return { items, more: true };
    items.push(book);
  }
  return { items, more: false };
}

/** A strong validator: it changes whenever any byte of the representation changes. */
export const etagOf = (book: Book): string => `W/"${createHash("sha256").update(JSON.stringify(book)).digest("base64url").slice(0, 22)}"`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a body's fields. `partial` (PATCH) only checks the fields present; otherwise
 * title and author are required and year defaults to null.
 */
export function validate(body: unknown, partial: boolean): { fields: Partial<BookFields>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fields: Partial<BookFields> = {};
  if (!isObject(body)) return { fields, errors: [{ field: "(body)", message: "must be a JSON object" }] };
  for (const key of ["title", "author"] as const) {
    const v = body[key];
    if (v === undefined) {
      if (!partial) errors.push({ field: key, message: "is required" });
    } else if (typeof v !== "string" || v.trim() === "" || v.length > 200) {
      errors.push({ field: key, message: "must be a non-empty string of at most 200 characters" });
    } else fields[key] = v;
  }
  const year = body.year;
  if (year === undefined || year === null) {
    if (!partial || year === null) fields.year = null;
  } else if (typeof year !== "number" || !Number.isInteger(year) || year < 0 || year > 2100) {
    errors.push({ field: "year", message: "must be an integer between 0 and 2100, or null" });
  } else fields.year = year;
  for (const key of Object.keys(body)) {
    if (!["title", "author", "year"].includes(key)) errors.push({ field: key, message: "is not a field of a book" });
  }
  return { fields, errors };
}

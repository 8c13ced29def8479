// The data layer: an in-memory stand-in for a database, with the same habits as a real one.
// Every function is one round trip: it takes a few milliseconds and is counted in
// `stats.calls`. Functions that take a list of ids answer in ONE round trip however many ids
// you pass, and they answer rows in id order (not in the order of the ids you passed), with
// missing ids simply left out - like `SELECT … WHERE id = ANY($1) ORDER BY id`.
//
// DO NOT CHANGE THIS FILE. The grader reads the counter (through GET /__stats) to see how many
// round trips a query costs, and it relies on the data and the failures described here.

import { seed, type AuthorRow, type BookRow, type ReviewRow } from "./seed.ts";

export type Author = AuthorRow;
export type Book = BookRow;
export type Review = ReviewRow;

/** Round trips to the data layer since the service started. */
export const stats = { calls: 0 };

const ROUND_TRIP_MS = 2;
const data = seed();

/**
 * Author 13 was imported from a legacy system and its row is corrupt: it is not listed, and
 * reading it by id fails inside the data layer (the way a bad row fails in a real driver).
 */
const CORRUPT_AUTHOR_ID = 13;

/** One counted round trip: the answer arrives later, as copies (callers cannot edit the rows). */
function roundTrip<T>(answer: () => T): Promise<T> {
  stats.calls++;
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      try {
        resolve(structuredClone(answer()));
      } catch (err) {
        reject(err);
      }
    }, ROUND_TRIP_MS);
  });
}

const inIds = (ids: readonly number[]) => {
  const wanted = new Set(ids);
  return (row: { id: number }) => wanted.has(row.id);
};

/** The first `limit` authors, in id order. */
export function listAuthors(limit: number): Promise<Author[]> {
  return roundTrip(() => data.authors.slice(0, limit));
}

/** The first `limit` books, in id order. */
export function listBooks(limit: number): Promise<Book[]> {
  return roundTrip(() => data.books.slice(0, limit));
}

/** The authors with these ids, in id order; unknown ids are left out. */
export function getAuthorsByIds(ids: readonly number[]): Promise<Author[]> {
  return roundTrip(() => {
    if (ids.includes(CORRUPT_AUTHOR_ID)) {
      throw new Error(`decode error in authors row ${CORRUPT_AUTHOR_ID}: invalid UTF-8 sequence at byte 41 (/var/lib/legacy/authors.db, page 7)`);
    }
    return data.authors.filter(inIds(ids));
  });
}

/** The books with these ids, in id order; unknown ids are left out. */
export function getBooksByIds(ids: readonly number[]): Promise<Book[]> {
  return roundTrip(() => data.books.filter(inIds(ids)));
}

/** Every book written by any of these authors, in book id order. */
export function getBooksByAuthorIds(authorIds: readonly number[]): Promise<Book[]> {
  const wanted = new Set(authorIds);
  return roundTrip(() => data.books.filter((b) => wanted.has(b.authorId)));
}

/**
 * The reviews of these books that `viewer` may see, in review id order: every published
 * review, plus the viewer's own drafts (nobody else's). `viewer` null is an anonymous caller.
 */
export function getReviewsByBookIds(bookIds: readonly number[], viewer: string | null): Promise<Review[]> {
  const wanted = new Set(bookIds);
  return roundTrip(() => data.reviews.filter((r) => wanted.has(r.bookId) && (!r.draft || r.reviewer === viewer)));
}

export type NewReview = { bookId: number; rating: number; body: string; reviewer: string; draft: boolean };

/** Stores a review. Like a database with constraints, it refuses bad rows with a raw error. */
export function addReview(input: NewReview): Promise<Review> {
  return roundTrip(() => {
    if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
      throw new Error(`CHECK constraint failed: reviews.rating BETWEEN 1 AND 5 (got ${input.rating})`);
    }
    if (!data.books.some((b) => b.id === input.bookId)) {
      throw new Error(`FOREIGN KEY constraint failed: reviews.book_id ${input.bookId} references books(id)`);
    }
    const review: Review = { id: data.reviews.length + 1, ...input };
    data.reviews.push(review);
    return review;
  });
}

/** Renames an author; null when there is no such author. */
export function renameAuthor(id: number, name: string): Promise<Author | null> {
  return roundTrip(() => {
    const author = data.authors.find((a) => a.id === id);
    if (!author) return null;
    author.name = name;
    return author;
  });
}

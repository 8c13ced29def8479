// DataLoaders: every `load(id)` made while one level of the query resolves is collected into
// ONE data-layer call, and the same id asked twice in a request is fetched once.
//
// They are created per request (see createContext), never at module level: a loader caches
// what it loaded for as long as it lives, so a shared one would serve stale rows after a
// write, and rows one viewer may see (their drafts) to every other viewer.
import DataLoader from "dataloader";
import * as db from "../data/db.ts";

/** Puts rows back in the order of `keys`: a batch function must answer one value per key. */
function byKey<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): (R | null)[] {
  const found = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => found.get(k) ?? null);
}

/** Groups rows under each key, in the order of `keys`; a key without rows gets []. */
function groupByKey<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const k = keyOf(row);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(row);
  }
  return keys.map((k) => groups.get(k)!);
}

export function createLoaders(viewer: string | null) {
  return {
    author: new DataLoader<number, db.Author | null>(async (ids) => byKey(ids, await db.getAuthorsByIds(ids), (a) => a.id)),
    book: new DataLoader<number, db.Book | null>(async (ids) => byKey(ids, await db.getBooksByIds(ids), (b) => b.id)),
    booksByAuthor: new DataLoader<number, db.Book[]>(async (ids) => groupByKey(ids, await db.getBooksByAuthorIds(ids), (b) => b.authorId)),
    // What a viewer may see depends on who they are: `viewer` is fixed for this loader's life.
    reviewsByBook: new DataLoader<number, db.Review[]>(async (ids) => groupByKey(ids, await db.getReviewsByBookIds(ids, viewer), (r) => r.bookId)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

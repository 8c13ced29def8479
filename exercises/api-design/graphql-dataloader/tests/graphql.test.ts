// Hidden tests for "GraphQL without N+1". The service runs at SERVICE_URL with NODE_ENV=production
// and the seeded catalogue. The tests run one at a time, in order, and count data-layer round
// trips with GET /__stats before and after; the ones that write use books and names of their own.
import { describe, expect, it } from "vitest";
import { AUTHOR_NAMES, BOOK_AUTHOR, callsDuring, expectNoInternals, expectRefused, gql, ok, post, seededReviews, seen, unique } from "./support.ts";

/** Depth 7, cost 6: only the depth limit (6) refuses it. */
const DEEP = `{ book(id: "1") { author { books(first: 1) { author { books(first: 1) { author { name } } } } } } }`;

describe("results", () => {
  it("a nested authors → books → reviews query answers the seeded catalogue, each child under its parent", async () => {
    const data = await ok(`{ authors(first: 12) { id name books(first: 5) { id title author { id } reviews(first: 5) { id rating book { id } } } } }`);
    expect(data.authors.map((a: any) => a.name), "authors(first: 12): the 12 seeded authors in id order").toEqual(AUTHOR_NAMES);
    // Each book on its own, as book(id) (a batch of one key cannot be mixed up), to compare.
    const single = await ok(`{ ${Array.from({ length: 40 }, (_, i) => `b${i + 1}: book(id: "${i + 1}") { reviews(first: 5) { id } }`).join(" ")} }`);
    const nested = new Map<number, number>();
    for (const author of data.authors) {
      for (const book of author.books) {
        expect(book.author.id, `book ${book.id} ("${book.title}") is listed under author ${author.id}, so its author is ${author.id}`).toBe(author.id);
        nested.set(Number(book.id), Number(author.id));
        for (const review of book.reviews) expect(review.book.id, `review ${review.id} is listed under book ${book.id}`).toBe(book.id);
        expect(book.reviews.map((r: any) => r.id), `book ${book.id}'s reviews in the nested query and in book(id: ${book.id})`).toEqual(single[`b${book.id}`]?.reviews.map((r: any) => r.id));
        expect(book.reviews.length, `book ${book.id} has ${seededReviews(Number(book.id))} seeded reviews`).toBeGreaterThanOrEqual(Math.min(5, seededReviews(Number(book.id))));
      }
    }
    expect(nested.size, "every one of the 40 books appears under its author").toBe(40);
    for (const [bookId, authorId] of nested) expect(authorId, `book ${bookId} belongs to author ${BOOK_AUTHOR[bookId - 1]}`).toBe(BOOK_AUTHOR[bookId - 1]);
    expect(data.authors[0].books.map((b: any) => b.title), "Ursula K. Le Guin's books, in id order").toEqual(["The Left Hand of Darkness", "The Dispossessed", "A Wizard of Earthsea", "The Lathe of Heaven", "The Word for World Is Forest"]);
  });

  it("each book's author and each review's book is the right object (batched rows are mapped back to their keys)", async () => {
    const data = await ok(`{ books(first: 40) { id author { id name } reviews(first: 5) { id book { id } } } }`);
    expect(data.books.length, "books(first: 40)").toBe(40);
    for (const book of data.books) {
      const authorId = BOOK_AUTHOR[Number(book.id) - 1]!;
      expect(book.author, `book ${book.id}'s author`).toEqual({ id: String(authorId), name: AUTHOR_NAMES[authorId - 1] });
      for (const review of book.reviews) expect(review.book.id, `review ${review.id} of book ${book.id}`).toBe(book.id);
    }
    // Keys in an order the data layer does not answer in, and one that does not exist.
    const mixed = await ok(`{ a: book(id: "12") { title author { name } } b: book(id: "3") { title author { name } } c: book(id: "25") { title author { name } } d: book(id: "999") { title } }`);
    expect(mixed, "books 12, 3, 25 and 999 (none) in one request").toEqual({
      a: { title: "All Systems Red", author: { name: "Martha Wells" } },
      b: { title: "Foundation", author: { name: "Isaac Asimov" } },
      c: { title: "A Wizard of Earthsea", author: { name: "Ursula K. Le Guin" } },
      d: null,
    });
  });
});

describe("batching", () => {
  it("authors → books → reviews costs at most 3 data-layer round trips", async () => {
    const { calls } = await callsDuring(() => ok(`{ authors(first: 12) { name books(first: 10) { title reviews(first: 10) { rating } } } }`));
    expect(calls, "one round trip per level: the authors, all their books at once, all those books' reviews at once (it was 1 + 12 + 40 with one query per parent)").toBeLessThanOrEqual(3);
  });

  it("books → author costs at most 2 round trips, and the same book asked for twice in a request is loaded once", async () => {
    const books = await callsDuring(() => ok(`{ books(first: 40) { title author { name } } }`));
    expect(books.calls, "the books, then every distinct author in ONE round trip").toBeLessThanOrEqual(2);
    const aliases = await callsDuring(() => ok(`{ a: book(id: "1") { title } b: book(id: "2") { title } c: book(id: "1") { year } }`));
    expect(aliases.calls, "book(id) three times (ids 1, 2, 1) in one request: one batched, deduplicated round trip").toBeLessThanOrEqual(1);
  });
});

describe("caching stays within a request", () => {
  it("a write is seen by the next request: a new review, a renamed author", async () => {
    const query = `{ book(id: "7") { reviews(first: 50) { body } author { id name } } }`;
    const before = await ok(query);
    // Written by another user (as another replica of the service could): nothing in the
    // reader's process hears about it, so only data loaded fresh per request can be right.
    const body = unique("Fresh review");
    await ok(`mutation ($body: String!) { addReview(bookId: "7", rating: 4, body: $body) { id } }`, { body }, "carol");
    const name = unique("Iain Banks");
    await ok(`mutation ($name: String!) { renameAuthor(id: "7", name: $name) { id } }`, { name }, "carol");
    const after = await ok(query);
    await ok(`mutation { renameAuthor(id: "7", name: "Iain M. Banks") { id } }`, undefined, "carol");
    expect(after.book.reviews.map((r: any) => r.body), "the review added by the previous request (stale if loaders or their caches outlive a request)").toContain(body);
    expect(after.book.reviews.length).toBe(before.book.reviews.length + 1);
    expect(after.book.author.name, "the author's new name, written by the previous request").toBe(name);
  });

  it("a viewer's draft review is visible to them and to nobody else", async () => {
    const body = unique("Alice's draft");
    const query = `{ book(id: "9") { reviews(first: 50) { body reviewer draft } } }`;
    await ok(query, undefined, "bob"); // whatever a shared cache would keep, bob asked first
    await ok(`mutation ($body: String!) { addReview(bookId: "9", rating: 2, body: $body, draft: true) { id } }`, { body }, "alice");
    const alice = await ok(query, undefined, "alice");
    expect(alice.book.reviews.map((r: any) => r.body), "alice sees her own draft").toContain(body);
    for (const viewer of ["bob", undefined]) {
      const other = await ok(query, undefined, viewer);
      expect(other.book.reviews.map((r: any) => r.body), `${viewer ?? "an anonymous caller"} must not see alice's draft (rows loaded for one viewer served to another?)`).not.toContain(body);
    }
    const all = await ok(`{ books(first: 40) { reviews(first: 45) { body } } }`, undefined, "bob");
    expect(all.books.flatMap((b: any) => b.reviews.map((r: any) => r.body)), "nor anywhere in bob's view of the catalogue").not.toContain(body);
  });
});

describe("query limits", () => {
  it("an over-deep query is refused before it runs, with an error naming the depth limit", async () => {
    const { calls, value } = await callsDuring(() => gql(DEEP));
    const errors = expectRefused(value, `depth 7: ${DEEP}`);
    expect(errors[0].message, "the message must say it is about depth, and the limit (6)").toMatch(/depth/i);
    expect(errors[0].message).toMatch(/\b6\b/);
    expect(calls, "a refused query must not touch the data layer: check the limits during validation, before executing").toBe(0);
  });

  it("fields inside fragments count towards the depth", async () => {
    const query = `query { book(id: "1") { ...A } }
      fragment A on Book { author { books(first: 1) { ...B } } }
      fragment B on Book { author { books(first: 1) { author { name } } } }`;
    const { calls, value } = await callsDuring(() => gql(query));
    expect(expectRefused(value, "depth 7 through two fragments")[0].message).toMatch(/depth/i);
    expect(calls, "refused before it runs").toBe(0);
  });

  it("an over-costly query is refused before it runs, with an error naming the cost limit", async () => {
    const query = `{ authors(first: 50) { name books(first: 50) { title } } }`;
    const { calls, value } = await callsDuring(() => gql(query));
    const errors = expectRefused(value, `cost 50 + 50 × 50 = 2550: ${query}`);
    expect(errors[0].message, "the message must say it is about cost, and the limit (2000)").toMatch(/cost/i);
    expect(errors[0].message).toMatch(/2000/);
    expect(calls, "a refused query must not touch the data layer").toBe(0);
  });

  it("the cost counts `first` passed as a variable", async () => {
    const query = `query ($n: Int!) { authors(first: $n) { books(first: $n) { reviews(first: $n) { rating } } } }`;
    const big = await callsDuring(() => gql(query, { n: 13 }));
    expect(expectRefused(big.value, "n = 13: cost 13 + 169 + 2197 = 2379 (it is 1110 if the variables are ignored)")[0].message).toMatch(/cost/i);
    expect(big.calls, "refused before it runs").toBe(0);
    const small = await ok(query, { n: 5 });
    expect(small.authors.length, "n = 5 (cost 155) runs").toBe(5);
  });

  it("queries within the limits run: depth 6, and a cost of 1332", async () => {
    const deep = await ok(`{ authors(first: 2) { books(first: 2) { reviews(first: 2) { book { author { name } } } } } }`);
    expect(deep.authors.length, "depth 6 is allowed").toBe(2);
    const costly = await ok(`{ authors(first: 12) { name books(first: 10) { title reviews(first: 10) { rating } } } }`);
    expect(costly.authors.length, "cost 12 + 120 + 1200 = 1332 is allowed").toBe(12);
    const typename = await ok(`{ __typename book(id: "3") { __typename title } }`);
    expect(typename.book.title).toBe("Foundation");
  });

  it("a fragment that spreads itself is refused with a GraphQL error, and the service carries on", async () => {
    const started = Date.now();
    const a = await gql(`query { book(id: "1") { ...Loop } } fragment Loop on Book { author { books { ...Loop } } }`);
    const errors = expectRefused(a, "a fragment cycle");
    expect(errors.map((e: any) => e.message).join(" | "), "graphql's own rule explains it: Cannot spread fragment \"Loop\" within itself").toMatch(/within itself|cycle/i);
    expect(Date.now() - started, "answered at once").toBeLessThan(3000);
    await ok(`{ book(id: "1") { title } }`);
  });
});

describe("errors", () => {
  it("a bad argument is a BAD_USER_INPUT error whose message names it, with no internals", async () => {
    const rating = await gql(`mutation { addReview(bookId: "2", rating: 9, body: "Ten out of five") { id } }`);
    expect(rating.body?.errors?.[0]?.extensions?.code, `rating 9 -> ${seen(rating)}`).toBe("BAD_USER_INPUT");
    expect(rating.body.errors[0].message, "the message says what is wrong with which argument").toMatch(/rating/i);
    expectNoInternals(rating, "rating 9");
    const id = await gql(`{ book(id: "abc") { title } }`);
    expect(id.body?.errors?.[0]?.extensions?.code, `book(id: "abc") -> ${seen(id)}`).toBe("BAD_USER_INPUT");
    expect(id.body.errors[0].message).toMatch(/\bid\b/i);
    expectNoInternals(id, 'book(id: "abc")');
  });

  it("an internal failure is masked: 'Internal server error', code INTERNAL_SERVER_ERROR, no stack trace", async () => {
    const a = await gql(`{ author(id: "13") { name } }`);
    expect(a.status, seen(a)).toBe(200);
    expect(a.body?.data, `the data layer fails on author 13; the field is null, the request still answers -> ${seen(a)}`).toEqual({ author: null });
    expect(a.body?.errors?.[0]?.message, "the client learns nothing of our internals").toBe("Internal server error");
    expect(a.body.errors[0].extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(a.body.errors[0].path, "the error still says which field failed").toEqual(["author"]);
    expectNoInternals(a, "author 13");
  });

  it("a request without a query is a 400, bad JSON is a 400, a syntax error is a GraphQL error with its location", async () => {
    const missing = await post(JSON.stringify({ variables: {} }));
    expect(missing.status, `POST /graphql {"variables": {}} -> ${seen(missing)}`).toBe(400);
    expect(Array.isArray(missing.body?.errors), "a JSON body with an errors array").toBe(true);
    const badJson = await post(`{"query": "{ book(id: 1) { title } }"`);
    expect(badJson.status, `POST /graphql with truncated JSON -> ${seen(badJson)}`).toBe(400);
    expect(Array.isArray(badJson.body?.errors), `a JSON body with an errors array -> ${seen(badJson)}`).toBe(true);
    expectNoInternals(badJson, "truncated JSON");
    const syntax = await gql(`{ book(id: "1") { title }`);
    const errors = expectRefused(syntax, "a syntax error");
    expect(errors[0].message).toMatch(/syntax error/i);
    expect(errors[0].locations?.[0]?.line, "the error points at the line and column").toBe(1);
  });

  it("introspection is off in production, __typename still works", async () => {
    const a = await gql(`{ __schema { types { name } } }`);
    expect(expectRefused(a, "__schema with NODE_ENV=production").map((e: any) => e.message).join(" | "), "the error says introspection is not allowed").toMatch(/introspection/i);
    const t = await ok(`{ __typename }`);
    expect(t.__typename).toBe("Query");
  });
});

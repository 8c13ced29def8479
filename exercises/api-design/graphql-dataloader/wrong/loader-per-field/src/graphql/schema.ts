// The GraphQL schema, code-first: each type lists its fields and how to resolve them.
// Print the SDL with `npx tsx dev/sdl.ts`.
import { GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLOutputType } from "graphql";
import * as db from "../data/db.ts";
import { badInput } from "./errors.ts";
import { createLoaders, type Loaders } from "./loaders.ts";

/** What every resolver gets as its third argument; built once per HTTP request. */
export type Context = {
  /** The caller's name from the X-User header, or null for an anonymous caller. */
  viewer: string | null;
  /** This request's loaders: they batch, and they cache only for this request. */
  loaders: Loaders;
};

export function createContext(viewer: string | null): Context {
  return { viewer, loaders: createLoaders(viewer) };
}

const nonNull = <T extends GraphQLOutputType>(t: T) => new GraphQLNonNull(t);
const listOf = <T extends GraphQLOutputType>(t: T) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t)));

/** Every list field takes `first`: how many items to return, 1 to 50, 10 when left out. */
export const DEFAULT_FIRST = 10;
export const MAX_FIRST = 50;
const first = { type: GraphQLInt, defaultValue: DEFAULT_FIRST, description: `How many items to return (1 to ${MAX_FIRST}).` };

/** `first`, checked: the client learns what is allowed instead of getting an empty list. */
function firstOf(args: { first: number | null }): number {
  const n = args.first ?? DEFAULT_FIRST;
  if (n < 1 || n > MAX_FIRST) throw badInput(`first must be from 1 to ${MAX_FIRST} (got ${n})`);
  return n;
}

/** An ID argument: our ids are positive integers, anything else is the client's mistake. */
function idOf(value: string, name = "id"): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw badInput(`${name} must be a positive integer id (got "${value.slice(0, 40)}")`);
  return Number(value);
}

type FirstArgs = { first: number | null };
type IdArgs = { id: string };

const AuthorType: GraphQLObjectType<db.Author, Context> = new GraphQLObjectType<db.Author, Context>({
  name: "Author",
  fields: () => ({
    id: { type: nonNull(GraphQLID) },
    name: { type: nonNull(GraphQLString) },
    born: { type: nonNull(GraphQLInt) },
    books: {
      type: listOf(BookType),
      args: { first },
      resolve: async (author, args: FirstArgs, ctx) => (await createLoaders(ctx.viewer).booksByAuthor.load(author.id)).slice(0, firstOf(args)),
    },
  }),
});

const BookType: GraphQLObjectType<db.Book, Context> = new GraphQLObjectType<db.Book, Context>({
  name: "Book",
  fields: () => ({
    id: { type: nonNull(GraphQLID) },
    title: { type: nonNull(GraphQLString) },
    year: { type: nonNull(GraphQLInt) },
    author: {
      type: nonNull(AuthorType),
      resolve: (book, _args, ctx) => createLoaders(ctx.viewer).author.load(book.authorId),
    },
    reviews: {
      type: listOf(ReviewType),
      args: { first },
      resolve: async (book, args: FirstArgs, ctx) => (await createLoaders(ctx.viewer).reviewsByBook.load(book.id)).slice(0, firstOf(args)),
    },
  }),
});

const ReviewType: GraphQLObjectType<db.Review, Context> = new GraphQLObjectType<db.Review, Context>({
  name: "Review",
  fields: () => ({
    id: { type: nonNull(GraphQLID) },
    rating: { type: nonNull(GraphQLInt) },
    body: { type: nonNull(GraphQLString) },
    reviewer: { type: nonNull(GraphQLString) },
    draft: { type: nonNull(GraphQLBoolean), description: "Drafts are visible only to their reviewer." },
    book: {
      type: nonNull(BookType),
      resolve: (review, _args, ctx) => createLoaders(ctx.viewer).book.load(review.bookId),
    },
  }),
});

const QueryType = new GraphQLObjectType<unknown, Context>({
  name: "Query",
  fields: () => ({
    authors: { type: listOf(AuthorType), args: { first }, resolve: (_root, args: FirstArgs) => db.listAuthors(firstOf(args)) },
    author: {
      type: AuthorType,
      args: { id: { type: nonNull(GraphQLID) } },
      resolve: (_root, args: IdArgs, ctx) => createLoaders(ctx.viewer).author.load(idOf(args.id)),
    },
    books: { type: listOf(BookType), args: { first }, resolve: (_root, args: FirstArgs) => db.listBooks(firstOf(args)) },
    book: {
      type: BookType,
      args: { id: { type: nonNull(GraphQLID) } },
      resolve: (_root, args: IdArgs, ctx) => createLoaders(ctx.viewer).book.load(idOf(args.id)),
    },
  }),
});

type AddReviewArgs = { bookId: string; rating: number; body: string; draft: boolean | null };

const MutationType = new GraphQLObjectType<unknown, Context>({
  name: "Mutation",
  fields: () => ({
    addReview: {
      type: nonNull(ReviewType),
      args: {
        bookId: { type: nonNull(GraphQLID) },
        rating: { type: nonNull(GraphQLInt), description: "1 to 5." },
        body: { type: nonNull(GraphQLString) },
        draft: { type: GraphQLBoolean, defaultValue: false },
      },
      resolve: async (_root, args: AddReviewArgs, ctx) => {
        // Checked here, so the client gets a clear message instead of the data layer's raw
        // constraint error (which would be masked as an internal error).
        const bookId = idOf(args.bookId, "bookId");
        if (args.rating < 1 || args.rating > 5) throw badInput(`rating must be from 1 to 5 (got ${args.rating})`);
        if (args.body.trim() === "" || args.body.length > 2000) throw badInput("body must be 1 to 2000 characters");
        if (args.draft && !ctx.viewer) throw badInput("send X-User to save a draft: a draft is visible only to its reviewer");
        if (!(await createLoaders(ctx.viewer).book.load(bookId))) throw badInput(`there is no book ${bookId}`);
        const review = await db.addReview({ bookId, rating: args.rating, body: args.body, reviewer: ctx.viewer ?? "anonymous", draft: args.draft ?? false });
        createLoaders(ctx.viewer).reviewsByBook.clear(bookId); // later fields of this request see the new review
        return review;
      },
    },
    renameAuthor: {
      type: AuthorType,
      args: { id: { type: nonNull(GraphQLID) }, name: { type: nonNull(GraphQLString) } },
      resolve: async (_root, args: IdArgs & { name: string }, ctx) => {
        const id = idOf(args.id);
        if (args.name.trim() === "" || args.name.length > 200) throw badInput("name must be 1 to 200 characters");
        const author = await db.renameAuthor(id, args.name);
        createLoaders(ctx.viewer).author.clear(id);
        if (author) createLoaders(ctx.viewer).author.prime(id, author);
        return author;
      },
    },
  }),
});

export const schema = new GraphQLSchema({ query: QueryType, mutation: MutationType });

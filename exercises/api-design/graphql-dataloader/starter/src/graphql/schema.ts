// The GraphQL schema, code-first: each type lists its fields and how to resolve them.
// Print the SDL with `npx tsx dev/sdl.ts`.
import { GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLOutputType } from "graphql";
import * as db from "../data/db.ts";

/** What every resolver gets as its third argument; built once per HTTP request. */
export type Context = {
  /** The caller's name from the X-User header, or null for an anonymous caller. */
  viewer: string | null;
};

const nonNull = <T extends GraphQLOutputType>(t: T) => new GraphQLNonNull(t);
const listOf = <T extends GraphQLOutputType>(t: T) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(t)));

/** Every list field takes `first`: how many items to return, 1 to 50, 10 when left out. */
const first = { type: GraphQLInt, defaultValue: 10, description: "How many items to return (1 to 50)." };

type FirstArgs = { first: number };
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
      resolve: async (author, args: FirstArgs) => (await db.getBooksByAuthorIds([author.id])).slice(0, args.first),
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
      resolve: async (book) => (await db.getAuthorsByIds([book.authorId]))[0],
    },
    reviews: {
      type: listOf(ReviewType),
      args: { first },
      resolve: async (book, args: FirstArgs, ctx) => (await db.getReviewsByBookIds([book.id], ctx.viewer)).slice(0, args.first),
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
      resolve: async (review) => (await db.getBooksByIds([review.bookId]))[0],
    },
  }),
});

const QueryType = new GraphQLObjectType<unknown, Context>({
  name: "Query",
  fields: () => ({
    authors: { type: listOf(AuthorType), args: { first }, resolve: (_root, args: FirstArgs) => db.listAuthors(args.first) },
    author: {
      type: AuthorType,
      args: { id: { type: nonNull(GraphQLID) } },
      resolve: async (_root, args: IdArgs) => (await db.getAuthorsByIds([Number(args.id)]))[0] ?? null,
    },
    books: { type: listOf(BookType), args: { first }, resolve: (_root, args: FirstArgs) => db.listBooks(args.first) },
    book: {
      type: BookType,
      args: { id: { type: nonNull(GraphQLID) } },
      resolve: async (_root, args: IdArgs) => (await db.getBooksByIds([Number(args.id)]))[0] ?? null,
    },
  }),
});

type AddReviewArgs = { bookId: string; rating: number; body: string; draft: boolean };

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
      resolve: (_root, args: AddReviewArgs, ctx) =>
        db.addReview({ bookId: Number(args.bookId), rating: args.rating, body: args.body, reviewer: ctx.viewer ?? "anonymous", draft: args.draft }),
    },
    renameAuthor: {
      type: AuthorType,
      args: { id: { type: nonNull(GraphQLID) }, name: { type: nonNull(GraphQLString) } },
      resolve: (_root, args: IdArgs & { name: string }) => db.renameAuthor(Number(args.id), args.name),
    },
  }),
});

export const schema = new GraphQLSchema({ query: QueryType, mutation: MutationType });

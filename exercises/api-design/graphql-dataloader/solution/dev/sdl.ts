// Prints the schema in GraphQL's SDL: npx tsx dev/sdl.ts
import { printSchema } from "graphql";
import { schema } from "../src/graphql/schema.ts";

console.log(printSchema(schema));

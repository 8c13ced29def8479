// The contract. Keep it in step with app.ts: every path, method and status code it can send.
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } });
const book = (description: string, headers: Record<string, unknown> = { ETag: { $ref: "#/components/headers/ETag" } }) => ({
  description,
  headers,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Book" } } },
});
const idParam = { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } };
const ifMatch = { name: "If-Match", in: "header", required: true, description: "The ETag of the book as you last read it.", schema: { type: "string" } };
const bookBody = (schema: string, types: string[]) => ({
  required: true,
  content: Object.fromEntries(types.map((t) => [t, { schema: { $ref: `#/components/schemas/${schema}` } }])),
});

export const openapi = {
  openapi: "3.1.0",
  info: { title: "Books API", version: "1.0.0" },
  paths: {
    "/books": {
      get: {
        summary: "List books in id order, one page at a time",
        parameters: [
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
          { name: "cursor", in: "query", description: "Opaque: copy it from `next`.", schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: "A page of books",
            headers: { Link: { description: '`<next>; rel="next"` when there is a next page', schema: { type: "string" } } },
            content: { "application/json": { schema: { $ref: "#/components/schemas/BookPage" } } },
          },
          "400": problem("limit or cursor is not valid"),
        },
      },
      post: {
        summary: "Create a book",
        parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string", minLength: 1, maxLength: 255 } }],
        requestBody: bookBody("BookInput", ["application/json"]),
        responses: {
          "201": book("Created (or the replay of the response first sent for this Idempotency-Key)", {
            Location: { schema: { type: "string" } },
            ETag: { $ref: "#/components/headers/ETag" },
          }),
          "400": problem("Malformed JSON or invalid fields"),
          "415": problem("The body is not JSON"),
          "422": problem("The Idempotency-Key was used with a different body"),
        },
      },
    },
    "/books/{id}": {
      parameters: [idParam],
      get: {
        summary: "Read a book",
        parameters: [{ name: "If-None-Match", in: "header", required: false, schema: { type: "string" } }],
        responses: { "200": book("The book"), "404": problem("No such book") },
      },
      put: {
        summary: "Replace a book",
        parameters: [ifMatch],
        requestBody: bookBody("BookInput", ["application/json"]),
        responses: {
          "200": book("The replaced book"),
          "400": problem("Malformed JSON or invalid fields"),
          "404": problem("No such book"),
          "412": problem("If-Match does not match the current ETag"),
          "415": problem("The body is not JSON"),
          "428": problem("If-Match is missing"),
        },
      },
      patch: {
        summary: "Change some fields of a book",
        parameters: [ifMatch],
        requestBody: bookBody("BookPatch", ["application/merge-patch+json", "application/json"]),
        responses: {
          "200": book("The updated book"),
          "400": problem("Malformed JSON or invalid fields"),
          "404": problem("No such book"),
          "412": problem("If-Match does not match the current ETag"),
          "415": problem("The body is not JSON"),
          "428": problem("If-Match is missing"),
        },
      },
      delete: {
        summary: "Delete a book",
        responses: { "204": { description: "Deleted" }, "404": problem("No such book") },
      },
    },
  },
  components: {
    headers: { ETag: { description: "Strong entity tag of the book", schema: { type: "string" } } },
    schemas: {
      Book: {
        type: "object",
        required: ["id", "title", "author", "year"],
        properties: { id: { type: "integer" }, title: { type: "string" }, author: { type: "string" }, year: { type: ["integer", "null"] } },
      },
      BookInput: {
        type: "object",
        required: ["title", "author"],
        additionalProperties: false,
        properties: { title: { type: "string", minLength: 1, maxLength: 200 }, author: { type: "string", minLength: 1, maxLength: 200 }, year: { type: ["integer", "null"], minimum: 0, maximum: 2100 } },
      },
      BookPatch: {
        type: "object",
        additionalProperties: false,
        properties: { title: { type: "string", minLength: 1, maxLength: 200 }, author: { type: "string", minLength: 1, maxLength: 200 }, year: { type: ["integer", "null"], minimum: 0, maximum: 2100 } },
      },
      BookPage: {
        type: "object",
        required: ["data", "next"],
        properties: { data: { type: "array", items: { $ref: "#/components/schemas/Book" } }, next: { type: ["string", "null"] } },
      },
      Problem: {
        type: "object",
        required: ["type", "title", "status", "detail"],
        properties: {
          type: { type: "string", format: "uri" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
          errors: { type: "array", items: { type: "object", required: ["field", "message"], properties: { field: { type: "string" }, message: { type: "string" } } } },
        },
      },
    },
  },
};

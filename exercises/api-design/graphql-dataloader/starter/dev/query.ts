// Sends one GraphQL query to the running service and prints the answer, then how many round
// trips to the data layer it cost (from GET /__stats).
//   npx tsx dev/query.ts '{ authors { name books { title } } }'
//   npx tsx dev/query.ts 'query ($id: ID!) { book(id: $id) { title } }' '{"id": "3"}'
//   X_USER=ada npx tsx dev/query.ts 'mutation { addReview(bookId: 1, rating: 5, body: "Yes", draft: true) { id } }'
const [query, variables] = process.argv.slice(2);
if (!query) {
  console.error("usage: npx tsx dev/query.ts '<query>' ['<variables as JSON>']");
  process.exit(2);
}
const base = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const calls = async () => ((await (await fetch(`${base}/__stats`)).json()) as { dataLayerCalls: number }).dataLayerCalls;
const before = await calls();
const headers: Record<string, string> = { "content-type": "application/json" };
if (process.env.X_USER) headers["x-user"] = process.env.X_USER;
const res = await fetch(`${base}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables: variables ? JSON.parse(variables) : undefined }) });
console.log(`HTTP ${res.status} ${res.headers.get("content-type")}`);
const text = await res.text();
try {
  console.log(JSON.stringify(JSON.parse(text), null, 2));
} catch {
  console.log(text);
}
console.log(`\n${(await calls()) - before} data-layer round trip(s)`);

// Users (by API key) and documents, in memory.

export type User = { id: string; name: string };
export type Doc = { id: string; title: string; body: string };

/** API keys are secrets: never log them. */
const users = new Map<string, User>([
  ["ak_ada_5c1f0e9a7b3d", { id: "u_ada", name: "Ada" }],
  ["ak_bob_8e2d4a6c0f1b", { id: "u_bob", name: "Bob" }],
]);

export function userByApiKey(key: string): User | undefined {
  return users.get(key);
}

export const docs = new Map<string, Doc>(
  Array.from({ length: 20 }, (_, i) => {
    const id = `doc-${i + 1}`;
    return [id, { id, title: `Quarterly report ${i + 1}`, body: `Figures for report ${i + 1}.` }];
  }),
);

export const announcements = [{ id: 1, text: "The office is closed on Friday." }];

import path from "node:path";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/**
 * One direction between the parts: web → server (contract types only) → graders → packages;
 * exercises import nothing of the lab. An import's specifier is resolved from the importing
 * file, so the rule sees where it lands whatever the depth of `../`, and `export … from` and
 * `import()` count as imports. Options:
 * - `deny`: folders (from the repository root) an import may not land in, except `allow`;
 * - `typeOnly`: folders that may only be reached by `import type` / `export type` (an inline
 *   `import { type X }` still loads the module under verbatimModuleSyntax);
 * - `packages`: package names that may not be imported at all;
 * - `confineTo`: the number of leading folders (from the root) an import must stay within,
 *   e.g. 3 keeps `exercises/<area>/<slug>/…` inside its own exercise.
 */
const layers = {
  meta: {
    type: "problem",
    docs: { description: "keeps the parts of the lab depending one way" },
    schema: [
      {
        type: "object",
        properties: {
          deny: { type: "array", items: { type: "string" } },
          allow: { type: "array", items: { type: "string" } },
          typeOnly: { type: "array", items: { type: "string" } },
          packages: { type: "array", items: { type: "string" } },
          confineTo: { type: "integer", minimum: 1 },
          why: { type: "string" },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      denied: "{{from}} may not import {{to}}: {{why}}",
      typeOnly: "{{to}} is types only for {{from}}: use `import type` / `export type` so nothing of it is bundled",
      outside: "{{from}} may not import {{to}}, outside its own folder: {{why}}",
    },
  },
  create(context) {
    const { deny = [], allow = [], typeOnly = [], packages = [], confineTo, why = "" } = context.options[0] ?? {};
    const file = path.relative(ROOT, context.filename).split(path.sep).join("/");
    const under = (p, dir) => p === dir.replace(/\/$/, "") || p.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
    const check = (sourceNode, isType) => {
      const spec = sourceNode?.type === "Literal" && typeof sourceNode.value === "string" ? sourceNode.value : null;
      if (spec === null) return;
      if (!spec.startsWith(".")) {
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (packages.includes(pkg))
          context.report({ node: sourceNode, messageId: "denied", data: { from: file, to: pkg, why } });
        return;
      }
      const to = path
        .relative(ROOT, path.resolve(path.dirname(context.filename), spec))
        .split(path.sep)
        .join("/");
      if (confineTo) {
        const home = file.split("/").slice(0, confineTo).join("/");
        if (!under(to, home)) context.report({ node: sourceNode, messageId: "outside", data: { from: file, to, why } });
        return;
      }
      if (deny.some((d) => under(to, d)) && !allow.some((a) => under(to, a))) {
        context.report({ node: sourceNode, messageId: "denied", data: { from: file, to, why } });
        return;
      }
      if (!isType && typeOnly.some((t) => under(to, t)))
        context.report({ node: sourceNode, messageId: "typeOnly", data: { from: file, to } });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.importKind === "type"),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.exportKind === "type"),
      ExportAllDeclaration: (node) => check(node.source, node.exportKind === "type"),
      ImportExpression: (node) => check(node.source, false),
    };
  },
};

export default tseslint.config(
  {
    ignores: [
      "node_modules",
      "web/dist",
      "data",
      ".cache",
      "test-results",
      "docker/runtime/node/node_modules",
      "exercises/**/node_modules",
      "graders/attacks/unit/**",
      "graders/attacks/mutation/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    // Exercise code is written for learners: hidden tests and dev scripts read arbitrary JSON.
    files: ["exercises/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["web/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
  // The direction between the parts (DESIGN.md, Layout); server/layers.test.ts proves each rule fires.
  { plugins: { backlab: { rules: { layers } } } },
  {
    files: ["web/src/**/*.{ts,tsx,js,jsx,mjs}"],
    rules: {
      "backlab/layers": [
        "error",
        {
          deny: ["server", "graders", "exercises", "docker"],
          allow: ["server/contract"],
          typeOnly: ["server/contract"],
          packages: ["zod"],
          why: "the web app takes only types from the server's contract (server/contract/), with `import type`",
        },
      ],
    },
  },
  {
    files: ["graders/**/*.{ts,js,mjs,cjs}"],
    rules: {
      "backlab/layers": [
        "error",
        {
          deny: ["server", "web"],
          why: "the grading engine drives sandboxes through its own port and knows nothing of the lab",
        },
      ],
    },
  },
  {
    files: ["exercises/**/*.{ts,tsx,js,mjs,cjs}"],
    rules: {
      "backlab/layers": [
        "error",
        { confineTo: 3, packages: ["backlab"], why: "an exercise imports nothing of the lab (nor another exercise)" },
      ],
    },
  },
);

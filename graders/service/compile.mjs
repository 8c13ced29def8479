// Runs INSIDE the service sandbox, before the learner's service starts (graders/service/
// compile.ts): compiles the workspace's TypeScript next to itself (x.ts → x.js) with esbuild,
// so the service starts with plain node instead of tsx (tsx's CLI, its relay process and its
// cold transform cache cost about a second a boot). Nothing is bundled: every module keeps its
// own file, folder and import.meta, as under tsx; relative imports of `.ts` files are
// rewritten to the `.js` next to them. Exit 0: compiled; exit 3: this workspace needs tsx
// (the caller then starts the command as written); anything else: a broken build, for which
// the caller also falls back to tsx, so the learner sees tsx's own error.
import fs from "node:fs";
import path from "node:path";

const MAX_FILES = 2000;
const root = process.cwd();
const needsTsx = (why) => {
  process.stdout.write(`needs tsx: ${why}\n`);
  process.exit(3);
};

const files = [];
(function walk(dir, depth) {
  if (depth > 20) needsTsx("folders nested too deep");
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (d.name === "node_modules" || d.name.startsWith(".")) continue;
    const p = path.join(dir, d.name);
    if (d.isSymbolicLink()) continue;
    if (d.isDirectory()) walk(p, depth + 1);
    else if (d.isFile()) {
      if (/\.(mts|cts|tsx)$/.test(d.name)) needsTsx(`${p} is .mts, .cts or .tsx`);
      if (d.name.endsWith(".ts") && !d.name.endsWith(".d.ts")) files.push(p);
      if (d.name === "tsconfig.json" && /"(paths|baseUrl)"\s*:/.test(fs.readFileSync(p, "utf8")))
        needsTsx(`${p} maps import paths`);
      if (d.name === "package.json" && JSON.parse(fs.readFileSync(p, "utf8")).type !== "module")
        needsTsx(`${p} is not "type": "module"`);
    }
    if (files.length > MAX_FILES) needsTsx("too many files");
  }
})(root, 0);
if (!fs.existsSync(path.join(root, "package.json"))) needsTsx("no package.json");
for (const f of files) if (fs.existsSync(f.slice(0, -3) + ".js")) needsTsx(`${f.slice(0, -3)}.js exists already`);

const isFile = (p) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** What tsx resolves a relative import to, spelled so that plain node finds the compiled file. */
function rewrite(spec, resolveDir) {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return spec;
  if (/\.ts$/.test(spec) && !spec.endsWith(".d.ts")) return spec.slice(0, -3) + ".js";
  if (path.extname(spec) !== "") return spec;
  const abs = path.resolve(resolveDir, spec);
  if (isFile(abs + ".ts")) return spec + ".js";
  if (isFile(path.join(abs, "index.ts"))) return spec + "/index.js";
  return spec;
}

const esbuild = await import("esbuild");
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: files,
  outdir: root,
  outbase: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: `node${process.versions.node}`,
  keepNames: true,
  sourcemap: "inline",
  logLevel: "silent",
  plugins: [
    {
      name: "one-file-per-module",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) =>
          args.kind === "entry-point" ? undefined : { path: rewrite(args.path, args.resolveDir), external: true },
        );
      },
    },
  ],
});
if (result.errors.length) {
  process.stdout.write(result.errors.map((e) => e.text).join("\n") + "\n");
  process.exit(1);
}

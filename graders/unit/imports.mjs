// Runs INSIDE the test worker: armed by runner.mjs at its first importFile, after vitest and
// the runner loaded and before any setup or test file. The config's resolver plugin never
// sees a built-in: vitest's worker externalizes `node:vm` & co. itself, before asking the
// main process, and hands every transformed module a real `require` (its CJS globals). So
// the refusal of the denied built-ins is made here, on every way to them the worker has:
//
// - an `import` (static, dynamic, vi.importActual) by a transformed module: the module
//   runner's evaluator loads every externalized module through `runExternalModule`;
// - `require` in a transformed module: the evaluator's `createRequire`;
// - CJS loading anywhere (a `.cjs` file loaded natively, a package's `createRequire`, a
//   Module object reached through `require.cache`): `Module._load`, when `cjs` is set;
// - `process.getBuiltinModule` (Node 20.16+) and `Module.register` (loader hooks).
//
// Each lock is non-configurable and non-writable, so it holds for the rest of the run.
// graders/unit/README.md argues it against the attack corpus.
import Module from "node:module";

const { apply } = Reflect;
const { defineProperty } = Object;

const lock = (obj, key, value) =>
  defineProperty(obj, key, { value, writable: false, enumerable: false, configurable: false });

/**
 * @param {object} moduleRunner vitest's module runner (the runner's `this.moduleRunner`)
 * @param {{ builtins: string[], packages?: string, cjs?: boolean }} policy the denied
 *   built-ins (without `node:`), a pattern of externalized files transformed code may not
 *   load (e.g. the harness), and whether CJS loading is guarded for everyone
 */
export function armImportGuard(moduleRunner, policy) {
  const builtins = new Set(policy.builtins);
  const packages = policy.packages ? new RegExp(policy.packages) : null;
  const bare = (id) =>
    String(id)
      .replace(/^node:/, "")
      .replace(/[?#].*$/, "");
  const deniedBuiltin = (id) => builtins.has(bare(id)) || builtins.has(bare(id).split("/")[0]);
  const refuse = (id) => {
    throw new Error(`"${id}" may not be imported while these tests run.`);
  };

  const evaluator = moduleRunner?.evaluator;
  if (!evaluator || typeof evaluator.runExternalModule !== "function")
    throw new Error("the import guard found no module evaluator: refusing to run unguarded");
  const runExternal = evaluator.runExternalModule;
  lock(evaluator, "runExternalModule", function runExternalModule(id) {
    if (deniedBuiltin(id) || (packages && packages.test(String(id)))) refuse(id);
    return apply(runExternal, this, [id]);
  });
  const createRequire = evaluator.createRequire;
  lock(evaluator, "createRequire", function guardedCreateRequire(url) {
    const real = apply(createRequire, this, [url]);
    // A fresh function: the real one's `cache` would hand out Module objects.
    const require = (id) => (deniedBuiltin(id) ? refuse(id) : real(id));
    require.resolve = (id, options) => real.resolve(id, options);
    return require;
  });

  if (policy.cjs) {
    const load = Module._load;
    lock(Module, "_load", function _load(request, parent, isMain) {
      if (deniedBuiltin(request)) refuse(request);
      return apply(load, this, [request, parent, isMain]);
    });
    lock(Module, "register", () => refuse("module.register"));
  }
  if (typeof process.getBuiltinModule === "function") {
    const get = process.getBuiltinModule;
    lock(process, "getBuiltinModule", (id) => (deniedBuiltin(id) ? refuse(id) : get(id)));
  }
}

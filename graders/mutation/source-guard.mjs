// Runs INSIDE the mutation kind's test worker, as the first setup file (before shield.mjs and
// before any of the learner's test files). The learner's tests must see the code under test
// only through what it does: a test that reads a function's text (`String(fn)`,
// `fn.toString()`, `` `${fn}` ``, `Function.prototype.toString.call(fn)`) could tell a mutant
// from the reference (the starter ships the reference's code) without testing anything. So
// every function's text is a native-code stub (`function name() { [native code] }`), except
// to vitest's own files: @vitest/runner reads a test's or hook's parameter list from its text
// to know which `test.extend` fixtures it uses. The original `toString` is taken here and
// kept in this closure; no other realm is reachable (vm, module, inspector, worker threads and
// process.getBuiltinModule are refused: graders/unit/imports.mjs, Node's permission model), so
// there is no second copy to call. graders/unit/README.md argues it.
const LOCKED = Symbol.for("backlab.source-guard.locked");
if (!Object.hasOwn(globalThis, LOCKED)) {
  const { apply } = Reflect;
  const realToString = Function.prototype.toString;
  const captureStackTrace = Error.captureStackTrace;
  const HARNESS = /^file:\/\/\/node_modules\/(vitest|@vitest\/[a-z-]+)\/dist\//;
  const asFrames = (_error, frames) => frames;

  /** True when the caller of `fn` lives in vitest's own (natively loaded) files. */
  const calledByVitest = (fn) => {
    const holder = {};
    // shield.mjs (which runs after this file) makes prepareStackTrace an accessor whose setter
    // records the value its getter answers; before it, a plain property. Either way: ours for
    // the one read below, then back. Nothing else runs in between.
    const before = Error.prepareStackTrace;
    Error.prepareStackTrace = asFrames;
    let frames;
    try {
      captureStackTrace(holder, fn);
      frames = holder.stack;
    } finally {
      Error.prepareStackTrace = before;
    }
    if (!Array.isArray(frames) || frames.length === 0) return false;
    const top = frames[0];
    return !top.isEval() && HARNESS.test(String(top.getFileName() ?? ""));
  };

  const toString = {
    toString() {
      if (typeof this !== "function") return apply(realToString, this, []); // throws the TypeError
      if (calledByVitest(toString)) return apply(realToString, this, []);
      const name = typeof this.name === "string" ? this.name : "";
      return `function ${name}() { [native code] }`;
    },
  }.toString;
  Object.defineProperty(toString, "name", { value: "toString" });
  Object.defineProperty(Function.prototype, "toString", {
    value: toString,
    writable: false,
    enumerable: false,
    configurable: false,
  });
  Object.defineProperty(globalThis, LOCKED, { value: true, writable: false, configurable: false, enumerable: false });
}

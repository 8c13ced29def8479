// Runs INSIDE the test worker as the first setup file, after vitest set itself up and before
// any test file imports the submission. The worker already runs under Node's permission
// model (no file writes, no /proc, no processes, no inspector: vitest.config.mjs); this file
// closes what is left inside the JavaScript realm the submission shares with the hidden
// tests. graders/unit/README.md argues each part against its attack.
//
// 1. The shared intrinsics and the assertion library are frozen, so no code can change what
//    `Object.is`, `Array.prototype.includes` or a chai matcher does for the hidden tests.
// 2. vitest's mutable state (the worker state with the running task and the channel to the
//    main process; the expect state) is handed only to callers in vitest's own files.
// 3. `process.send` and `process.getBuiltinModule` are refused to everyone after this point:
//    vitest keeps the bound `send` it took at start, and the module resolver (vitest.config
//    .mjs) keeps the submission from importing vitest, chai, vite, vm or the grader's files.
import { chai, expect } from "vitest";

const freeze = Object.freeze;
const { defineProperty, getOwnPropertyDescriptor, getOwnPropertyNames, getOwnPropertySymbols, getPrototypeOf } = Object;
const captureStackTrace = Error.captureStackTrace;
const stackError = Error;

// --- 2. vitest's state, for vitest's own code only --------------------------------------
let gateOpen = false;
let userPrepare = Error.prepareStackTrace;
const asFrames = (_error, frames) => frames;
// Who reads the stack decides: the submission must not fake it, so prepareStackTrace stays
// ours while a gate asks, and `Error` itself cannot be swapped for a look-alike.
function lockStack() {
  defineProperty(globalThis, "Error", { value: Error, writable: false, configurable: false, enumerable: false });
  defineProperty(Error, "prepareStackTrace", {
    configurable: false,
    enumerable: false,
    get: () => (gateOpen ? asFrames : userPrepare),
    set: (v) => {
      userPrepare = v;
    },
  });
  defineProperty(Error, "captureStackTrace", { value: captureStackTrace, writable: false, configurable: false });
}

const HARNESS = /^file:\/\/\/node_modules\/(vitest|@vitest\/[a-z-]+)\/dist\//;
/** True when the function that called `fn` lives in vitest's own (natively loaded) files. */
function calledByVitest(fn) {
  const holder = {};
  gateOpen = true;
  let frames;
  try {
    captureStackTrace(holder, fn);
    frames = holder.stack;
  } finally {
    gateOpen = false;
  }
  if (!Array.isArray(frames) || frames.length === 0) return false;
  const top = frames[0];
  return !top.isEval() && HARNESS.test(String(top.getFileName() ?? ""));
}

function gate(key) {
  const desc = getOwnPropertyDescriptor(globalThis, key);
  // Accessors vitest made non-configurable (the expect registries) stay as they are; so do
  // fixed values (`__vitest_index__`: vitest's public API, harmless once the assertion
  // library is frozen and a pass needs the runner's tag).
  if (!desc || !("value" in desc) || !desc.configurable) return;
  let value = desc.value;
  const get = function () {
    return calledByVitest(get) ? value : undefined;
  };
  const set = function (v) {
    if (calledByVitest(set)) value = v;
  };
  defineProperty(globalThis, key, { get, set, enumerable: false, configurable: false });
}

// --- 1. frozen intrinsics and assertion library -----------------------------------------
/**
 * Freezing a prototype breaks code that assigns an inherited name on its own objects
 * (`Foo.prototype.constructor = Foo`, `err.name = "X"`): in strict code that assignment
 * throws once the inherited property is read-only. These names become accessors whose
 * setter defines the property on the object assigned to, as SES's lockdown does.
 */
const OVERRIDABLE = new Set([
  "constructor",
  "name",
  "message",
  "stack",
  "toString",
  "toLocaleString",
  "valueOf",
  "toJSON",
  "then",
  "catch",
  "finally",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "call",
  "apply",
  "bind",
  "push",
  "concat",
  "slice",
  "map",
  "filter",
  "forEach",
  "join",
]);

function enableOverrides(obj) {
  for (const key of [...getOwnPropertyNames(obj), ...getOwnPropertySymbols(obj)]) {
    if (!OVERRIDABLE.has(key)) continue;
    const desc = getOwnPropertyDescriptor(obj, key);
    if (!desc || !("value" in desc) || !desc.configurable || !desc.writable) continue;
    const value = desc.value;
    defineProperty(obj, key, {
      configurable: false,
      enumerable: desc.enumerable,
      get: () => value,
      set(v) {
        if (this === obj)
          throw new TypeError(
            `Cannot assign to read only property '${String(key)}' of the frozen ${obj?.constructor?.name ?? "object"}`,
          );
        defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
      },
    });
  }
}

function harden(obj) {
  if (obj === null || (typeof obj !== "object" && typeof obj !== "function") || Object.isFrozen(obj)) return;
  enableOverrides(obj);
  freeze(obj);
}

/** Makes every own property read-only except `keep` (which tests spy on, e.g. Math.random). */
function pin(obj, keep) {
  for (const key of [...getOwnPropertyNames(obj), ...getOwnPropertySymbols(obj)]) {
    if (keep.includes(key)) continue;
    const desc = getOwnPropertyDescriptor(obj, key);
    if (!desc?.configurable) continue;
    if ("value" in desc)
      defineProperty(obj, key, {
        value: desc.value,
        writable: false,
        enumerable: desc.enumerable,
        configurable: false,
      });
    else defineProperty(obj, key, { get: desc.get, set: desc.set, enumerable: desc.enumerable, configurable: false });
  }
}

const iteratorProtos = [
  getPrototypeOf(getPrototypeOf([][Symbol.iterator]())),
  getPrototypeOf([][Symbol.iterator]()),
  getPrototypeOf(new Map()[Symbol.iterator]()),
  getPrototypeOf(new Set()[Symbol.iterator]()),
  getPrototypeOf(""[Symbol.iterator]()),
  getPrototypeOf(/x/[Symbol.matchAll]("")),
];
const errors = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError];
const prototypes = [
  Object.prototype,
  Function.prototype,
  Array.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  BigInt.prototype,
  RegExp.prototype,
  Date.prototype,
  Map.prototype,
  Set.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  Promise.prototype,
  ArrayBuffer.prototype,
  getPrototypeOf(Uint8Array.prototype),
  ...errors.map((e) => e.prototype),
  ...iteratorProtos,
  getPrototypeOf(async function () {}).constructor.prototype,
  getPrototypeOf(function* () {}),
];
// Constructors and namespaces nobody spies on; Date, Math, console, crypto and process stay
// open for the hidden tests' spies (vi.spyOn(Date, "now"), vi.spyOn(Math, "random"), …).
const statics = [
  Object,
  Array,
  String,
  Number,
  Boolean,
  Symbol,
  BigInt,
  Map,
  Set,
  WeakMap,
  WeakSet,
  Promise,
  Reflect,
  JSON,
  Proxy,
  ArrayBuffer,
];

function lockRealm() {
  for (const p of prototypes) harden(p);
  for (const s of statics) harden(s);
  pin(Math, ["random"]);
  pin(Date, ["now"]);
  for (const e of errors) pin(e, ["stackTraceLimit", "prepareStackTrace"]);
  for (const name of [
    "Object",
    "Array",
    "String",
    "Number",
    "Boolean",
    "Symbol",
    "Map",
    "Set",
    "WeakMap",
    "Promise",
    "Reflect",
    "JSON",
    "Proxy",
    "Math",
    "isNaN",
    "isFinite",
    "parseInt",
    "parseFloat",
    ...errors.map((e) => e.name),
  ]) {
    const desc = getOwnPropertyDescriptor(globalThis, name);
    if (desc?.configurable)
      defineProperty(globalThis, name, {
        value: desc.value,
        writable: false,
        enumerable: desc.enumerable,
        configurable: false,
      });
  }

  // The assertion library: chai's Assertion and its plugins' registries, and expect's own.
  harden(chai.Assertion.prototype);
  harden(chai.Assertion);
  harden(chai.util);
  harden(chai.config);
  try {
    harden(chai);
  } catch {
    // a module namespace: already as fixed as it gets
  }
  // chai's addMethod keeps a stack-trimming flag on `this`, and `expect.any(String)` and the
  // other asymmetric matchers are called with `this` = expect: a frozen expect cannot take
  // one ("Cannot add property __flags"). Each read hands out a fresh, empty one, so nothing
  // written there is seen again, by chai or anyone else.
  for (const fn of [expect, expect.not, chai.expect])
    if (fn && !Object.hasOwn(fn, "__flags"))
      defineProperty(fn, "__flags", {
        get: () => Object.create(null),
        set() {},
        enumerable: false,
        configurable: false,
      });
  harden(expect);
  const jest = globalThis[Symbol.for("$$jest-matchers-object")];
  if (jest) {
    harden(jest.matchers);
    harden(jest.customEqualityTesters);
  }
  harden(globalThis[Symbol.for("asymmetric-matchers-object")]);

  // Now the gates: vitest's globals and the expect registries keyed by well-known symbols.
  for (const key of getOwnPropertyNames(globalThis)) if (key.startsWith("__vitest")) gate(key);
  for (const key of ["$$jest-matchers-object", "matchers-object", "expect-global", "asymmetric-matchers-object"])
    gate(Symbol.for(key));
}

// --- 3. capabilities the worker keeps for vitest only --------------------------------------
const refuse = (what) =>
  function () {
    throw new stackError(`${what} is not available while the hidden tests run`);
  };
// (`process._send` stays: node's own `send`, which vitest bound at start, calls it.)
function lockProcess() {
  for (const key of ["send", "getBuiltinModule", "dlopen", "binding", "_linkedBinding"]) {
    const desc = getOwnPropertyDescriptor(process, key);
    if (desc?.configurable !== false)
      defineProperty(process, key, {
        value: refuse(`process.${key}`),
        writable: false,
        configurable: false,
        enumerable: false,
      });
  }
}

// One worker runs every hidden test file (vitest.config.mjs `isolate: false`), and vitest
// evaluates a setup file again for each of them. The worker is locked once, by the first
// file, before any submission code ran; every lock is non-configurable, so it holds for the
// later files. The mark is set last, so a lockdown that broke off half-way is tried again
// and throws (the file fails) rather than leaving a half-locked worker to the next file.
const LOCKED = Symbol.for("backlab.shield.locked");
if (!Object.hasOwn(globalThis, LOCKED)) {
  lockStack();
  lockRealm();
  lockProcess();
  defineProperty(globalThis, LOCKED, { value: true, writable: false, configurable: false, enumerable: false });
}

// Loaded natively by node's CJS loader: its require is node's own.
module.exports = { vm: () => require("vm"), Module: () => module.constructor };

// Loaded natively by node's CJS loader: its require is node's own.
module.exports = () => require("vm");

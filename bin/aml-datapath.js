#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsconfig: transpile only with swc; `npm test` type-checks it).
require("ts-node").register({ project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));

#!/usr/bin/env node
// Runs the TypeScript CLI directly (transpile only: `npm test` type-checks it).
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));

#!/usr/bin/env node
// In a checkout of the repository, run the TypeScript source (`npm test` type-checks it); in an
// installed package, the compiled JavaScript in dist/.
const path = require("path");
const fs = require("fs");
const source = path.join(__dirname, "..", "cli", "main.ts");
let cli;
if (fs.existsSync(source)) {
  require("ts-node").register({ project: path.join(__dirname, "..", "tsconfig.json") });
  cli = require(source);
} else {
  cli = require("../dist/cli/main.js");
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code));

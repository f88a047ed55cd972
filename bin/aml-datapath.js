#!/usr/bin/env node
// In a checkout of the repository, run the TypeScript source (`npm test` type-checks it); in an
// installed package, the compiled JavaScript in dist/.
//
// This file alone owns the process: Ctrl-C aborts the command's signal (the command stops waiting,
// prints how to resume and returns 130; a second Ctrl-C exits at once), and the exit code is the
// command's.
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
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
});
cli.run(process.argv.slice(2), cli.productionContext({ signal: controller.signal })).then((code) => process.exit(code));

/**
 * `npm run addresses:update`: rewrite test/stateful-addresses.json (the lock of stateful Terraform
 * addresses) from the current environment configs, and print what changed. Run it after a reviewed,
 * intended change (a new environment, a new prefix, a declared move); the test then guards it again.
 */
import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import { DatapathStack } from "../stacks/datapath-stack";
import { environments } from "../stacks/environments";
import { statefulAddresses } from "../test/address-stability";
import { TfJson } from "../test/helpers";

const file = path.join(__dirname, "..", "test", "stateful-addresses.json");
const before = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string[]>) : {};
const after: Record<string, string[]> = {};
for (const cfg of environments) {
  const json = JSON.parse(Testing.synth(new DatapathStack(Testing.app(), cfg.name, cfg))) as TfJson;
  after[cfg.name] = statefulAddresses(json);
}
let changes = 0;
for (const env of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
  const old = new Set(before[env] ?? []);
  const now = new Set(after[env] ?? []);
  for (const a of now) if (!old.has(a)) (changes++, console.log(`${env}: + ${a}`));
  for (const a of old) if (!now.has(a)) (changes++, console.log(`${env}: - ${a}   <- WARNING: without a declared move, Terraform destroys this stateful resource`));
}
fs.writeFileSync(file, JSON.stringify(after, null, 2) + "\n");
console.log(changes === 0 ? "stateful addresses unchanged" : `${changes} change(s) written to test/stateful-addresses.json`);

import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
// Built from parts so this file does not match itself.
const PKG = ["@cdktf", "provider-azurerm"].join("/");
const ROOT_IMPORT = new RegExp(`(?:from\\s+|require\\(\\s*|import\\(\\s*)["']${PKG}["']`);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name.startsWith(".") || e.name === "cdktf.out" ? [] : tsFiles(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

// The package root pulls in all ~1500 resource bindings (~10x synth time and memory): deep paths only.
test("no file imports the @cdktf/provider-azurerm package root", () => {
  const files = tsFiles(ROOT);
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.filter((f) => ROOT_IMPORT.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(ROOT, f));
  expect(offenders).toEqual([]);
});

test("the check itself recognises a root import", () => {
  expect(ROOT_IMPORT.test(`import { ResourceGroup } from "${PKG}";`)).toBe(true);
  expect(ROOT_IMPORT.test(`import * as azurerm from '${PKG}'`)).toBe(true);
  expect(ROOT_IMPORT.test(`const p = require('${PKG}')`)).toBe(true);
  expect(ROOT_IMPORT.test(`import { ResourceGroup } from "${PKG}/lib/resource-group";`)).toBe(false);
});

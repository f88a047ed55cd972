/**
 * npm run build (scripts/build.cjs): only what changed is transpiled, with the JavaScript tsc writes;
 * nothing is left in dist/ that no source stands for. On a small project in a temp folder; prepare's
 * --clean (tsc) and a build right after it (nothing to do) are checked on a checkout of this
 * repository in test/install-routes.test.ts.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const builder = require("../scripts/build.cjs") as {
  build: (p: Project) => { transpiled: string[]; removed: string[] };
  clean: (p: Project) => number;
  project: (root: string) => Project;
  sources: (p: Project) => string[];
  sourcesByTypeScript: (p: Project) => string[];
  BuildError: new (...args: never[]) => Error & { code: number };
};
interface Project {
  readonly root: string;
  readonly config: string;
  readonly outDir: string;
}

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = path.join(ROOT, "scripts", "build.cjs");

const FILES: Record<string, string> = {
  "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, isolatedModules: true, esModuleInterop: true, declaration: true, outDir: "dist", rootDir: ".", types: [], noLib: true } }),
  "tsconfig.build.json": JSON.stringify({ extends: "./tsconfig.json", include: ["main.ts", "src/**/*.ts"], exclude: ["node_modules", "dist", "test"] }),
  "main.ts": `import { greet } from "./src/greet";\nimport * as deep from "./src/deep/old";\nexport const message = greet("you");\nexport default deep;\n`,
  "src/greet.ts": `export class Greeter {\n  constructor(readonly name: string) {}\n  field = 1;\n}\nexport function greet(who: string): string {\n  return \`hello \${who}\`;\n}\n`,
  "src/deep/old.ts": `export const old = 1;\n`,
  "src/types.d.ts": `export type T = string;\n`,
  "test/skip.ts": `export const t = 1;\n`,
};

function fixture(): Project {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "build-"));
  for (const [f, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
  return builder.project(root);
}

const list = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort() : [];
const read = (p: Project, f: string) => fs.readFileSync(path.join(p.outDir, f), "utf8");

/** What tsc writes for the project's sources (its emitter, in memory): file -> text. */
function tscOutput(p: Project): Map<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  const parsed = ts.getParsedCommandLineOfConfigFile(p.config, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(String(d.messageText)) })!;
  const out = new Map<string, string>();
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  // noLib: no type is checked here, only what is written.
  program.emit(undefined, (file, text) => out.set(path.relative(p.outDir, file), text));
  return out;
}

let built: Project;
const made: string[] = [];
beforeAll(() => {
  built = fixture();
  made.push(built.root);
  expect(builder.build(built)).toEqual({ transpiled: ["main.ts", "src/deep/old.ts", "src/greet.ts"], removed: [] });
  // Declarations as prepare's tsc leaves them.
  for (const [f, text] of tscOutput(built)) if (f.endsWith(".d.ts")) fs.writeFileSync(path.join(built.outDir, f), text);
});
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the built fixture (dist/ included), to change. */
function copy(): Project {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "build-copy-"));
  made.push(root);
  fs.cpSync(built.root, root, { recursive: true, verbatimSymlinks: true });
  return builder.project(root);
}

test("the sources are what tsc compiles: the include patterns read without TypeScript equal TypeScript's own reading (here and in the repository)", () => {
  expect(builder.sources(built)).toEqual(["main.ts", "src/deep/old.ts", "src/greet.ts"]);
  expect(builder.sources(built)).toEqual(builder.sourcesByTypeScript(built));
  const repo = builder.project(ROOT);
  expect(builder.sources(repo)).toEqual(builder.sourcesByTypeScript(repo));
  expect(builder.sources(repo)).toEqual(expect.arrayContaining(["main.ts", "stacks/app.ts", "scripts/diagram.ts", "cli/main.ts"]));
});

test("each source becomes the JavaScript tsc writes for it, byte for byte, and the record of what was built", () => {
  const tsc = tscOutput(built);
  const js = [...tsc.keys()].filter((f) => f.endsWith(".js")).sort();
  expect(js).toEqual(["main.js", "src/deep/old.js", "src/greet.js"]);
  for (const f of js) expect([f, read(built, f)]).toEqual([f, tsc.get(f)]);
  expect(Object.keys(JSON.parse(read(built, ".build.json")).sources).sort()).toEqual(["main.ts", "src/deep/old.ts", "src/greet.ts"]);
});

test("with nothing changed, a build writes nothing", () => {
  const p = copy();
  const before = list(p.outDir).map((f) => [f, fs.statSync(path.join(p.outDir, f)).mtimeMs]);
  expect(builder.build(p)).toEqual({ transpiled: [], removed: [] });
  expect(list(p.outDir).map((f) => [f, fs.statSync(path.join(p.outDir, f)).mtimeMs])).toEqual(before);
});

test("a changed source is transpiled again, to what tsc writes for it; its old declarations go, the others' stay", () => {
  const p = copy();
  fs.writeFileSync(path.join(p.root, "src/greet.ts"), FILES["src/greet.ts"].replace("hello", "hi"));
  expect(builder.build(p)).toEqual({ transpiled: ["src/greet.ts"], removed: [] });
  expect(read(p, "src/greet.js")).toBe(tscOutput(p).get("src/greet.js"));
  expect(read(p, "src/greet.js")).toContain("hi ");
  expect(fs.existsSync(path.join(p.outDir, "src/greet.d.ts"))).toBe(false);
  expect(read(p, "main.d.ts")).toBe(read(built, "main.d.ts"));
  expect(builder.build(p).transpiled).toEqual([]);
});
test("a deleted source leaves nothing behind: its JavaScript, declarations and emptied folder go", () => {
  const p = copy();
  fs.mkdirSync(path.join(p.outDir, "src", "gone"));
  fs.writeFileSync(path.join(p.outDir, "src", "gone", "renamed.js"), "stale");
  fs.rmSync(path.join(p.root, "src/deep/old.ts"));
  expect(builder.build(p)).toEqual({ transpiled: [], removed: ["src/deep/old.d.ts", "src/deep/old.js", "src/gone/renamed.js"] });
  expect(list(p.outDir)).toEqual([".build.json", "main.d.ts", "main.js", "src/greet.d.ts", "src/greet.js"]);
});

test("an output removed by hand, or a changed tsconfig, is built again", () => {
  const p = copy();
  fs.rmSync(path.join(p.outDir, "main.js"));
  expect(builder.build(p).transpiled).toEqual(["main.ts"]);
  expect(read(p, "main.js")).toBe(read(built, "main.js"));
  fs.writeFileSync(path.join(p.root, "tsconfig.json"), FILES["tsconfig.json"].replace('"ES2022"', '"ES2020"'));
  expect(builder.build(p).transpiled).toEqual(["main.ts", "src/deep/old.ts", "src/greet.ts"]);
});

test("a syntax error: tsc's message and exit 1 from the command; the other sources are built, and the next build redoes only the broken one", () => {
  const p = copy();
  fs.writeFileSync(path.join(p.root, "src/greet.ts"), "export const = 1;\n");
  fs.writeFileSync(path.join(p.root, "main.ts"), FILES["main.ts"].replace("you", "all"));
  // The script builds the project it is in.
  fs.mkdirSync(path.join(p.root, "scripts"));
  fs.copyFileSync(SCRIPT, path.join(p.root, "scripts", "build.cjs"));
  const r = spawnSync(process.execPath, [path.join(p.root, "scripts", "build.cjs")], { cwd: os.tmpdir(), encoding: "utf8" });
  expect([r.status, r.stdout]).toEqual([1, ""]);
  expect(r.stderr).toMatch(/src\/greet\.ts\(1,14\): error TS\d+: /);
  expect(read(p, "main.js")).toContain('"all"');
  fs.writeFileSync(path.join(p.root, "src/greet.ts"), FILES["src/greet.ts"]);
  expect(builder.build(p).transpiled).toEqual(["src/greet.ts"]);
});

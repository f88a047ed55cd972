// dist/ from the TypeScript sources tsconfig.build.json includes. Plain CommonJS: it is what builds
// the TypeScript, so it cannot be TypeScript itself.
//
//   node scripts/build.cjs           npm run build (before synth, plan, deploy, diagram and the CLIs'
//                                    synth): transpiles only the sources whose content changed since the
//                                    last build, each with TypeScript's own transpileModule and the
//                                    project's compiler options, which writes the same JavaScript as
//                                    `tsc -p tsconfig.build.json` (test/build.test.ts checks it byte for
//                                    byte); removes every file of dist/ no source stands for any more (a
//                                    deleted or renamed source leaves nothing behind) and the declarations
//                                    of the sources it transpiled (they were written for the old source).
//                                    No type check: `npm test` and `npm run typecheck` do that.
//   node scripts/build.cjs --clean   npm run prepare (npm ci, npm pack, a git install): dist/ from scratch
//                                    with tsc, type-checked, JavaScript and declarations.
//
// dist/.build.json records the hash of each source dist/ holds the JavaScript of, and a key of what
// else decides the output (the tsconfig files, TypeScript's version, this script): a different key
// transpiles every source again. With nothing changed the build reads the sources and stats dist/ and
// does not load TypeScript (about 0.1 s).
"use strict";
const { createHash } = require("crypto");
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const MANIFEST = ".build.json";

/** @param {string} s */
const sha1 = (s) => createHash("sha1").update(s).digest("hex");

/** The project: where it is, its config file, and the output folder (dist). */
function project(root = path.resolve(__dirname, ".."), config = "tsconfig.build.json", outDir = "dist") {
  return { root, config: path.join(root, config), outDir: path.join(root, outDir) };
}

/**
 * The sources tsconfig.build.json includes (posix paths relative to the root, sorted): the patterns
 * it uses ("dir/**\/*.ts", "dir/*.ts", "file.ts") read directly, without loading TypeScript; any
 * other pattern (or "files", or an include inherited through "extends") through TypeScript's own
 * parser.
 */
function sources(p) {
  const config = JSON.parse(fs.readFileSync(p.config, "utf8"));
  const include = Array.isArray(config.include) ? config.include : undefined;
  const simple = /^[\w.@-]+(\/[\w.@-]+)*(\/\*\*\/\*\.ts|\/\*\.ts|\.ts)$/;
  if (config.files !== undefined || include === undefined || !include.every((i) => typeof i === "string" && simple.test(i))) return sourcesByTypeScript(p);
  const exclude = (Array.isArray(config.exclude) ? config.exclude : []).map((e) => String(e).replace(/\/+$/, ""));
  const excluded = (rel) => rel.split("/").some((_, i, parts) => exclude.includes(parts.slice(0, i + 1).join("/"))) || rel.split("/").includes("node_modules");
  const found = new Set();
  const walk = (dir, recursive) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(p.root, dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = `${dir}/${e.name}`;
      if (excluded(rel)) continue;
      if (e.isDirectory() && recursive) walk(rel, true);
      else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) found.add(rel);
    }
  };
  for (const pattern of include) {
    if (pattern.endsWith("/**/*.ts")) walk(pattern.slice(0, -"/**/*.ts".length), true);
    else if (pattern.endsWith("/*.ts")) walk(pattern.slice(0, -"/*.ts".length), false);
    else if (!pattern.endsWith(".d.ts") && !excluded(pattern) && fs.statSync(path.join(p.root, pattern), { throwIfNoEntry: false })?.isFile()) found.add(pattern);
  }
  return [...found].sort();
}

/** TypeScript's parsed config (compiler options and file names). */
function parsedConfig(p) {
  const ts = require("typescript");
  const host = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new BuildError([d], 2);
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(p.config, {}, host);
  if (!parsed) throw new BuildError([], 2, `cannot read ${p.config}`);
  if (parsed.errors.length > 0) throw new BuildError(parsed.errors, 2);
  return parsed;
}

function sourcesByTypeScript(p) {
  return parsedConfig(p)
    .fileNames.filter((f) => !f.endsWith(".d.ts"))
    .map((f) => path.relative(p.root, f).split(path.sep).join("/"))
    .sort();
}

/** TypeScript diagnostics, formatted as tsc prints them; `code` is the exit code (1, or 2 for a bad config, as tsc). */
class BuildError extends Error {
  constructor(diagnostics, code = 1, message) {
    const ts = require("typescript");
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" };
    super(message ?? ts.formatDiagnostics(diagnostics, host).trimEnd());
    this.name = "BuildError";
    this.code = code;
  }
}

/** What besides the sources decides the output: the tsconfig files, TypeScript's version, this script. */
function keyOf(p) {
  const read = (f) => fs.readFileSync(f, "utf8");
  const configs = [p.config, path.join(p.root, "tsconfig.json")].filter((f) => fs.existsSync(f)).map(read);
  const ts = require.resolve("typescript/package.json", { paths: [p.root] });
  return sha1([JSON.parse(read(ts)).version, read(__filename), ...configs].join("\0"));
}

const jsOf = (p, rel) => path.join(p.outDir, rel.replace(/\.ts$/, ".js"));

function readManifest(p) {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(p.outDir, MANIFEST), "utf8"));
    return m && typeof m.key === "string" && m.sources && typeof m.sources === "object" ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Write through a temporary file and rename: a reader (or a build running at the same time) never sees half a file. */
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Remove every file below dist/ that is not the JavaScript or declarations (or their maps) of a source, then empty folders. */
function prune(p, keep) {
  const removed = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(full);
        if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
        continue;
      }
      const rel = path.relative(p.outDir, full).split(path.sep).join("/");
      if (rel === MANIFEST) continue;
      const source = /^(.*)\.(?:js|d\.ts)(?:\.map)?$/.exec(rel)?.[1];
      if (source === undefined || !keep.has(`${source}.ts`)) {
        fs.rmSync(full, { force: true });
        removed.push(rel);
      }
    }
  };
  walk(p.outDir);
  return removed;
}

/**
 * Transpile what changed, prune what is left over, record the hashes. Returns what it did.
 * @returns {{ transpiled: string[], removed: string[] }}
 */
function build(p = project()) {
  const files = sources(p);
  const contents = new Map(files.map((f) => [f, fs.readFileSync(path.join(p.root, f), "utf8")]));
  const hashes = Object.fromEntries(files.map((f) => [f, sha1(contents.get(f))]));
  const key = keyOf(p);
  const before = readManifest(p);
  const known = before && before.key === key ? before.sources : {};
  const stale = files.filter((f) => known[f] !== hashes[f] || !fs.existsSync(jsOf(p, f)));
  const removed = prune(p, new Set(files));
  if (stale.length > 0) {
    const ts = require("typescript");
    const options = parsedConfig(p).options;
    const errors = [];
    for (const f of stale) {
      const r = ts.transpileModule(contents.get(f), { fileName: path.join(p.root, f), compilerOptions: options, reportDiagnostics: true });
      const bad = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (bad.length > 0) {
        errors.push(...bad);
        delete hashes[f];
        continue;
      }
      writeAtomic(jsOf(p, f), r.outputText);
      // The declarations tsc wrote were for the old source.
      for (const ext of [".d.ts", ".d.ts.map", ".js.map"]) fs.rmSync(jsOf(p, f).replace(/\.js$/, ext), { force: true });
    }
    // Record what was written even when another file failed, so the next build redoes only that one.
    writeAtomic(path.join(p.outDir, MANIFEST), `${JSON.stringify({ key, sources: hashes }, null, 1)}\n`);
    if (errors.length > 0) throw new BuildError(errors);
  } else if (removed.length > 0 || !before || before.key !== key || Object.keys(before.sources).length !== files.length) {
    writeAtomic(path.join(p.outDir, MANIFEST), `${JSON.stringify({ key, sources: hashes }, null, 1)}\n`);
  }
  return { transpiled: stale, removed };
}

/** dist/ from scratch with tsc (type-checked, with declarations), then the manifest of what it compiled. */
function clean(p = project()) {
  const files = sources(p);
  // Hashed before tsc reads them: a source edited meanwhile is transpiled again by the next build.
  const hashes = Object.fromEntries(files.map((f) => [f, sha1(fs.readFileSync(path.join(p.root, f), "utf8"))]));
  fs.rmSync(p.outDir, { recursive: true, force: true });
  const tsc = require.resolve("typescript/bin/tsc", { paths: [p.root] });
  const r = spawnSync(process.execPath, [tsc, "-p", p.config], { cwd: p.root, stdio: "inherit" });
  if (r.status !== 0) return r.status ?? 1;
  writeAtomic(path.join(p.outDir, MANIFEST), `${JSON.stringify({ key: keyOf(p), sources: hashes }, null, 1)}\n`);
  return 0;
}

module.exports = { build, clean, project, sources, sourcesByTypeScript, BuildError, MANIFEST };

if (require.main === module) {
  // Node >= 22.1 keeps compiled code on disk: loading TypeScript again takes a third less.
  require("module").enableCompileCache?.();
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !["--clean", "--verbose"].includes(a));
  if (unknown.length > 0) {
    console.error(`build: unknown option ${unknown.join(", ")}\nusage: node scripts/build.cjs [--clean] [--verbose]`);
    process.exit(2);
  }
  if (args.includes("--clean")) process.exit(clean());
  try {
    const done = build();
    if (args.includes("--verbose")) console.error(`build: ${done.transpiled.length} transpiled, ${done.removed.length} removed from dist/`);
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    console.error(e.message);
    process.exit(e.code);
  }
}

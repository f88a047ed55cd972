/**
 * The install routes the README gives another team ("Using the constructs in another stack"), checked
 * the way a team uses them. `npm run check:install-routes` (CI: `.ci/run`, after `npm ci`; a few
 * minutes, the packages come from the npm cache `npm ci` filled):
 *
 * 1. The release tarball: `npm pack` in the repository (`prepare` builds dist/) writes
 *    aml-datapath-pipeline-<version>.tgz into the repository root, the artifact CI keeps (`*.tgz` is
 *    gitignored; the working tree must stay clean). Its name, its contents (only what `files` names)
 *    and every `exports` entry (also main, types, typesVersions, bin) are checked.
 * 2. The README's tarball command, pasted as written into an empty app folder holding the tarball,
 *    then the consumer fixture (test/fixtures/consumer/main.js) synthesized with plain node, and the
 *    CLI's `--version`. Again with constructs at the lowest version of the peer range.
 * 3. The README's git command, its repository URL replaced by `git+file://` of a local repository (the
 *    working tree committed and tagged v<version>; in CI, a clean clone, that is HEAD): npm clones it,
 *    installs its devDependencies and runs `prepare`, as for a git host, with no git host involved.
 *    With an npm that has `--strict-allow-scripts`, the install runs under it, with the `allowScripts`
 *    entry the README gives.
 *
 * The fast part (prepare in a fresh checkout, the tarball's name, contents and exports, the README's
 * commands) runs in `npm test`: test/install-routes.test.ts.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
export const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

type ExportTarget = string | { readonly [condition: string]: string };

export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly main?: string;
  readonly types?: string;
  readonly exports?: { readonly [subpath: string]: ExportTarget };
  readonly typesVersions?: { readonly [range: string]: { readonly [subpath: string]: readonly string[] } };
  readonly bin?: { readonly [name: string]: string };
  readonly files?: readonly string[];
  readonly scripts?: { readonly [name: string]: string };
  readonly dependencies?: { readonly [name: string]: string };
  readonly peerDependencies?: { readonly [name: string]: string };
  readonly devDependencies?: { readonly [name: string]: string };
}

export const readPackageJson = (dir = ROOT): PackageJson => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;

/** What `npm pack` names the tarball (no scope in this package's name). */
export const tarballNameOf = (pkg: PackageJson): string => `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`;

/** git without the caller's repository environment (a hook's GIT_DIR would point it elsewhere). */
function git(args: readonly string[], cwd: string): string {
  const env = { ...process.env };
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX"]) delete env[key];
  return execFileSync("git", ["-c", "user.name=install-routes", "-c", "user.email=install-routes@localhost", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * A repository holding the working tree of `root` as it would be committed (tracked files and
 * untracked ones .gitignore does not exclude; deleted files left out), in one commit tagged
 * `v<version>`: what a `git clone` of a release tag gives, and in CI's clean clone exactly HEAD.
 * No dist/, no node_modules.
 */
export function checkoutOfWorkingTree(dest: string, root = ROOT): { readonly dir: string; readonly tag: string } {
  // A node_modules symlink (a linked checkout like the ones below) is no folder to .gitignore's "node_modules/".
  const files = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root).split("\0").filter((f) => f && f !== "node_modules");
  fs.mkdirSync(dest, { recursive: true });
  for (const file of files) {
    const from = path.join(root, file);
    const stat = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!stat) continue;
    const to = path.join(dest, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else if (stat.isFile()) fs.copyFileSync(from, to);
  }
  const tag = `v${readPackageJson(dest).version}`;
  git(["init", "-q"], dest);
  git(["add", "-A"], dest);
  git(["commit", "-q", "-m", "install-routes checkout"], dest);
  git(["tag", tag], dest);
  return { dir: dest, tag };
}

/** The repository's installed packages, linked into a checkout (no install, no network); git there ignores the link. */
export function linkNodeModules(dir: string, root = ROOT): void {
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  if (fs.existsSync(path.join(dir, ".git"))) fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), "/node_modules\n");
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; throws with its output when it fails. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Run {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8", timeout: options.timeout ?? 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${options.cwd}) failed with ${r.error ? r.error.message : `exit code ${r.status}`}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `npm pack` in `dir` into `dest`: the tarball's path. `ignoreScripts` when `prepare` has just run. */
export function pack(dir: string, dest: string, ignoreScripts = false): string {
  const args = ["pack", "--json", "--pack-destination", dest, ...(ignoreScripts ? ["--ignore-scripts"] : [])];
  const out = run(NPM, args, { cwd: dir }).stdout;
  // Anything the scripts print comes before the JSON, which starts with "[" at the start of a line.
  const report = JSON.parse(out.slice(Math.max(0, out.search(/^\[/m)))) as { filename: string }[];
  return path.join(dest, report[0].filename);
}

/** The files in a tarball, without npm's `package/` prefix. */
export const tarballEntries = (tarball: string): string[] =>
  execFileSync("tar", ["-tzf", tarball], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    .split("\n")
    .filter((f) => f && !f.endsWith("/"))
    .map((f) => f.replace(/^package\//, ""));

/** Every file the package.json names as an entry point: exports (each condition), main, types, typesVersions, bin. */
export function entryPointFiles(pkg: PackageJson): { readonly field: string; readonly file: string }[] {
  const norm = (f: string) => path.posix.normalize(f).replace(/^\.\//, "");
  const out: { field: string; file: string }[] = [];
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target === "string") out.push({ field: `exports["${subpath}"]`, file: norm(target) });
    else for (const [condition, file] of Object.entries(target)) out.push({ field: `exports["${subpath}"].${condition}`, file: norm(file) });
  }
  if (pkg.main) out.push({ field: "main", file: norm(pkg.main) });
  if (pkg.types) out.push({ field: "types", file: norm(pkg.types) });
  for (const [range, map] of Object.entries(pkg.typesVersions ?? {})) {
    for (const [subpath, files] of Object.entries(map)) for (const file of files) out.push({ field: `typesVersions["${range}"]["${subpath}"]`, file: norm(file) });
  }
  for (const [name, file] of Object.entries(pkg.bin ?? {})) out.push({ field: `bin.${name}`, file: norm(file) });
  return out;
}

/** `files` patterns as npm reads the ones this package uses: a folder ("dir/"), a one-level glob ("dir/*.py"), a file. */
function matchesFiles(file: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p.endsWith("/")) return file.startsWith(p);
    if (p.includes("*")) return new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`).test(file);
    return file === p || file.startsWith(`${p}/`);
  });
}

/** What is wrong with a packed tarball: its name, an entry point it lacks, a file it should not hold. Empty when nothing. */
export function tarballProblems(tarball: string, pkg: PackageJson, entries = tarballEntries(tarball)): string[] {
  const problems: string[] = [];
  if (path.basename(tarball) !== tarballNameOf(pkg)) problems.push(`the tarball is ${path.basename(tarball)}, not ${tarballNameOf(pkg)}`);
  const has = new Set(entries);
  for (const { field, file } of entryPointFiles(pkg)) if (!has.has(file)) problems.push(`${field} names ${file}, which is not in the tarball`);
  for (const file of ["package.json", "README.md", "pipeline/prepare.py", "pipeline/process.py", "pipeline/check_results.py", "pipeline/conda.yaml", "dist/cli/main.js"]) {
    if (!has.has(file)) problems.push(`${file} is not in the tarball`);
  }
  // npm always adds package.json, the README and a licence file; everything else must be named by `files`.
  const always = /^(package\.json|readme(\.[a-z]+)?|licen[cs]e(\.[a-z]+)?)$/i;
  for (const file of entries) {
    if (!always.test(file) && !matchesFiles(file, pkg.files ?? [])) problems.push(`${file} is in the tarball but no "files" entry names it`);
    if (/\.ts$/.test(file) && !file.endsWith(".d.ts")) problems.push(`${file}: TypeScript source in the tarball`);
    if (/^(test|scripts|dist\/test|dist\/scripts|dist\/bench)\//.test(file) || file.startsWith("pipeline/tests/")) problems.push(`${file}: tests or repository scripts in the tarball`);
  }
  return problems;
}

/**
 * Installs a tarball as npm would into `app`/node_modules (unpacked), with its dependencies and peer
 * dependencies linked from the repository's node_modules: no network, a second.
 */
export function unpackInto(tarball: string, app: string, root = ROOT): string {
  const pkg = readPackageJson(root);
  const installed = path.join(app, "node_modules", pkg.name);
  fs.mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    const link = path.join(app, "node_modules", dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(root, "node_modules", dep), link, "dir");
  }
  return installed;
}

/**
 * Resolves and loads every `exports` subpath of the package installed in `app`, from a plain node
 * process there (the way an app's `require` finds them). Problems: a subpath that does not resolve,
 * resolves outside the installed package, or fails to load. Empty when none.
 */
export function exportProblems(app: string, pkg: PackageJson): string[] {
  const specifiers = Object.keys(pkg.exports ?? {}).map((subpath) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, "")}`));
  const probe = `
    const path = require("path");
    const installed = path.join(process.cwd(), "node_modules", ${JSON.stringify(pkg.name)}) + path.sep;
    const problems = [];
    for (const spec of ${JSON.stringify(specifiers)}) {
      try {
        const file = require.resolve(spec);
        if (!file.startsWith(installed)) problems.push(spec + " resolves to " + file + ", outside the installed package");
        const loaded = require(spec);
        if (!spec.endsWith("/package.json") && Object.keys(loaded).length === 0) problems.push(spec + " exports nothing");
      } catch (e) {
        problems.push(spec + ": " + String(e && e.message).split("\\n")[0]);
      }
    }
    console.log(JSON.stringify(problems));`;
  const r = spawnSync(process.execPath, ["-e", probe], { cwd: app, encoding: "utf8" });
  if (r.status !== 0) return [`the probe failed: ${r.stderr}`];
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "[]") as string[];
}

/** The README section another team follows. */
export function readmeSection(readme: string, heading = "## Using the constructs in another stack"): string {
  const start = readme.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const next = readme.indexOf("\n## ", start + heading.length);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** The `npm install` commands of the section's sh blocks, in order (one command per block). */
export function readmeInstallCommands(readme: string): string[] {
  const section = readmeSection(readme);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("npm install ")));
}

/** The placeholder URL of the git route in the README: the team puts its repository's there. */
export const GIT_PLACEHOLDER = /^git\+https:\/\/<host>\/<owner>\/aml-datapath-pipeline\.git#<tag>$/;

/**
 * What is wrong with the README's install commands: the first installs ./<tarball of this version>,
 * the second the git repository at a tag; both add exactly the peer dependencies, each at the version
 * this repository installs (and CI tests). Empty when nothing.
 */
export function readmeProblems(readme: string, pkg: PackageJson): string[] {
  const commands = readmeInstallCommands(readme);
  if (commands.length !== 2) return [`expected 2 npm install commands (tarball, git) in their own sh blocks, found ${commands.length}: ${JSON.stringify(commands)}`];
  const problems: string[] = [];
  const peers = Object.keys(pkg.peerDependencies ?? {}).map((name) => `${name}@${pkg.devDependencies?.[name] ?? "(not a devDependency)"}`).sort();
  const [tarball, gitRoute] = commands.map((c) => c.split(/\s+/).slice(2));
  if (tarball[0] !== `./${tarballNameOf(pkg)}`) problems.push(`the tarball command installs ${tarball[0]}, not ./${tarballNameOf(pkg)}`);
  if (!GIT_PLACEHOLDER.test(gitRoute[0] ?? "")) problems.push(`the git command installs ${gitRoute[0]}, not git+https://<host>/<owner>/aml-datapath-pipeline.git#<tag>`);
  for (const [route, args] of [["tarball", tarball], ["git", gitRoute]] as const) {
    const given = args.slice(1).sort();
    if (JSON.stringify(given) !== JSON.stringify(peers)) problems.push(`the ${route} command adds ${given.join(" ")}; the peer dependencies at the tested versions are ${peers.join(" ")}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// The full routes (CI).

let lastLog = Date.now();
/** One line per step, with the seconds it took. */
const log = (message: string) => {
  console.log(`install-routes: ${message} (${Math.round((Date.now() - lastLog) / 1000)} s)`);
  lastLog = Date.now();
};

function expectNone(problems: readonly string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
}

/** A new, empty app folder with a package.json (what `npm init -y` gives). */
function newApp(dir: string, extra: object = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: path.basename(dir), version: "1.0.0", private: true, ...extra }, null, 2) + "\n");
  return dir;
}

/** The consumer fixture synthesized in `app` with plain node, and the CLI's --version from its node_modules/.bin. */
function useApp(app: string, pkg: PackageJson): void {
  fs.copyFileSync(path.join(ROOT, "test", "fixtures", "consumer", "main.js"), path.join(app, "main.js"));
  const out = path.join(app, "out");
  run(process.execPath, ["main.js"], { cwd: app, env: { ...process.env, CDKTF_OUTDIR: out } });
  const stack = JSON.parse(fs.readFileSync(path.join(out, "stacks", "team-b", "cdk.tf.json"), "utf8")) as { resource?: object };
  if (!stack.resource || Object.keys(stack.resource).length === 0) throw new Error(`${app}: the synthesized team-b stack has no resources`);
  const installed = readPackageJson(path.join(app, "node_modules", pkg.name));
  if (installed.version !== pkg.version) throw new Error(`${app}: installed ${pkg.name}@${installed.version}, not ${pkg.version}`);
  // The bin link npm made, run by this node (its #! line takes the first node on PATH).
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
  const version = run(path.join(app, "node_modules", ".bin", "aml-datapath"), ["--version"], { cwd: app, env }).stdout.trim();
  if (!version.includes(pkg.version)) throw new Error(`${app}: aml-datapath --version printed ${JSON.stringify(version)}, not ${pkg.version}`);
  log(`${path.basename(app)}: the consumer fixture synthesized team-b (${Object.keys(stack.resource).length} resource types); aml-datapath --version: ${version}`);
}

/**
 * The app under the CDK Terrain CLI: `npm install -D cdktn-cli@<this repository's pin>` (peers:
 * cdktn, jsii, jsii-pacmak; nothing to force), a cdktf.json whose app is `node main.js`, and
 * `cdktn synth` must write the stack the app wrote run with plain node, byte for byte.
 */
function cdktnInApp(app: string, pkg: PackageJson): void {
  run(NPM, ["install", "-D", `cdktn-cli@${pkg.devDependencies?.["cdktn-cli"]}`, ...INSTALL_FLAGS], { cwd: app });
  fs.writeFileSync(path.join(app, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js", output: "cdktf.out" }, null, 2) + "\n");
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1" };
  delete env.CDKTF_OUTDIR;
  run(process.execPath, [path.join(app, "node_modules", "cdktn-cli", "bin", "cdktn"), "synth"], { cwd: app, env });
  const file = path.join("stacks", "team-b", "cdk.tf.json");
  if (!fs.readFileSync(path.join(app, "cdktf.out", file)).equals(fs.readFileSync(path.join(app, "out", file)))) {
    throw new Error(`${app}: cdktn synth wrote another team-b stack than node main.js`);
  }
  log(`${path.basename(app)}: cdktn-cli installed with no flags; cdktn synth wrote the same team-b stack, byte for byte`);
}

/** npm flags for the installs: the npm cache first (npm ci filled it), no audit or funding calls. */
const INSTALL_FLAGS = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

/** Does this npm know `--strict-allow-scripts` (npm 11.x's install-script policy)? */
function npmHasStrictAllowScripts(): boolean {
  const r = spawnSync(NPM, ["config", "get", "strict-allow-scripts"], { encoding: "utf8" });
  return r.status === 0 && /^(true|false)$/.test(r.stdout.trim());
}

export function main(): void {
  const started = Date.now();
  lastLog = started;
  const pkg = readPackageJson();
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  expectNone(readmeProblems(readme, pkg), "the README's install commands");
  const [tarballCommand, gitCommand] = readmeInstallCommands(readme).map((c) => c.split(/\s+/));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "install-routes-"));
  try {
    // 1. The release artifact, in the repository root.
    const status = () => run("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: ROOT }).stdout;
    const before = status();
    const tarball = pack(ROOT, ROOT);
    expectNone(tarballProblems(tarball, pkg), `${path.basename(tarball)}`);
    const after = status();
    if (after !== before) throw new Error(`npm pack changed the working tree's git status:\n--- before\n${before}--- after\n${after}`);
    log(`${path.relative(ROOT, tarball)}: ${tarballEntries(tarball).length} files, every entry point in it; git status unchanged${before ? "" : " (clean)"}`);

    // 2. The README's tarball command, as written, in an app folder holding the tarball.
    const app = newApp(path.join(tmp, "app-tarball"));
    fs.copyFileSync(tarball, path.join(app, path.basename(tarball)));
    run(NPM, [...tarballCommand.slice(1), ...INSTALL_FLAGS], { cwd: app });
    log(`app-tarball: ${tarballCommand.join(" ")}`);
    expectNone(exportProblems(app, pkg), "exports of the installed tarball");
    useApp(app, pkg);

    // ... on CDK Terrain: its CLI added to that app with no flags, running the app from its cdktf.json.
    cdktnInApp(app, pkg);

    // ... with constructs at the bottom of the peer range.
    const lowest = (pkg.peerDependencies?.constructs ?? "").replace(/^[\^~]/, "");
    const low = newApp(path.join(tmp, "app-constructs-lowest"));
    fs.copyFileSync(tarball, path.join(low, path.basename(tarball)));
    run(NPM, [...tarballCommand.slice(1).map((a) => (a.startsWith("constructs@") ? `constructs@${lowest}` : a)), ...INSTALL_FLAGS], { cwd: low });
    const lowVersion = readPackageJson(path.join(low, "node_modules", "constructs")).version;
    if (lowVersion !== lowest) throw new Error(`constructs ${lowVersion} installed, not ${lowest}`);
    log(`app-constructs-lowest: the same command with constructs@${lowest}`);
    useApp(low, pkg);

    // 3. The README's git command against a local repository: the same steps npm takes for a git host.
    const repo = checkoutOfWorkingTree(path.join(tmp, "aml-datapath-pipeline"));
    const url = `git+file://${repo.dir}`;
    const strict = npmHasStrictAllowScripts();
    const gitApp = newApp(path.join(tmp, "app-git"), strict ? { allowScripts: { [url]: true } } : {});
    const args = gitCommand.slice(1).map((a) => (GIT_PLACEHOLDER.test(a) ? `${url}#${repo.tag}` : a));
    run(NPM, [...args, ...INSTALL_FLAGS, ...(strict ? ["--strict-allow-scripts"] : [])], { cwd: gitApp });
    log(`app-git: npm install ${args.slice(1).join(" ")}${strict ? " --strict-allow-scripts (allowScripts has the repository URL)" : ""}`);
    const gitInstalled = path.join(gitApp, "node_modules", pkg.name);
    if (fs.existsSync(path.join(gitInstalled, "lib")) || fs.existsSync(path.join(gitInstalled, "test"))) throw new Error("the git install holds the repository's sources, not the packed files");
    expectNone(exportProblems(gitApp, pkg), "exports of the package installed from git");
    useApp(gitApp, pkg);
    console.log(`install-routes: all routes passed in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`install-routes: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

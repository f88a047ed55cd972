/**
 * The install routes of the README, the fast part (in npm test): a fresh checkout of the working tree
 * (no dist/) with the repository's node_modules linked, `npm run prepare` in it (what npm runs for a
 * git dependency), `npm pack` of it (both made once for the files that need them: test/shared-build.ts),
 * and the tarball unpacked into an app with its peers linked.
 * `npm run check:install-routes` (CI) runs the real installs: the README's commands with npm, the
 * tarball and `npm install git+file://...#v<version>` of a local repository (npm installs its
 * devDependencies and runs prepare), which take minutes.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { entryPointFiles, exportProblems, PackageJson, readmeInstallCommands, readmeProblems, readPackageJson, ROOT, tarballEntries, tarballNameOf, tarballProblems, unpackInto } from "../scripts/install-routes";
import { sharedBuild } from "./shared-build";

const pkg: PackageJson = readPackageJson();
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

let tmp: string;
let checkout: string;
let tarball: string;
let app: string;
let statusAfter: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "install-routes-"));
  // The checkout, prepare in it and npm pack there (where a user runs it: the checkout's root).
  ({ repo: checkout, tarball, statusAfterPack: statusAfter } = sharedBuild());
  app = path.join(tmp, "app");
  unpackInto(tarball, app);
}, 240_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the git route: npm clones the repository, installs its devDependencies and runs prepare", () => {
  test("prepare builds dist/ in a fresh checkout: every entry point package.json names exists", () => {
    // From scratch with tsc (type-checked, declarations), not the incremental build synth uses.
    expect(pkg.scripts?.prepare).toBe("node scripts/build.cjs --clean");
    // pack runs prepare too: a prepack that builds as well would build twice.
    expect(pkg.scripts?.prepack).toBeUndefined();
    const missing = entryPointFiles(pkg).filter(({ file }) => !fs.existsSync(path.join(checkout, file)));
    expect(missing).toEqual([]);
  });

  test("prepare's dist/ is exactly the sources' JavaScript and declarations, and the incremental build after it has nothing to do", () => {
    const builder = require("../scripts/build.cjs") as { project: (root: string) => { outDir: string }; sources: (p: unknown) => string[]; build: (p: unknown) => unknown };
    const p = builder.project(checkout);
    const files = fs.readdirSync(p.outDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(p.outDir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
    const sources = builder.sources(p);
    expect(files.filter((f) => f.endsWith(".js")).sort()).toEqual(sources.map((f) => f.replace(/\.ts$/, ".js")).sort());
    expect(files.filter((f) => f.endsWith(".d.ts")).sort()).toEqual(sources.map((f) => f.replace(/\.ts$/, ".d.ts")).sort());
    expect(files.filter((f) => !f.endsWith(".js") && !f.endsWith(".d.ts"))).toEqual([".build.json"]);
    expect(builder.build(p)).toEqual({ transpiled: [], removed: [] });
  });

  test("prepare and npm pack leave the checkout clean: dist/ and the tarball are ignored", () => {
    expect(statusAfter).toBe("");
    expect(fs.existsSync(path.join(checkout, "dist", "lib", "index.js"))).toBe(true);
    expect(path.dirname(tarball)).toBe(checkout);
  });
});

describe("the release tarball (npm pack)", () => {
  test(`is named ${tarballNameOf(pkg)} and holds the entry points and the step code, nothing the "files" list leaves out`, () => {
    expect(path.basename(tarball)).toBe(`aml-datapath-pipeline-${pkg.version}.tgz`);
    expect(tarballProblems(tarball, pkg)).toEqual([]);
    const entries = tarballEntries(tarball);
    expect(entries.filter((f) => f.startsWith("dist/lib/")).length).toBeGreaterThan(20);
  });

  test("every exports entry resolves inside the installed package and loads with plain node", () => {
    expect(Object.keys(pkg.exports ?? {})).toEqual(expect.arrayContaining([".", "./core", "./platform", "./pipeline", "./aspects", "./diagram", "./stacks", "./package.json"]));
    expect(exportProblems(app, pkg)).toEqual([]);
  });

  test("the problems are found: a wrong name, a missing entry point, a stray file", () => {
    const entries = tarballEntries(tarball);
    const wrong = path.join(tmp, "aml-datapath-pipeline-9.9.9.tgz");
    const problems = tarballProblems(wrong, pkg, [...entries.filter((f) => f !== "dist/stacks/index.d.ts"), "test/helpers.ts"]);
    expect(problems).toEqual(
      expect.arrayContaining([
        `the tarball is aml-datapath-pipeline-9.9.9.tgz, not ${tarballNameOf(pkg)}`,
        'exports["./stacks"].types names dist/stacks/index.d.ts, which is not in the tarball',
        'test/helpers.ts is in the tarball but no "files" entry names it',
        "test/helpers.ts: TypeScript source in the tarball",
      ]),
    );
  });
});

describe("the README's install commands", () => {
  test("the tarball of this version and the git repository at a tag, each with the peer dependencies at the versions this repository tests", () => {
    expect(readmeProblems(readme, pkg)).toEqual([]);
    const [tarballCommand, gitCommand] = readmeInstallCommands(readme);
    expect(tarballCommand).toBe(
      `npm install ./${tarballNameOf(pkg)} cdktf@${pkg.devDependencies?.cdktf} constructs@${pkg.devDependencies?.constructs} @cdktf/provider-azurerm@${pkg.devDependencies?.["@cdktf/provider-azurerm"]} @cdktf/provider-time@${pkg.devDependencies?.["@cdktf/provider-time"]}`,
    );
    expect(gitCommand).toMatch(/^npm install git\+https:\/\/<host>\/<owner>\/aml-datapath-pipeline\.git#<tag> /);
  });

  test("a command that drifts is reported", () => {
    const drifted = readme.replace(`./${tarballNameOf(pkg)}`, "./aml-datapath-pipeline-0.0.1.tgz").replace(/(npm install \.\/\S+ .*?)constructs@\S+/, "$1constructs@10.0.0");
    expect(readmeProblems(drifted, pkg)).toEqual([
      `the tarball command installs ./aml-datapath-pipeline-0.0.1.tgz, not ./${tarballNameOf(pkg)}`,
      expect.stringMatching(/^the tarball command adds .*constructs@10\.0\.0/),
    ]);
  });

  test("the peer dependency ranges accept the pinned versions the commands install", () => {
    // Pins are exact; each range is ^<lowest supported>: the pin's major, and not below the lowest.
    for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
      const pin = pkg.devDependencies?.[name] ?? "";
      expect([name, pin]).toEqual([name, expect.stringMatching(/^\d+\.\d+\.\d+$/)]);
      const lowest = range.replace(/^\^/, "").split(".").map(Number);
      const pinned = pin.split(".").map(Number);
      const caretOk = pinned[0] === lowest[0] && (lowest[0] !== 0 || pinned[1] === lowest[1]) && (pinned[1] > lowest[1] || (pinned[1] === lowest[1] && pinned[2] >= lowest[2]));
      expect([name, range, pin, caretOk]).toEqual([name, range, pin, true]);
    }
  });

  test("*.tgz is ignored in this repository (npm pack leaves the working tree clean)", () => {
    const r = execFileSync("git", ["check-ignore", "--no-index", "-v", tarballNameOf(pkg)], { cwd: ROOT, encoding: "utf8" });
    expect(r).toMatch(/^\.gitignore:\d+:\*\.tgz\t/);
  });
});

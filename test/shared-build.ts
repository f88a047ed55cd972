/**
 * The expensive set-up several test files need, made once and shared by them (and by later runs
 * while the sources stay the same): a checkout of the working tree where `npm run prepare` built
 * dist/ with tsc, the release tarball `npm pack` makes of it, and the whole app synthesized by that
 * build's `node dist/main.js`.
 *
 * It is kept in the system's temp folder (or $AML_DATAPATH_TEST_CACHE) under the hash of the working
 * tree (every file a checkout copies, except test/, which none of it uses), the Node version and the
 * repository's path: a source change makes a new one; one unused for 15 minutes (about 25 MB each)
 * is removed when a new one is made. Made by whichever test file asks first,
 * under a lock (jest's workers and other jest runs on this repository wait for it instead of making
 * their own). Read-only for the tests: copy what you need to change (`copyOfRepo`).
 */
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkoutOfWorkingTree, linkNodeModules, NPM, pack, ROOT, run } from "../scripts/install-routes";

export interface SharedBuild {
  /** The checkout (a git repository of the working tree, node_modules linked) after prepare and pack. */
  readonly repo: string;
  /** The tarball `npm pack` wrote into the checkout's root. */
  readonly tarball: string;
  /** `git status --porcelain --untracked-files=all` in the checkout after prepare and pack. */
  readonly statusAfterPack: string;
  /** The whole app synthesized by the checkout's `node dist/main.js` (its CDKTF_OUTDIR). */
  readonly synthOut: string;
  /** What that synth printed on stderr (AML_DATAPATH_VERBOSE=1: every note and the summaries). */
  readonly synthStderr: string;
}

/** How long a set-up no test has used is kept: longer than any jest run that may still be reading it. */
const KEEP_MS = 15 * 60_000;
const CACHE = process.env.AML_DATAPATH_TEST_CACHE ?? path.join(os.tmpdir(), `aml-datapath-test-${createHash("sha1").update(ROOT).digest("hex").slice(0, 8)}`);

/** The working tree's files as a checkout copies them (and what else decides the result), hashed. */
function sourceHash(): string {
  const env = { ...process.env };
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"]) delete env[key];
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    .split("\0")
    .filter((f) => f && f !== "node_modules" && !f.startsWith("test/"))
    .sort();
  const hash = createHash("sha1").update(`${process.version}\0${ROOT}\0`);
  for (const f of files) {
    const full = path.join(ROOT, f);
    const stat = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!stat) continue;
    hash.update(`${f}\0${stat.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : stat.isFile() ? createHash("sha1").update(fs.readFileSync(full)).digest("hex") : ""}\0`);
  }
  return hash.digest("hex").slice(0, 16);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Make the set-up in `dir` (a scratch folder renamed into place by the caller). */
function make(dir: string): void {
  const repo = checkoutOfWorkingTree(path.join(dir, "repo")).dir;
  linkNodeModules(repo);
  run(NPM, ["run", "--silent", "prepare"], { cwd: repo });
  // Packed where a user runs `npm pack`: the checkout's root (prepare has just run).
  const tarball = pack(repo, repo, true);
  const statusAfterPack = execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: repo, encoding: "utf8" });
  const synthOut = path.join(dir, "synth", "cdktf.out");
  fs.mkdirSync(path.dirname(synthOut));
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: synthOut, AML_DATAPATH_VERBOSE: "1" };
  for (const key of ["AML_DATAPATH_ENV", "AML_DATAPATH_LOCAL_STATE", "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS", "DEBUG"]) delete env[key];
  const synth = spawnSync(process.execPath, ["dist/main.js"], { cwd: repo, env, encoding: "utf8" });
  if (synth.status !== 0) throw new Error(`node dist/main.js failed in the shared checkout (${synth.status}):\n${synth.stderr}`);
  const built = { repo: "repo", tarball: path.relative(dir, tarball), statusAfterPack, synthOut: "synth/cdktf.out", synthStderr: synth.stderr };
  fs.writeFileSync(path.join(dir, "build.json"), JSON.stringify(built, null, 2));
}

function read(dir: string): SharedBuild {
  const b = JSON.parse(fs.readFileSync(path.join(dir, "build.json"), "utf8")) as SharedBuild;
  // Its last use: what the clean-up of old ones goes by.
  const now = new Date();
  fs.utimesSync(path.join(dir, "build.json"), now, now);
  return { ...b, repo: path.join(dir, b.repo), tarball: path.join(dir, b.tarball), synthOut: path.join(dir, b.synthOut) };
}

/** Remove set-ups (and scratch folders of dead makers) not used for KEEP_MS. */
function removeOld(keep: string): void {
  for (const name of fs.readdirSync(CACHE)) {
    const dir = path.join(CACHE, name);
    if (dir === keep || name.endsWith(".lock")) continue;
    const marker = fs.statSync(path.join(dir, "build.json"), { throwIfNoEntry: false }) ?? fs.statSync(dir, { throwIfNoEntry: false });
    if (marker && Date.now() - marker.mtimeMs > KEEP_MS) fs.rmSync(dir, { recursive: true, force: true });
  }
}

let made: SharedBuild | undefined;

/** The shared set-up for the working tree as it is now: made if there is none yet (about 10 s), else found. */
export function sharedBuild(): SharedBuild {
  if (made) return made;
  fs.mkdirSync(CACHE, { recursive: true });
  const hash = sourceHash();
  const dir = path.join(CACHE, hash);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    if (fs.existsSync(path.join(dir, "build.json"))) return (made = read(dir));
    try {
      fs.mkdirSync(lock);
    } catch {
      // Another process is making it: wait, unless it died.
      const owner = Number(fs.readFileSync(path.join(lock, "pid"), { encoding: "utf8", flag: "a+" }) || 0);
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if ((owner > 0 && !alive(owner)) || (owner === 0 && age > 60_000)) fs.rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${dir} (made by process ${owner})`);
      else sleep(200);
      continue;
    }
    try {
      fs.writeFileSync(path.join(lock, "pid"), String(process.pid));
      if (fs.existsSync(path.join(dir, "build.json"))) continue;
      const scratch = `${dir}.${process.pid}.partial`;
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        make(scratch);
      } catch (e) {
        fs.rmSync(scratch, { recursive: true, force: true });
        throw e;
      }
      fs.renameSync(scratch, dir);
      removeOld(dir);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** A copy of the shared checkout (dist/ included, node_modules linked) to change, in `dest`. */
export function copyOfRepo(dest: string): string {
  fs.cpSync(sharedBuild().repo, dest, { recursive: true, verbatimSymlinks: true });
  return dest;
}

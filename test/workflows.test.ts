/**
 * The GitHub Actions workflows (.github/workflows), checked offline: against the workflow schema
 * (@action-validator/core, WebAssembly), and against this repository: the npm scripts they call
 * exist, the environments they plan, deploy and verify are the app's (stacks/environments.ts), the
 * deploy jobs run dev -> test -> prod in a needs chain, one deploy per environment at a time, sign-in
 * by OpenID Connect only, a pinned Terraform >= 1.7, every action pinned to a commit SHA.
 *
 * Each check is a function returning its problems; every check is also run on a broken copy of the
 * workflows (`BREAKS`) and must report it, so none of them passes vacuously.
 */
import { validateWorkflow } from "@action-validator/core";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { environments } from "../stacks/environments";

const ROOT = path.join(__dirname, "..");
const DIR = path.join(ROOT, ".github", "workflows");
const APP_ENVS = environments.map((e) => String(e.name));
const SCRIPTS = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
const MIN_TERRAFORM = [1, 7, 0];

// ---------------------------------------------------------------------------------------------
// Reading workflows

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly doc: Obj;
}

interface Job {
  readonly wf: Workflow;
  readonly id: string;
  readonly job: Obj;
  /** Values of `strategy.matrix.env`, if any. */
  readonly matrixEnvs: readonly string[];
}

type Files = Readonly<Record<string, string>>;

function readFiles(): Files {
  return Object.fromEntries(
    fs
      .readdirSync(DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(DIR, f), "utf8")]),
  );
}

function load(files: Files): Workflow[] {
  return Object.entries(files).map(([file, text]) => {
    let doc: Obj = {};
    try {
      doc = (parse(text) as Obj) ?? {};
    } catch {
      // The schema check reports it.
    }
    return { file, text, doc };
  });
}

function jobsOf(wf: Workflow): Job[] {
  return Object.entries((wf.doc.jobs ?? {}) as Obj).map(([id, job]) => {
    const m = job?.strategy?.matrix?.env;
    return { wf, id, job: job ?? {}, matrixEnvs: Array.isArray(m) ? m.map(String) : [] };
  });
}

const steps = (j: Job): Obj[] => (Array.isArray(j.job.steps) ? j.job.steps : []);
const runText = (j: Job): string => steps(j).map((s) => (typeof s.run === "string" ? s.run : "")).join("\n");
const uses = (s: Obj, action: string): boolean => typeof s.uses === "string" && s.uses.toLowerCase().startsWith(`${action.toLowerCase()}@`);
const needsOf = (j: Job): string[] => (Array.isArray(j.job.needs) ? j.job.needs : j.job.needs ? [j.job.needs] : []).map(String);
const jobEnv = (j: Job): Obj => ({ ...(j.wf.doc.env ?? {}), ...(j.job.env ?? {}) });

/** `text` with `${{ matrix.env }}` put in for each matrix value; any other expression is left for the caller to see. */
function expand(text: string, j: Job): string[] {
  const m = /\$\{\{\s*matrix\.env\s*\}\}/g;
  if (!m.test(text)) return [text];
  return j.matrixEnvs.map((e) => text.replace(m, e));
}

/** The environment names a job plans, deploys, summarizes, verifies or is bound to. */
function environmentsUsed(j: Job): { deploy: string[]; plan: string[]; verify: string[]; bound: string[]; all: string[] } {
  const run = runText(j);
  // An argument: an expression (`${{ matrix.env }}`) or a plain word.
  const ARG = String.raw`(\$\{\{[^}]*\}\}|[\w.-]+)`;
  const grab = (re: string) => [...run.matchAll(new RegExp(re + ARG, "g"))].flatMap((m) => expand(m[1], j));
  const deploy = grab(String.raw`\bnpm\s+run\s+(?:--silent\s+)?deploy\s+--\s+`);
  const plan = grab(String.raw`\bnpm\s+run\s+(?:--silent\s+)?plan\s+--\s+`);
  const summary = grab(String.raw`\bnpm\s+run\s+(?:--silent\s+)?plan:summary\s+--\s+`);
  const verify = grab(String.raw`(?:\bnpm\s+run\s+(?:--silent\s+)?aml-datapath\s+--|\bnpx\s+aml-datapath|\bnode\s+bin/aml-datapath\.js)\s+verify\s+--env\s+`);
  const e = j.job.environment;
  const bound = e === undefined ? [] : expand(typeof e === "string" ? e : String(e?.name), j);
  return { deploy, plan, verify, bound, all: [...deploy, ...plan, ...summary, ...verify, ...bound] };
}

/** The workflow run on pull requests, on merges to main, and on a schedule. */
function roles(wfs: readonly Workflow[]): { pr?: Workflow; deploy?: Workflow; drift?: Workflow } {
  const on = (wf: Workflow): Obj => (typeof wf.doc.on === "object" && wf.doc.on !== null ? wf.doc.on : {});
  return {
    pr: wfs.find((wf) => "pull_request" in on(wf)),
    deploy: wfs.find((wf) => (on(wf).push?.branches ?? []).includes("main")),
    drift: wfs.find((wf) => Array.isArray(on(wf).schedule)),
  };
}

const allJobs = (wfs: readonly Workflow[]) => wfs.flatMap(jobsOf);
const signsIn = (j: Job) => steps(j).some((s) => uses(s, "azure/login")) || jobEnv(j).ARM_USE_OIDC !== undefined;
const runsTerraform = (j: Job) => /\bnpm\s+run\s+(?:--silent\s+)?(?:plan|deploy)\s+--/.test(runText(j));

// ---------------------------------------------------------------------------------------------
// The checks

type Check = (wfs: readonly Workflow[]) => string[];

const CHECKS: Readonly<Record<string, Check>> = {
  /** The GitHub Actions workflow schema, and YAML that parses. */
  schema: (wfs) =>
    wfs.flatMap((wf) => {
      // The validator warns on the console that it does not check globs (paths-ignore); that is all it says there.
      const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
      let errors: readonly Obj[];
      try {
        errors = validateWorkflow(wf.text).errors;
      } finally {
        warn.mockRestore();
      }
      const flat = (es: readonly Obj[]): string[] => es.flatMap((e) => [`${e.path ?? ""} ${e.title}${e.detail ? `: ${e.detail}` : ""}`, ...flat((e.states ?? []).flatMap((s: Obj) => s.errors))]);
      return errors.length ? [`${wf.file}: ${flat(errors).join("; ")}`] : [];
    }),

  /** Every `npm run <script>` is a script of package.json, and `npm test` is one. */
  npmScripts: (wfs) =>
    allJobs(wfs).flatMap((j) => {
      const run = runText(j);
      const names = [...run.matchAll(/\bnpm\s+run(?:-script)?((?:\s+--?[a-z][\w-]*)*)\s+([^\s;&|)"']+)/g)].map((m) => m[2]);
      if (/\bnpm\s+test\b/.test(run)) names.push("test");
      return names.filter((n) => !(n in SCRIPTS)).map((n) => `${j.wf.file} ${j.id}: npm run ${n}: no such script in package.json`);
    }),

  /** Every environment planned, deployed, summarized, verified or bound to is an environment of the app. */
  environments: (wfs) =>
    allJobs(wfs).flatMap((j) =>
      environmentsUsed(j)
        .all.filter((e) => !APP_ENVS.includes(e))
        .map((e) => `${j.wf.file} ${j.id}: environment "${e}" is not one of the app's (${APP_ENVS.join(", ")}: stacks/environments.ts)`),
    ),

  /** Pull requests plan every environment, merges deploy every environment, the drift check plans and verifies every environment. */
  coverage: (wfs) => {
    const { pr, deploy, drift } = roles(wfs);
    const problems: string[] = [];
    const covered = (wf: Workflow | undefined, what: "plan" | "deploy" | "verify", label: string) => {
      if (!wf) return problems.push(`no workflow ${label}`);
      const used = new Set(jobsOf(wf).flatMap((j) => environmentsUsed(j)[what]));
      for (const e of APP_ENVS) if (!used.has(e)) problems.push(`${wf.file}: ${label} does not ${what} ${e}`);
      return undefined;
    };
    covered(pr, "plan", "on pull requests");
    covered(deploy, "deploy", "on merges to main");
    covered(drift, "plan", "on a schedule");
    covered(drift, "verify", "on a schedule");
    return problems;
  },

  /** Merges deploy the environments in the app's order, each deploy job needing the one before; the first needs the tests. */
  order: (wfs) => {
    const { deploy } = roles(wfs);
    if (!deploy) return ["no workflow on merges to main"];
    const jobs = jobsOf(deploy);
    const deployer = (env: string) => jobs.filter((j) => environmentsUsed(j).deploy.includes(env));
    const problems: string[] = [];
    APP_ENVS.forEach((env, i) => {
      const own = deployer(env);
      if (own.length !== 1) return problems.push(`${deploy.file}: ${own.length} jobs deploy ${env} (one expected)`);
      const j = own[0];
      if (!environmentsUsed(j).bound.includes(env)) problems.push(`${deploy.file} ${j.id}: deploys ${env} without environment: ${env} (its approval gate)`);
      if (!/\bnpm\s+run\s+deploy\s+--\s+\S+.*--auto-approve/.test(runText(j))) problems.push(`${deploy.file} ${j.id}: npm run deploy without --auto-approve asks on a terminal CI does not have`);
      if (i === 0) {
        const tested = (id: string, seen: Set<string>): boolean => {
          const k = jobs.find((x) => x.id === id);
          if (!k || seen.has(id)) return false;
          seen.add(id);
          return /\bnpm\s+test\b/.test(runText(k)) || needsOf(k).some((n) => tested(n, seen));
        };
        if (!needsOf(j).some((n) => tested(n, new Set()))) problems.push(`${deploy.file} ${j.id}: deploys ${env} without needing a job that runs npm test`);
      } else {
        const before = deployer(APP_ENVS[i - 1])[0];
        if (before && !needsOf(j).includes(before.id)) problems.push(`${deploy.file} ${j.id}: deploys ${env} without needs: ${before.id} (${APP_ENVS[i - 1]} first)`);
      }
      return undefined;
    });
    return problems;
  },

  /** One deploy per environment at a time: a concurrency group per environment, never cancelled. */
  concurrency: (wfs) => {
    const problems: string[] = [];
    const groups = new Map<string, string>();
    for (const j of allJobs(wfs)) {
      const envs = environmentsUsed(j).deploy;
      if (envs.length === 0) continue;
      const c = j.job.concurrency;
      const group = typeof c === "string" ? c : c?.group;
      if (typeof group !== "string") {
        problems.push(`${j.wf.file} ${j.id}: deploys ${envs.join(", ")} without a concurrency group`);
        continue;
      }
      if (typeof c !== "object" || c["cancel-in-progress"] !== false) problems.push(`${j.wf.file} ${j.id}: concurrency must set cancel-in-progress: false (a cancelled apply leaves state locked and half applied)`);
      for (const [env, g] of envs.map((e) => [e, expand(group, j).find((x) => x.includes(e)) ?? group] as const)) {
        if (/\$\{\{/.test(g)) problems.push(`${j.wf.file} ${j.id}: concurrency group "${group}" depends on the run, not only on the environment`);
        else if (!g.includes(env)) problems.push(`${j.wf.file} ${j.id}: concurrency group "${g}" does not name the environment ${env}`);
        else if (groups.has(g) && groups.get(g) !== env) problems.push(`${j.wf.file} ${j.id}: concurrency group "${g}" is shared by ${groups.get(g)} and ${env}`);
        else groups.set(g, env);
      }
    }
    return problems;
  },

  /** Sign-in by OpenID Connect: id-token: write where (and only where) a job signs in, client/tenant/subscription ids from variables, no secret. */
  oidc: (wfs) => {
    const problems: string[] = [];
    const secretLike = /\bsecrets\.([A-Za-z_]*(?:SECRET|PASSWORD|CRED|CERT|KEY)[A-Za-z_]*)/gi;
    for (const wf of wfs) {
      for (const m of wf.text.matchAll(secretLike)) problems.push(`${wf.file}: uses secrets.${m[1]}: sign in with OpenID Connect, no client secret`);
      for (const m of wf.text.matchAll(/^\s*(ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|ARM_CLIENT_CERTIFICATE\w*|client-secret|creds)\s*:/gim)) problems.push(`${wf.file}: sets ${m[1]}: sign in with OpenID Connect, no client secret`);
      const top = wf.doc.permissions;
      if (top === "write-all" || top?.["id-token"] === "write") problems.push(`${wf.file}: id-token: write for the whole workflow (grant it to the jobs that sign in)`);
    }
    for (const j of allJobs(wfs)) {
      const perms = j.job.permissions ?? j.wf.doc.permissions;
      const idToken = perms === "write-all" || perms?.["id-token"] === "write";
      if (!signsIn(j)) {
        if (idToken) problems.push(`${j.wf.file} ${j.id}: id-token: write but the job does not sign in`);
        if (runsTerraform(j)) problems.push(`${j.wf.file} ${j.id}: runs Terraform against Azure without signing in`);
        continue;
      }
      if (!idToken) problems.push(`${j.wf.file} ${j.id}: signs in to Azure without permissions: id-token: write`);
      if (perms?.contents && perms.contents !== "read") problems.push(`${j.wf.file} ${j.id}: contents: ${perms.contents} (read is enough)`);
      const logins = steps(j).filter((s) => uses(s, "azure/login"));
      if (logins.length === 0) problems.push(`${j.wf.file} ${j.id}: no azure/login step (the Azure CLI session aml-datapath signs in with)`);
      for (const s of logins) {
        for (const k of ["client-id", "tenant-id", "subscription-id"]) {
          if (!/^\$\{\{\s*vars\.[A-Z_]+\s*\}\}$/.test(String(s.with?.[k] ?? ""))) problems.push(`${j.wf.file} ${j.id}: azure/login ${k} must come from a repository or environment variable (vars.*)`);
        }
      }
      const env = jobEnv(j);
      if (String(env.ARM_USE_OIDC) !== "true") problems.push(`${j.wf.file} ${j.id}: ARM_USE_OIDC must be "true" (azurerm, azapi and the state backend sign in with the job's token)`);
      for (const k of ["ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID"]) {
        if (!/^\$\{\{\s*vars\.[A-Z_]+\s*\}\}$/.test(String(env[k] ?? ""))) problems.push(`${j.wf.file} ${j.id}: ${k} must be set from a variable (vars.*)`);
      }
      const login = steps(j).findIndex((s) => uses(s, "azure/login"));
      const firstAzure = steps(j).findIndex((s) => typeof s.run === "string" && /\bnpm\s+run\s+(?:--silent\s+)?(?:plan|deploy|aml-datapath)\b/.test(s.run));
      if (login >= 0 && firstAzure >= 0 && firstAzure < login) problems.push(`${j.wf.file} ${j.id}: uses Azure before azure/login`);
    }
    return problems;
  },

  /** Terraform: hashicorp/setup-terraform with a pinned version >= 1.7 (the stacks' removed block), the same everywhere, no wrapper, before it is used. */
  terraform: (wfs) => {
    const problems: string[] = [];
    const versions = new Set<string>();
    for (const j of allJobs(wfs).filter(runsTerraform)) {
      const at = steps(j).findIndex((s) => uses(s, "hashicorp/setup-terraform"));
      if (at < 0) {
        problems.push(`${j.wf.file} ${j.id}: runs Terraform without hashicorp/setup-terraform`);
        continue;
      }
      const w = steps(j)[at].with ?? {};
      const v = typeof w.terraform_version === "string" ? w.terraform_version : "";
      if (!/^\d+\.\d+\.\d+$/.test(v)) problems.push(`${j.wf.file} ${j.id}: terraform_version "${w.terraform_version ?? ""}" must be an exact version (x.y.z)`);
      else if (v.split(".").map(Number).reduce((c: number, n: number, i: number) => c || n - MIN_TERRAFORM[i], 0) < 0) problems.push(`${j.wf.file} ${j.id}: Terraform ${v} is older than ${MIN_TERRAFORM.join(".")} (the stacks use a removed block)`);
      else versions.add(v);
      if (w.terraform_wrapper !== false) problems.push(`${j.wf.file} ${j.id}: terraform_wrapper must be false (the wrapper rewrites Terraform's output and exit codes)`);
      const used = steps(j).findIndex((s) => typeof s.run === "string" && /\bnpm\s+run\s+(?:plan|deploy)\b/.test(s.run));
      if (used >= 0 && used < at) problems.push(`${j.wf.file} ${j.id}: runs Terraform before setting it up`);
    }
    if (versions.size > 1) problems.push(`Terraform versions differ between jobs: ${[...versions].join(", ")}`);
    return problems;
  },

  /** Every action pinned to a full commit SHA with its release tag in a comment, the same pin everywhere. */
  pins: (wfs) => {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const wf of wfs) {
      for (const m of wf.text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)) {
        const [ref, rest] = [m[1], m[2]];
        if (ref.startsWith("./") || ref.startsWith("docker://")) continue;
        const pin = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/.exec(ref);
        const tag = /#\s*(v\d+\.\d+\.\d+)\s*$/.exec(rest);
        if (!pin || !tag) {
          problems.push(`${wf.file}: ${ref} is not pinned as <owner>/<repo>@<full commit SHA> # vX.Y.Z`);
          continue;
        }
        const key = pin[1].toLowerCase();
        const value = `${pin[2]} ${tag[1]}`;
        if (seen.has(key) && seen.get(key) !== value) problems.push(`${wf.file}: ${pin[1]} pinned as ${value}, elsewhere as ${seen.get(key)}`);
        seen.set(key, value);
      }
    }
    return problems;
  },

  /** Pull requests: npm ci, npm test, synth, a plan per environment whose summary goes to the job summary and whose file is kept. */
  pullRequests: (wfs) => {
    const { pr } = roles(wfs);
    if (!pr) return ["no workflow on pull requests"];
    const jobs = jobsOf(pr);
    const problems: string[] = [];
    const all = jobs.map(runText).join("\n");
    for (const [re, what] of [
      [/\bnpm\s+ci\b/, "npm ci"],
      [/\bnpm\s+test\b/, "npm test"],
      [/\bnpm\s+run\s+synth\b/, "npm run synth"],
    ] as const) {
      if (!re.test(all)) problems.push(`${pr.file}: does not run ${what}`);
    }
    for (const j of jobs.filter((x) => environmentsUsed(x).plan.length > 0)) {
      if (!/\bnpm\s+run\s+--silent\s+plan:summary\s+--\s+\S+[^\n]*>>?\s*"?\$GITHUB_STEP_SUMMARY|plan:summary[^\n]*\|\s*tee\s+-a\s+"?\$GITHUB_STEP_SUMMARY/.test(runText(j))) problems.push(`${pr.file} ${j.id}: the plan summary does not go to $GITHUB_STEP_SUMMARY`);
      const upload = steps(j).find((s) => uses(s, "actions/upload-artifact"));
      const kept = String(upload?.with?.path ?? "")
        .split("\n")
        .some((line) => /^cdktf\.out\/stacks\/\$\{\{\s*matrix\.env\s*\}\}(?:\/tfplan)?$/.test(line.trim()));
      if (!kept) problems.push(`${pr.file} ${j.id}: the plan (cdktf.out/stacks/<env>/tfplan) is not kept as an artifact`);
      if (!/-lock=false/.test(String(jobEnv(j).TF_CLI_ARGS_plan ?? ""))) problems.push(`${pr.file} ${j.id}: a pull request's plan must not take the state lock (TF_CLI_ARGS_plan: -lock=false)`);
    }
    return problems;
  },

  /** The drift check: daily and on demand; terraform plan -detailed-exitcode and aml-datapath verify per environment; fails when either found a difference. */
  drift: (wfs) => {
    const { drift } = roles(wfs);
    if (!drift) return ["no scheduled workflow"];
    const problems: string[] = [];
    const crons = (drift.doc.on.schedule as Obj[]).map((s) => String(s.cron));
    if (!crons.some((c) => /^\S+\s+\S+\s+\*\s+\*\s+\*$/.test(c))) problems.push(`${drift.file}: no daily cron (${crons.join(", ")})`);
    if (!("workflow_dispatch" in drift.doc.on)) problems.push(`${drift.file}: cannot be started by hand (workflow_dispatch)`);
    for (const j of jobsOf(drift).filter((x) => environmentsUsed(x).plan.length > 0)) {
      if (!/-detailed-exitcode/.test(String(jobEnv(j).TF_CLI_ARGS_plan ?? ""))) problems.push(`${drift.file} ${j.id}: terraform plan without -detailed-exitcode cannot tell "no changes" from "changes"`);
      if (j.matrixEnvs.length === 0) problems.push(`${drift.file} ${j.id}: not a matrix over the environments`);
      const last = steps(j)[steps(j).length - 1] ?? {};
      const fails = /exit 1/.test(String(last.run ?? "")) && /steps\.plan\.outputs\.exitcode/.test(JSON.stringify(last.env ?? {})) && /steps\.verify\.outputs\.exitcode/.test(JSON.stringify(last.env ?? {}));
      if (!fails) problems.push(`${drift.file} ${j.id}: the last step does not fail the job on the plan's and verify's differences`);
    }
    return problems;
  },
};

// ---------------------------------------------------------------------------------------------
// Broken copies: each must be reported by its check

interface Break {
  readonly check: keyof typeof CHECKS;
  readonly file: string;
  readonly from: string | RegExp;
  readonly to: string;
  /** A problem the check must report. */
  readonly expect: RegExp;
}

const BREAKS: readonly Break[] = [
  { check: "schema", file: "deploy.yml", from: "cancel-in-progress: false", to: "cancel-in-progress: maybe", expect: /deploy\.yml: .*cancel-in-progress/ },
  { check: "schema", file: "plan.yml", from: "    runs-on: ubuntu-24.04\n", to: "    runs_on: ubuntu-24.04\n", expect: /plan\.yml: .*runs-on/ },
  { check: "schema", file: "drift.yml", from: "run: |\n          found", to: "run: found: |\n          found", expect: /drift\.yml: .*Parse Error/ },
  { check: "npmScripts", file: "plan.yml", from: "npm run --silent plan:summary", to: "npm run --silent plan:sumary", expect: /npm run plan:sumary: no such script/ },
  { check: "npmScripts", file: "deploy.yml", from: "npm run deploy -- test", to: "npm run deploy-all -- test", expect: /npm run deploy-all: no such script/ },
  { check: "environments", file: "drift.yml", from: "env: [dev, test, prod]", to: "env: [dev, test, prd]", expect: /environment "prd" is not one of the app's/ },
  { check: "environments", file: "deploy.yml", from: "environment: test\n", to: "environment: testing\n", expect: /deploy-test: environment "testing"/ },
  { check: "environments", file: "deploy.yml", from: "verify --env prod", to: "verify --env production", expect: /environment "production"/ },
  { check: "coverage", file: "plan.yml", from: "env: [dev, test, prod]", to: "env: [dev, test]", expect: /on pull requests does not plan prod/ },
  { check: "coverage", file: "drift.yml", from: "npm run --silent aml-datapath -- verify --env ${{ matrix.env }}", to: "echo skipped", expect: /on a schedule does not verify dev/ },
  { check: "order", file: "deploy.yml", from: "needs: deploy-dev", to: "needs: test", expect: /deploy-test: deploys test without needs: deploy-dev/ },
  { check: "order", file: "deploy.yml", from: "needs: [deploy-test, plan-prod]", to: "needs: [plan-prod]", expect: /deploy-prod: deploys prod without needs: deploy-test/ },
  { check: "order", file: "deploy.yml", from: "    needs: test\n", to: "", expect: /deploy-dev: deploys dev without needing a job that runs npm test/ },
  { check: "order", file: "deploy.yml", from: "npm run deploy -- prod --auto-approve", to: "npm run deploy -- prod", expect: /deploy-prod: npm run deploy without --auto-approve/ },
  { check: "order", file: "deploy.yml", from: "    environment: prod\n", to: "", expect: /deploy-prod: deploys prod without environment: prod/ },
  { check: "concurrency", file: "deploy.yml", from: "group: deploy-prod", to: "group: deploy-${{ github.run_id }}", expect: /deploy-prod: concurrency group .* depends on the run/ },
  { check: "concurrency", file: "deploy.yml", from: "group: deploy-test", to: "group: deploy-dev", expect: /deploy-test: concurrency group "deploy-dev" does not name the environment test/ },
  { check: "concurrency", file: "deploy.yml", from: /(group: deploy-dev\n\s+cancel-in-progress: )false/, to: "$1true", expect: /deploy-dev: concurrency must set cancel-in-progress: false/ },
  { check: "concurrency", file: "deploy.yml", from: /\n    concurrency:\n      group: deploy-test\n      cancel-in-progress: false/, to: "", expect: /deploy-test: deploys test without a concurrency group/ },
  { check: "oidc", file: "deploy.yml", from: /(  deploy-prod:[\s\S]*?)      id-token: write\n/, to: "$1", expect: /deploy-prod: signs in to Azure without permissions: id-token: write/ },
  { check: "oidc", file: "drift.yml", from: "tenant-id: ${{ vars.AZURE_TENANT_ID }}", to: "tenant-id: ${{ vars.AZURE_TENANT_ID }}\n          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}", expect: /uses secrets\.AZURE_CLIENT_SECRET/ },
  { check: "oidc", file: "plan.yml", from: 'ARM_USE_OIDC: "true"', to: 'ARM_USE_OIDC: "true"\n      ARM_CLIENT_SECRET: ${{ secrets.SP_PASSWORD }}', expect: /sets ARM_CLIENT_SECRET/ },
  { check: "oidc", file: "plan.yml", from: "permissions:\n  contents: read\n", to: "permissions:\n  contents: read\n  id-token: write\n", expect: /plan\.yml: id-token: write for the whole workflow/ },
  { check: "oidc", file: "deploy.yml", from: /(  deploy-dev:[\s\S]*?)      ARM_USE_OIDC: "true"\n/, to: "$1", expect: /deploy-dev: ARM_USE_OIDC must be "true"/ },
  { check: "oidc", file: "drift.yml", from: "client-id: ${{ vars.AZURE_CLIENT_ID }}", to: "client-id: 00000000-0000-0000-0000-000000000000", expect: /azure\/login client-id must come from a repository or environment variable/ },
  { check: "terraform", file: "drift.yml", from: "terraform_version: 1.15.9", to: "terraform_version: 1.6.6", expect: /Terraform 1\.6\.6 is older than 1\.7\.0/ },
  { check: "terraform", file: "plan.yml", from: "terraform_version: 1.15.9", to: "terraform_version: latest", expect: /terraform_version "latest" must be an exact version/ },
  { check: "terraform", file: "deploy.yml", from: /(  deploy-test:[\s\S]*?)terraform_wrapper: false/, to: "$1terraform_wrapper: true", expect: /deploy-test: terraform_wrapper must be false/ },
  { check: "pins", file: "plan.yml", from: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", to: "actions/checkout@v7", expect: /actions\/checkout@v7 is not pinned/ },
  { check: "pins", file: "drift.yml", from: "# v4.0.1", to: "# v4.0.0", expect: /hashicorp\/setup-terraform pinned as .* v4\.0\.0, elsewhere as .* v4\.0\.1|hashicorp\/setup-terraform pinned as .* v4\.0\.1, elsewhere as .* v4\.0\.0/ },
  { check: "pullRequests", file: "plan.yml", from: 'npm run --silent plan:summary -- ${{ matrix.env }} | tee -a "$GITHUB_STEP_SUMMARY"', to: "npm run --silent plan:summary -- ${{ matrix.env }}", expect: /plan summary does not go to \$GITHUB_STEP_SUMMARY/ },
  { check: "pullRequests", file: "plan.yml", from: "            cdktf.out/stacks/${{ matrix.env }}\n", to: "            plan.txt\n", expect: /is not kept as an artifact/ },
  { check: "pullRequests", file: "plan.yml", from: "TF_CLI_ARGS_plan: -lock=false", to: "TF_CLI_ARGS_plan: -lock-timeout=1m", expect: /must not take the state lock/ },
  { check: "pullRequests", file: "plan.yml", from: "      - run: npm test\n", to: "", expect: /does not run npm test/ },
  { check: "drift", file: "drift.yml", from: "TF_CLI_ARGS_plan: -detailed-exitcode -lock=false", to: "TF_CLI_ARGS_plan: -lock=false", expect: /without -detailed-exitcode/ },
  { check: "drift", file: "drift.yml", from: '"17 5 * * *"', to: '"17 5 * * 1"', expect: /no daily cron/ },
  { check: "drift", file: "drift.yml", from: "  workflow_dispatch:\n", to: "", expect: /cannot be started by hand/ },
  { check: "drift", file: "drift.yml", from: '            exit 1\n          fi\n          echo "${{ matrix.env }} matches main"', to: '          fi\n          echo "${{ matrix.env }} matches main"', expect: /last step does not fail the job/ },
];

function broken(files: Files, b: Break): Files {
  const text = files[b.file];
  if (text === undefined) throw new Error(`no workflow ${b.file}`);
  const next = typeof b.from === "string" ? text.replace(b.from, b.to) : text.replace(b.from, b.to);
  if (next === text) throw new Error(`break of ${b.check} in ${b.file}: "${b.from}" not found (the workflow changed: update the break)`);
  return { ...files, [b.file]: next };
}

// ---------------------------------------------------------------------------------------------

describe("GitHub Actions workflows", () => {
  const files = readFiles();
  const wfs = load(files);

  test("the workflows exist: on pull requests, on merges to main, on a schedule", () => {
    const r = roles(wfs);
    expect([r.pr?.file, r.deploy?.file, r.drift?.file]).toEqual(["plan.yml", "deploy.yml", "drift.yml"]);
  });

  test.each(Object.keys(CHECKS))("%s: no problems", (name) => {
    expect(CHECKS[name](wfs)).toEqual([]);
  });

  test.each(BREAKS.map((b) => [`${b.check}: ${b.file} ${String(b.from).split("\n")[0].slice(0, 60)} -> ${b.to.split("\n")[0].slice(0, 40)}`, b] as const))("a broken copy is reported: %s", (_, b) => {
    const problems = CHECKS[b.check](load(broken(files, b)));
    expect(problems.join("\n")).toMatch(b.expect);
  });

  test("every check has a broken copy it reports", () => {
    expect(Object.keys(CHECKS).filter((c) => !BREAKS.some((b) => b.check === c))).toEqual([]);
  });

  test("the README's promotion section: a federated credential subject per environment, the commands another CI runs, the pinned Terraform", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const start = readme.indexOf("### Promote to test and prod");
    const section = readme.slice(start, readme.indexOf("\n## ", start));
    expect(start).toBeGreaterThan(0);
    for (const env of APP_ENVS) expect(section).toContain(`\`repo:<owner>/<repo>:environment:${env}\``);
    expect(section).toContain("`repo:<owner>/<repo>:pull_request`");
    expect(section).toContain("`repo:<owner>/<repo>:ref:refs/heads/main`");
    const scripts = [...section.matchAll(/\bnpm\s+run\s+(?:--silent\s+)?([\w:.-]+)/g)].map((m) => m[1]);
    expect(scripts).toEqual(expect.arrayContaining(["plan", "plan:summary", "deploy", "aml-datapath"]));
    expect(scripts.filter((n) => !(n in SCRIPTS))).toEqual([]);
    const versions = new Set(allJobs(wfs).flatMap((j) => steps(j).filter((st) => uses(st, "hashicorp/setup-terraform")).map((st) => String(st.with?.terraform_version))));
    expect([...versions].map((v) => section.includes(`Terraform ${v}`))).toEqual([true]);
  });

  test("the environments come from the app: a new environment in stacks/environments.ts must be added to every workflow", () => {
    const saved = [...APP_ENVS];
    APP_ENVS.push("staging");
    try {
      expect(CHECKS.coverage(wfs)).toEqual(
        expect.arrayContaining(["plan.yml: on pull requests does not plan staging", "deploy.yml: on merges to main does not deploy staging", "drift.yml: on a schedule does not verify staging"]),
      );
      expect(CHECKS.order(wfs)).toContain("deploy.yml: 0 jobs deploy staging (one expected)");
    } finally {
      APP_ENVS.splice(0, APP_ENVS.length, ...saved);
    }
  });
});

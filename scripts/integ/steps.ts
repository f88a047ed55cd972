/**
 * The integration run against a real subscription, as plain steps over injected side effects
 * (commands, synth, the CLI), so the orchestration is unit-tested here with fakes even though
 * Azure is not. `npm run integ -- <env>` wires the real ones (scripts/integ/main.ts).
 *
 * It deploys a throwaway copy of an environment (random name suffix, local state, its own resource
 * group), uploads a generated parquet tree, runs the pipeline through the CLI, checks results.jsonl,
 * requires a second plan with no changes, changes process.py and requires an apply without any
 * asset-version DELETE, and always destroys what it created.
 */
import * as path from "path";
import { EnvironmentConfig } from "../../stacks/config";
import { addEnvironments, synthToDisk } from "../../stacks/app";
import { deriveNames } from "../../lib/core/naming";
import { pipelineDefaults } from "../../lib/pipeline/naming";
import { AML_API_VERSION } from "../../lib/pipeline/aml-assets";
import { isRoleNotYetOnStorage, RetryPolicy, ROLE_PROPAGATION_RETRY, roleWaitMessage } from "../deploy";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
export type Exec = (cmd: string, args: readonly string[], opts?: { readonly cwd?: string }) => Promise<CommandResult>;

export interface IntegDeps {
  readonly exec: Exec;
  readonly log: (line: string) => void;
  readonly vars: NodeJS.ProcessEnv;
  /** Scratch folder of this run (synth output, generated data, downloads). */
  readonly workDir: string;
  /** Random lowercase suffix that makes every global name of the copy unique. */
  readonly suffix: string;
  /** Synthesize `config` into `outdir` (its stack at `<outdir>/stacks/<name>`); an error message on failure. */
  readonly synth: (config: EnvironmentConfig, outdir: string) => string | undefined;
  /** The CLI, in process: resolves to its exit code and everything it printed. */
  readonly cli: (argv: string[], config: EnvironmentConfig) => Promise<{ code: number; output: string }>;
  /** Copy the pipeline code folder and append `line` to its process.py; returns the copy's path. */
  readonly changedCodeCopy: (from: string, line: string) => string;
  readonly readFile: (file: string) => string;
  /** Folder of the library's step code. */
  readonly pipelineDir: string;
  /** @default a real wait */
  readonly sleep?: (seconds: number) => Promise<void>;
  /**
   * How long the first apply waits for the deployer's storage role to reach the data plane.
   * @default ROLE_PROPAGATION_RETRY (6 attempts over 30 minutes, as `npm run deploy`)
   */
  readonly retry?: RetryPolicy;
}

/** Files in the generated tree (small: the point is the wiring, not the scale). */
export const INTEG_FILES = 12;

export type Preflight = { readonly ok: true; readonly subscriptionId: string } | { readonly ok: false; readonly reason: string };

/** Everything the run needs, checked before anything is created. */
export async function preflight(d: IntegDeps): Promise<Preflight> {
  const sub = d.vars.ARM_SUBSCRIPTION_ID;
  if (!sub) return { ok: false, reason: "ARM_SUBSCRIPTION_ID is not set (a subscription to deploy a throwaway copy into)" };
  const checks: [string, string[], string][] = [
    ["az", ["account", "show", "--subscription", sub, "--output", "none"], `no Azure sign-in works for subscription ${sub} (run az login)`],
    ["terraform", ["version"], "terraform (>= 1.8) is not installed"],
    ["python3", ["-c", "import pyarrow"], "python3 with pyarrow is needed to write the test's parquet files (pip install pyarrow)"],
  ];
  for (const [cmd, args, reason] of checks) {
    const r = await d.exec(cmd, args).catch(() => ({ code: 127, stdout: "", stderr: "" }));
    if (r.code !== 0) return { ok: false, reason };
  }
  return { ok: true, subscriptionId: sub };
}

/**
 * A copy of `base` that can be created and removed freely: unique names, local state, no triggers,
 * protection off. A prod-tier environment is deployed as tier "test" with prod's settings otherwise
 * (the prod tier requires delete protection, which would keep the copy from being destroyed). In the
 * test tier findings are errors, so key vault purge protection being off is a suppressed finding
 * with its reason; soft-delete retention stays at the rule's minimum of 7 days (it holds nothing
 * back: deleting the account deletes its soft-deleted blobs).
 */
export function throwawayConfig(base: EnvironmentConfig, suffix: string, subscriptionId: string, deployerIp?: string): EnvironmentConfig {
  const network =
    base.network.profile === "private" && deployerIp ? { ...base.network, deployerIpAllowList: [...(base.network.deployerIpAllowList ?? []), deployerIp] } : base.network;
  const { schedule: _schedule, blobTrigger: _blobTrigger, ...pipeline } = base.pipeline;
  return {
    ...base,
    tier: base.tier === "prod" ? "test" : base.tier,
    nameSuffix: suffix,
    subscriptionId,
    backend: undefined,
    network,
    protection: { preventDestroy: false, purgeProtection: false, blobSoftDeleteRetentionDays: 7 },
    suppressions: [
      ...(base.suppressions ?? []),
      {
        ruleId: "key-vault-purge-protection",
        path: "workspace/key-vault",
        reason: "Throwaway integration copy, destroyed at the end of the run: purge protection would keep its soft-deleted key vault for 90 days.",
      },
    ],
    pipeline,
    tags: { ...(base.tags ?? {}), purpose: "aml-datapath-integ" },
  };
}

/**
 * Synthesize the throwaway copy into `outdir` with local state (`--local-state`: the copy has no
 * backend, which the test tier requires otherwise). The state file lands in `<outdir>/../state`,
 * outside the output every synth replaces. An error message on failure.
 */
export function synthWithLocalState(config: EnvironmentConfig, outdir: string, vars: NodeJS.ProcessEnv = process.env): string | undefined {
  const outcome = synthToDisk((app) => addEnvironments(app, [config], { ...vars, AML_DATAPATH_LOCAL_STATE: "1" }), outdir);
  return outcome.ok ? undefined : outcome.message;
}

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
}

const failure = (r: CommandResult, what: string): Error => new Error(`${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
const must = async (d: IntegDeps, cmd: string, args: string[], what: string, cwd?: string): Promise<CommandResult> => {
  const r = await d.exec(cmd, args, cwd ? { cwd } : undefined);
  if (r.code !== 0) throw failure(r, what);
  return r;
};
const tf = (dir: string, ...args: string[]) => [`-chdir=${dir}`, ...args];

/**
 * Synthesize, init and apply. When the apply fails only because storage refused the step code
 * upload with 403 AuthorizationPermissionMismatch (the deployer's new role has not reached storage's
 * data plane), it waits and applies again, as `npm run deploy` does; any other failure ends it.
 */
export async function deploy(d: IntegDeps, cfg: EnvironmentConfig, outdir: string): Promise<string> {
  const problem = d.synth(cfg, outdir);
  if (problem) throw new Error(`synth failed: ${problem}`);
  const dir = path.join(outdir, "stacks", cfg.name);
  await must(d, "terraform", tf(dir, "init", "-input=false"), "terraform init");
  const retry = d.retry ?? ROLE_PROPAGATION_RETRY;
  const sleep = d.sleep ?? ((seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000)));
  for (let attempt = 1; attempt < retry.attempts; attempt++) {
    const r = await d.exec("terraform", tf(dir, "apply", "-input=false", "-auto-approve"));
    if (r.code === 0) return dir;
    if (!isRoleNotYetOnStorage(`${r.stdout}\n${r.stderr}`)) throw failure(r, "first terraform apply");
    const wait = retry.delaySeconds(attempt + 1);
    d.log(`integ: ${roleWaitMessage(attempt + 1, retry.attempts, wait)}`);
    await sleep(wait);
  }
  await must(d, "terraform", tf(dir, "apply", "-input=false", "-auto-approve"), "first terraform apply");
  return dir;
}

/** A folder of INTEG_FILES parquet files under `integ/<suffix>` of the input container. */
export async function uploadTree(d: IntegDeps, cfg: EnvironmentConfig): Promise<string> {
  const local = path.join(d.workDir, "tree");
  const remote = `integ/${d.suffix}`;
  await must(d, "python3", [path.join(__dirname, "make_parquet_tree.py"), "--out", local, "--files", String(INTEG_FILES)], "generating parquet files");
  const account = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "").storageAccount;
  // Key auth: the deployer can list keys (it owns the group) but has no data role on the input container.
  await must(d, "az", ["storage", "blob", "upload-batch", "--account-name", account, "--auth-mode", "key", "--destination", cfg.data.inputContainer, "--destination-path", remote, "--source", local, "--output", "none"], "uploading the parquet tree");
  return remote;
}

/** Starts a run on `relativePath` with the CLI and follows it; the run id. */
export async function runPipeline(d: IntegDeps, cfg: EnvironmentConfig, relativePath: string): Promise<string> {
  const r = await d.cli(["run", "--env", cfg.name, "--path", relativePath, "--follow", "--timeout", "7200"], cfg);
  const runId = /Started run ([0-9a-f-]{36})/.exec(r.output)?.[1];
  if (r.code !== 0 || !runId) throw new Error(`the run did not succeed (exit ${r.code}): ${r.output.trim().split("\n").slice(-6).join(" | ")}`);
  return runId;
}

/** results.jsonl of the run has one row per input file, each naming its file. */
export async function checkResults(d: IntegDeps, cfg: EnvironmentConfig, runId: string): Promise<void> {
  const account = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "").storageAccount;
  const blob = `runs/${pipelineDefaults.adfPipelineName(cfg.pipeline.name)}/${runId}/results.jsonl`;
  const file = path.join(d.workDir, "results.jsonl");
  await must(d, "az", ["storage", "blob", "download", "--account-name", account, "--auth-mode", "key", "--container-name", cfg.data.outputContainer, "--name", blob, "--file", file, "--output", "none"], "downloading results.jsonl");
  const rows = d.readFile(file).split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { relative_path?: string });
  if (rows.length !== INTEG_FILES) throw new Error(`results.jsonl has ${rows.length} rows, expected ${INTEG_FILES} (one per file)`);
  const missing = rows.filter((r) => typeof r.relative_path !== "string");
  if (missing.length > 0) throw new Error(`${missing.length} result rows name no file`);
}

/** A second plan right after the apply must show no changes (`-detailed-exitcode`: 0 none, 2 changes). */
export async function secondPlanIsEmpty(d: IntegDeps, dir: string): Promise<void> {
  const r = await d.exec("terraform", tf(dir, "plan", "-input=false", "-detailed-exitcode", "-no-color"));
  if (r.code === 2) {
    const changed = r.stdout.split("\n").filter((l) => /^\s+# .* will be /.test(l)).map((l) => l.trim());
    throw new Error(`the second plan shows changes: ${changed.join("; ") || "see terraform plan"}`);
  }
  if (r.code !== 0) throw new Error(`terraform plan failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
}

interface PlannedChange {
  readonly address: string;
  readonly type: string;
  readonly change: { readonly actions: readonly string[]; readonly before?: { readonly type?: string; readonly resource_id?: string } | null };
}

/** ARM ids of the asset versions a plan replaces (their PUT requests are forgotten, the versions stay). */
export function replacedVersionIds(planJson: string): string[] {
  const plan = JSON.parse(planJson) as { resource_changes?: PlannedChange[] };
  return (plan.resource_changes ?? [])
    .filter((c) => c.type === "azapi_resource_action" && c.change.actions.includes("delete") && /\/(versions|batchEndpoints\/deployments)@/.test(String(c.change.before?.type ?? "")))
    .map((c) => String(c.change.before?.resource_id));
}

/** `aml-datapath verify`: every item of the stack must be `ok` on Azure (exit 0). */
export async function verifyMatches(d: IntegDeps, cfg: EnvironmentConfig, dir: string): Promise<string> {
  const r = await d.cli(["verify", "--env", cfg.name, "--stack-dir", dir], cfg);
  if (r.code !== 0) throw new Error(`verify found differences (exit ${r.code}): ${r.output.trim().split("\n").filter((l) => !/^ok /.test(l)).slice(0, 6).join(" | ")}`);
  return r.output.trim().split("\n").slice(-1)[0] ?? "ok";
}

/**
 * After the code change: the new deployment is the endpoint's default (verify checks the default) and
 * the earlier one still exists; pruning to one deployment deletes exactly the earlier one.
 */
export async function pruneKeepsTheDefault(d: IntegDeps, cfg: EnvironmentConfig, dir: string): Promise<string> {
  await verifyMatches(d, cfg, dir);
  const r = await d.cli(["prune-deployments", "--env", cfg.name, "--keep", "1"], cfg);
  const deleted = r.output.split("\n").filter((l) => l.startsWith("delete "));
  if (r.code !== 0 || deleted.length !== 1) throw new Error(`prune-deployments --keep 1 should delete exactly the earlier deployment (exit ${r.code}): ${r.output.trim().split("\n").slice(-6).join(" | ")}`);
  return deleted[0];
}

/** Resources `terraform show -json <plan>` would delete (replacements included). */
export function plannedDeletes(planJson: string): { address: string; armType: string }[] {
  const plan = JSON.parse(planJson) as { resource_changes?: PlannedChange[] };
  return (plan.resource_changes ?? [])
    .filter((c) => c.change.actions.includes("delete"))
    .map((c) => ({ address: c.address, armType: c.type.startsWith("azapi") ? String(c.change.before?.type ?? "") : "" }));
}

/** Change process.py, plan, refuse any asset-version DELETE, apply. */
export async function codeChangeKeepsVersions(d: IntegDeps, cfg: EnvironmentConfig, outdir: string, dir: string): Promise<EnvironmentConfig> {
  const code = d.changedCodeCopy(cfg.pipeline.codeDirectory ?? d.pipelineDir, `# integ change ${d.suffix}`);
  const changed = { ...cfg, pipeline: { ...cfg.pipeline, codeDirectory: code } };
  const problem = d.synth(changed, outdir);
  if (problem) throw new Error(`synth of the changed code failed: ${problem}`);
  await must(d, "terraform", tf(dir, "plan", "-input=false", "-out=code-change.tfplan"), "plan of the code change");
  const shown = await must(d, "terraform", tf(dir, "show", "-json", "code-change.tfplan"), "terraform show");
  const deletes = plannedDeletes(shown.stdout);
  // An azapi_resource_action is only forgotten on replacement (no request); an azapi_resource version would be DELETEd.
  const versionDeletes = deletes.filter((x) => x.address.startsWith("azapi_resource.") && /\/versions@/.test(x.armType));
  if (versionDeletes.length > 0) throw new Error(`the code change would DELETE asset versions: ${versionDeletes.map((x) => x.address).join(", ")}`);
  await must(d, "terraform", tf(dir, "apply", "-input=false", "code-change.tfplan"), "apply of the code change");
  // The old versions are still there for past jobs, and the apply leaves nothing to do.
  const api = AML_API_VERSION;
  for (const id of replacedVersionIds(shown.stdout)) {
    await must(d, "az", ["rest", "--method", "get", "--url", `https://management.azure.com${id}?api-version=${api}`, "--output", "none"], `reading the previous version ${id}`);
  }
  await secondPlanIsEmpty(d, dir);
  return changed;
}

/** terraform destroy; when it cannot finish, the resource group goes with everything in it. */
export async function destroy(d: IntegDeps, cfg: EnvironmentConfig, dir: string): Promise<string> {
  const r = await d.exec("terraform", tf(dir, "destroy", "-input=false", "-auto-approve"));
  if (r.code === 0) return "terraform destroy removed everything";
  const rg = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "").resourceGroup;
  const g = await d.exec("az", ["group", "delete", "--name", rg, "--yes", "--subscription", String(cfg.subscriptionId)]);
  if (g.code !== 0) throw new Error(`terraform destroy failed and so did deleting resource group ${rg}: delete it by hand`);
  return `terraform destroy failed (exit ${r.code}); resource group ${rg} was deleted instead`;
}

/** The whole run; resolves to the process exit code (0 also when skipped). */
export async function runInteg(d: IntegDeps, base: EnvironmentConfig): Promise<number> {
  const pre = await preflight(d);
  if (!pre.ok) {
    d.log(`integ: skipped: ${pre.reason}`);
    return 0;
  }
  if (base.network.profile === "private" && !d.vars.INTEG_DEPLOYER_IP) {
    d.log(`integ: note: ${base.name} is on the private profile; without INTEG_DEPLOYER_IP this machine must reach the storage account's private endpoint, or the code upload fails after the first (long) apply`);
  }
  let cfg = throwawayConfig(base, d.suffix, pre.subscriptionId, d.vars.INTEG_DEPLOYER_IP);
  const outdir = path.join(d.workDir, "cdktf.out");
  const dir = path.join(outdir, "stacks", cfg.name);
  const results: StepResult[] = [];
  let deployed = false;
  const step = async (name: string, body: () => Promise<string | void>): Promise<boolean> => {
    d.log(`integ: ${name} ...`);
    try {
      const detail = (await body()) ?? "ok";
      results.push({ step: name, ok: true, detail });
      return true;
    } catch (e) {
      results.push({ step: name, ok: false, detail: (e as Error).message });
      return false;
    }
  };
  let runId = "";
  let remote = "";
  const ok =
    (await step(`deploy ${cfg.name} as ${deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "").resourceGroup}`, async () => {
      deployed = true; // from here on, something may exist: always destroy
      await deploy(d, cfg, outdir);
    })) &&
    (await step("upload a parquet tree", async () => {
      remote = await uploadTree(d, cfg);
      return `${INTEG_FILES} files under ${remote}`;
    })) &&
    (await step("run the pipeline with the CLI", async () => {
      runId = await runPipeline(d, cfg, remote);
      return `run ${runId} succeeded`;
    })) &&
    (await step("check results.jsonl", () => checkResults(d, cfg, runId))) &&
    (await step("second plan shows no changes", () => secondPlanIsEmpty(d, dir))) &&
    (await step("verify: the live platform matches the stack", () => verifyMatches(d, cfg, dir))) &&
    (await step("change process.py: applied without deleting an asset version or deployment", async () => {
      cfg = await codeChangeKeepsVersions(d, cfg, outdir, dir);
    })) &&
    (await step("the new deployment is the default; pruning deletes only the earlier one", () => pruneKeepsTheDefault(d, cfg, dir)));
  if (deployed) await step("destroy everything it created", () => destroy(d, cfg, dir));
  for (const r of results) d.log(`${r.ok ? "PASS" : "FAIL"} ${r.step}: ${r.detail}`);
  return ok && results.every((r) => r.ok) ? 0 : 1;
}

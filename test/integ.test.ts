import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandResult, IntegDeps, INTEG_FILES, plannedDeletes, runInteg, synthWithLocalState, throwawayConfig } from "../scripts/integ/steps";
import { environments } from "../stacks/environments";
import { EnvironmentConfig, validateEnvironmentConfig } from "../stacks/config";
import { deriveNames } from "../lib/core/naming";

const SUB = "3c0f5e1a-9b7d-4e2c-8a6f-1d2e3f4a5b6c";
const RUN = "0b7c6e5e-1111-2222-3333-444455556666";
const base = environments[0];

interface Scenario {
  readonly vars?: NodeJS.ProcessEnv;
  /**
   * Exit code and output of a command, by a prefix of its command line; unmatched commands succeed
   * with no output. A list answers successive calls in turn (the last one repeats).
   */
  readonly answers?: [string, Partial<CommandResult> | Partial<CommandResult>[]][];
  readonly cliCode?: number;
  readonly verifyCode?: number;
  readonly verifyOutput?: string;
  readonly pruneOutput?: string;
  readonly results?: string;
  readonly synthProblem?: string;
}

function fakes(s: Scenario = {}) {
  const commands: string[] = [];
  const logs: string[] = [];
  const synths: EnvironmentConfig[] = [];
  const cliCalls: string[][] = [];
  const slept: number[] = [];
  const answered = new Map<string, number>();
  const deps: IntegDeps = {
    exec: async (cmd, args) => {
      const line = [cmd, ...args].join(" ");
      commands.push(line);
      const hit = (s.answers ?? []).find(([prefix]) => line.startsWith(prefix));
      let answer = hit?.[1] ?? {};
      if (Array.isArray(answer)) {
        const n = answered.get(hit![0]) ?? 0;
        answered.set(hit![0], n + 1);
        answer = answer[Math.min(n, answer.length - 1)];
      }
      // By default a plan shows nothing to delete.
      return { code: 0, stdout: line.includes(" show -json ") ? emptyPlan : "", stderr: "", ...answer };
    },
    sleep: async (seconds) => void slept.push(seconds),
    log: (l) => logs.push(l),
    vars: s.vars ?? { ARM_SUBSCRIPTION_ID: SUB },
    workDir: "/tmp/integ-x",
    suffix: "iabc12",
    synth: (cfg) => {
      synths.push(cfg);
      return s.synthProblem;
    },
    cli: async (argv) => {
      cliCalls.push(argv);
      const output: Record<string, string> = {
        run: `Started run ${RUN} of datapath\nRun ${RUN} succeeded in 300s.`,
        verify: s.verifyOutput ?? "ok batch endpoint\n12 ok, 0 missing, 0 differ",
        "prune-deployments": s.pruneOutput ?? "keep pipeline-bbbbbbbbbbbb (default)\ndelete pipeline-aaaaaaaaaaaa",
      };
      const code = argv[0] === "run" ? s.cliCode : argv[0] === "verify" ? s.verifyCode : undefined;
      return { code: code ?? 0, output: output[argv[0]] ?? "" };
    },
    changedCodeCopy: () => "/tmp/integ-x/code",
    readFile: () => s.results ?? Array.from({ length: INTEG_FILES }, (_, i) => JSON.stringify({ relative_path: `part/file-${i}.parquet`, status: "ok" })).join("\n"),
    pipelineDir: "/repo/pipeline",
  };
  return { deps, commands, logs, synths, cliCalls, slept };
}

const OLD_VERSION = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/codes/datapath-process/versions/0123456789abcdef";
// What a code change plans: the process code version's PUT is replaced (the old request forgotten).
const emptyPlan = JSON.stringify({
  resource_changes: [
    {
      address: "azapi_resource_action.pipeline_assets_process-code_version_1",
      type: "azapi_resource_action",
      change: { actions: ["delete", "create"], before: { type: "Microsoft.MachineLearningServices/workspaces/codes/versions@2024-04-01", resource_id: OLD_VERSION } },
    },
  ],
});
const dir = `/tmp/integ-x/cdktf.out/stacks/${base.name}`;

describe("npm run integ: skips cleanly without a subscription", () => {
  test("no ARM_SUBSCRIPTION_ID: one line saying why, exit 0, nothing run", async () => {
    const f = fakes({ vars: {} });
    expect(await runInteg(f.deps, base)).toBe(0);
    expect(f.logs).toEqual(["integ: skipped: ARM_SUBSCRIPTION_ID is not set (a subscription to deploy a throwaway copy into)"]);
    expect(f.commands).toEqual([]);
    expect(f.synths).toEqual([]);
  });

  test("no working sign-in: skipped, exit 0, nothing created", async () => {
    const f = fakes({ answers: [["az account show", { code: 1 }]] });
    expect(await runInteg(f.deps, base)).toBe(0);
    expect(f.logs).toEqual([`integ: skipped: no Azure sign-in works for subscription ${SUB} (run az login)`]);
    expect(f.synths).toEqual([]);
  });

  test("the real command skips here (no credentials on this machine)", () => {
    const root = path.join(__dirname, "..");
    const env = { ...process.env };
    delete env.ARM_SUBSCRIPTION_ID;
    const r = spawnSync(process.execPath, ["--require", "ts-node/register", "scripts/integ/main.ts", base.name], { cwd: root, env, encoding: "utf8" });
    expect([r.status, r.stdout.trim()]).toEqual([0, "integ: skipped: ARM_SUBSCRIPTION_ID is not set (a subscription to deploy a throwaway copy into)"]);
  }, 30_000);
});

describe("npm run integ: the orchestration", () => {
  test("every step in order, with the throwaway copy's names; exit 0", async () => {
    const f = fakes();
    expect(await runInteg(f.deps, base)).toBe(0);
    const n = deriveNames(base.projectPrefix, base.name, "iabc12");
    expect(f.commands).toEqual([
      `az account show --subscription ${SUB} --output none`,
      "terraform version",
      "python3 -c import pyarrow",
      `terraform -chdir=${dir} init -input=false`,
      `terraform -chdir=${dir} apply -input=false -auto-approve`,
      `python3 ${path.join(__dirname, "..", "scripts", "integ", "make_parquet_tree.py")} --out /tmp/integ-x/tree --files ${INTEG_FILES}`,
      `az storage blob upload-batch --account-name ${n.storageAccount} --auth-mode key --destination ${base.data.inputContainer} --destination-path integ/iabc12 --source /tmp/integ-x/tree --output none`,
      `az storage blob download --account-name ${n.storageAccount} --auth-mode key --container-name ${base.data.outputContainer} --name runs/datapath/${RUN}/results.jsonl --file /tmp/integ-x/results.jsonl --output none`,
      `terraform -chdir=${dir} plan -input=false -detailed-exitcode -no-color`,
      `terraform -chdir=${dir} plan -input=false -out=code-change.tfplan`,
      `terraform -chdir=${dir} show -json code-change.tfplan`,
      `terraform -chdir=${dir} apply -input=false code-change.tfplan`,
      `az rest --method get --url https://management.azure.com${OLD_VERSION}?api-version=2024-04-01 --output none`,
      `terraform -chdir=${dir} plan -input=false -detailed-exitcode -no-color`,
      `terraform -chdir=${dir} destroy -input=false -auto-approve`,
    ]);
    expect(f.cliCalls).toEqual([
      ["run", "--env", base.name, "--path", "integ/iabc12", "--follow", "--timeout", "7200"],
      ["verify", "--env", base.name, "--stack-dir", dir],
      // After the code change: the default moved (verify) and only the earlier deployment goes.
      ["verify", "--env", base.name, "--stack-dir", dir],
      ["prune-deployments", "--env", base.name, "--keep", "1"],
    ]);
    // The second synth carries the changed code; both are the throwaway copy.
    expect(f.synths.map((c) => [c.nameSuffix, c.pipeline.codeDirectory])).toEqual([["iabc12", undefined], ["iabc12", "/tmp/integ-x/code"]]);
    expect(f.logs.filter((l) => l.startsWith("PASS"))).toHaveLength(9);
  });

  test("verify finding a difference fails the run (with what differs), and everything is still destroyed", async () => {
    const f = fakes({ verifyCode: 1, verifyOutput: "ok batch endpoint\nmissing component version datapath_process 0123\n  restore: terraform apply -replace=x" });
    expect(await runInteg(f.deps, base)).toBe(1);
    expect(f.logs).toContain("FAIL verify: the live platform matches the stack: verify found differences (exit 1): missing component version datapath_process 0123 |   restore: terraform apply -replace=x");
    expect(f.commands[f.commands.length - 1]).toBe(`terraform -chdir=${dir} destroy -input=false -auto-approve`);
  });

  test("pruning that would delete anything but the one earlier deployment fails the run", async () => {
    const f = fakes({ pruneOutput: "keep pipeline-b (default)\ndelete pipeline-a\ndelete pipeline-c" });
    expect(await runInteg(f.deps, base)).toBe(1);
    expect(f.logs.some((l) => l.startsWith("FAIL the new deployment is the default; pruning deletes only the earlier one: prune-deployments --keep 1 should delete exactly the earlier deployment"))).toBe(true);
  });

  test("a second plan with changes fails the run, and everything is still destroyed", async () => {
    const f = fakes({ answers: [[`terraform -chdir=${dir} plan -input=false -detailed-exitcode`, { code: 2, stdout: "  # azapi_resource.x will be updated in-place\n" }]] });
    expect(await runInteg(f.deps, base)).toBe(1);
    expect(f.logs).toContain("FAIL second plan shows no changes: the second plan shows changes: # azapi_resource.x will be updated in-place");
    expect(f.commands[f.commands.length - 1]).toBe(`terraform -chdir=${dir} destroy -input=false -auto-approve`);
    expect(f.commands.some((c) => c.includes("code-change.tfplan"))).toBe(false);
  });

  test("a previous version that is gone after the code change fails the run", async () => {
    const f = fakes({ answers: [["az rest --method get", { code: 3, stderr: "(ResourceNotFound) not found" }]] });
    expect(await runInteg(f.deps, base)).toBe(1);
    expect(f.logs.some((l) => l.startsWith(`FAIL change process.py: applied without deleting an asset version or deployment: reading the previous version ${OLD_VERSION} failed (exit 3)`))).toBe(true);
  });

  test("a code change that would DELETE an asset version is refused before apply", async () => {
    const plan = JSON.stringify({
      resource_changes: [
        { address: "azapi_resource.p_process-code_version_1", type: "azapi_resource", change: { actions: ["delete", "create"], before: { type: "Microsoft.MachineLearningServices/workspaces/codes/versions@2024-04-01" } } },
        { address: "azapi_resource_action.p_assets_process-code_version_2", type: "azapi_resource_action", change: { actions: ["delete", "create"], before: { type: "Microsoft.MachineLearningServices/workspaces/codes/versions@2024-04-01" } } },
      ],
    });
    const f = fakes({ answers: [[`terraform -chdir=${dir} show -json`, { stdout: plan }]] });
    expect(await runInteg(f.deps, base)).toBe(1);
    expect(f.logs).toContain("FAIL change process.py: applied without deleting an asset version or deployment: the code change would DELETE asset versions: azapi_resource.p_process-code_version_1");
    expect(f.commands).not.toContain(`terraform -chdir=${dir} apply -input=false code-change.tfplan`);
    expect(f.commands[f.commands.length - 1]).toContain("destroy");
  });

  test("a failed first apply still destroys what it may have created; a failed destroy deletes the group", async () => {
    const f = fakes({ answers: [[`terraform -chdir=${dir} apply`, { code: 1, stderr: "Error: creating workspace" }], [`terraform -chdir=${dir} destroy`, { code: 1 }]] });
    expect(await runInteg(f.deps, base)).toBe(1);
    const rg = deriveNames(base.projectPrefix, base.name, "iabc12").resourceGroup;
    expect(f.commands.slice(-2)).toEqual([`terraform -chdir=${dir} destroy -input=false -auto-approve`, `az group delete --name ${rg} --yes --subscription ${SUB}`]);
    expect(f.logs).toContain("FAIL deploy dev as " + rg + ": first terraform apply failed (exit 1): Error: creating workspace");
  });

  test("a first apply refused only by storage's 403 (role not there yet) waits and applies again, like npm run deploy", async () => {
    const upload403 = `\u2577\n\u2502 Error: creating Blob "LocalUpload/abc/process.py" (Account "Account \\"stx\\" (IsEdgeZone false)" / Container Name "azureml-blobstore-x"):\n\u2502 PutBlockBlobFromFile: executing request: unexpected status 403 (403 This request is not authorized to\n\u2502 perform this operation using this permission.) with AuthorizationPermissionMismatch: This request is not\n\u2502 authorized to perform this operation using this permission.\n\u2575\n`;
    const apply = `terraform -chdir=${dir} apply -input=false -auto-approve`;
    const f = fakes({ answers: [[apply, [{ code: 1, stderr: upload403 }, { code: 1, stderr: upload403 }, { code: 0 }]]] });
    expect(await runInteg(f.deps, base)).toBe(0);
    expect(f.commands.filter((c) => c === apply)).toHaveLength(3);
    expect(f.logs.filter((l) => l.includes("waiting for the role assignment"))).toEqual([
      "integ: waiting for the role assignment to reach storage (attempt 2 of 6, next in 60 s)",
      "integ: waiting for the role assignment to reach storage (attempt 3 of 6, next in 120 s)",
    ]);
    expect(f.slept).toEqual([60, 120]);
    // Up to the limit, then the deploy step fails (and everything is destroyed).
    const stuck = fakes({ answers: [[apply, { code: 1, stderr: upload403 }]] });
    stuck.deps = { ...stuck.deps, retry: { attempts: 2, delaySeconds: () => 5 } } as IntegDeps;
    expect(await runInteg(stuck.deps, base)).toBe(1);
    expect(stuck.commands.filter((c) => c === apply)).toHaveLength(2);
    expect(stuck.slept).toEqual([5]);
    expect(stuck.commands[stuck.commands.length - 1]).toBe(`terraform -chdir=${dir} destroy -input=false -auto-approve`);
    // Another error is not waited for.
    const other = fakes({ answers: [[apply, { code: 1, stderr: "Error: creating Resource Group: unexpected status 403 (403 Forbidden) with error: AuthorizationFailed" }]] });
    expect(await runInteg(other.deps, base)).toBe(1);
    expect([other.commands.filter((c) => c === apply).length, other.slept]).toEqual([1, []]);
  });

  test("a run that does not succeed, or results without a row per file, fail the run", async () => {
    const failedRun = fakes({ cliCode: 1 });
    expect(await runInteg(failedRun.deps, base)).toBe(1);
    expect(failedRun.logs.some((l) => l.startsWith("FAIL run the pipeline with the CLI: the run did not succeed (exit 1)"))).toBe(true);
    const short = fakes({ results: JSON.stringify({ relative_path: "a.parquet" }) });
    expect(await runInteg(short.deps, base)).toBe(1);
    expect(short.logs).toContain(`FAIL check results.jsonl: results.jsonl has 1 rows, expected ${INTEG_FILES} (one per file)`);
  });
});

describe("the throwaway copy", () => {
  test.each(environments.map((e) => [e.name, e] as const))("%s: valid with local state, uniquely named, removable, no triggers", (_n, env) => {
    const copy = throwawayConfig(env, "iabc12", SUB, "203.0.113.9");
    expect(validateEnvironmentConfig(env.name, copy, { localState: true })).toEqual([]);
    // Without --local-state a test-tier copy (prod is deployed as test) would need a backend.
    expect(validateEnvironmentConfig(env.name, copy).map((p) => p.property)).toEqual(copy.tier === "dev" ? [] : ["backend"]);
    expect(copy).toMatchObject({ nameSuffix: "iabc12", subscriptionId: SUB, backend: undefined, protection: { preventDestroy: false, purgeProtection: false } });
    expect(copy.tier).toBe(env.tier === "prod" ? "test" : env.tier);
    expect([copy.pipeline.schedule, copy.pipeline.blobTrigger]).toEqual([undefined, undefined]);
    if (copy.network.profile === "private") expect(copy.network.deployerIpAllowList).toEqual(["203.0.113.9"]);
  });

  test("is synthesized with local state at a relative path (the copy has no backend), under the scratch folder", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "integ-synth-"));
    try {
      const prod = environments.find((e) => e.tier === "prod")!;
      const copy = throwawayConfig(prod, "iabc12", SUB, "203.0.113.9");
      const outdir = path.join(tmp, "cdktf.out");
      // Even with no local state requested by the caller's environment.
      expect(synthWithLocalState(copy, outdir, { AML_DATAPATH_LOCAL_STATE: undefined })).toBeUndefined();
      const stackDir = path.join(outdir, "stacks", copy.name);
      const text = fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8");
      expect(JSON.parse(text).terraform.backend).toEqual({ local: { path: `../../../state/${copy.name}.tfstate` } });
      expect(path.resolve(stackDir, `../../../state/${copy.name}.tfstate`)).toBe(path.join(tmp, "state", `${copy.name}.tfstate`));
      expect(text).not.toContain(tmp);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  test("plannedDeletes reads terraform show -json", () => {
    expect(plannedDeletes(JSON.stringify({ resource_changes: [{ address: "a.b", type: "azurerm_storage_blob", change: { actions: ["delete", "create"] } }, { address: "c.d", type: "x", change: { actions: ["update"] } }] }))).toEqual([
      { address: "a.b", armType: "" },
    ]);
  });
});

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeployDeps, deployCommands, DeployOptions, errorDiagnostics, isRoleNotYetOnStorage, isSignInFailure, parseDeployArgs, ROLE_PROPAGATION_RETRY, runDeploy, UsageError } from "../scripts/deploy";
import { environments } from "../stacks/environments";
import { synthApp, synthToDisk } from "../stacks/app";
import { Annotations, App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { sharedBuild } from "./shared-build";

const env = environments[environments.length - 1].name;
const dir = path.join("cdktf.out", "stacks", env);
const line = (c: { cmd: string; args: readonly string[] }) => [c.cmd, ...c.args].join(" ");

describe("npm run plan / deploy: the commands they run", () => {
  test("plan: build, synthesize with plain node, init with the configured backend, plan to a file", () => {
    // The npm scripts build first; the commands then run the compiled app.
    const scripts = JSON.parse(require("fs").readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).scripts;
    expect([scripts.plan, scripts.deploy]).toEqual(["npm run --silent build && node dist/scripts/deploy.js plan", "npm run --silent build && node dist/scripts/deploy.js deploy"]);
    const commands = deployCommands(parseDeployArgs("plan", [env], environments));
    expect(commands.map(line)).toEqual([
      "node dist/main.js",
      `terraform -chdir=${dir} init -input=false -reconfigure`,
      `terraform -chdir=${dir} plan -input=false -out=tfplan`,
    ]);
    // The synth prints only the planned environment's findings (every environment is still checked),
    // as one summary line; --verbose lists them.
    expect(commands[0].env).toEqual({ CHECKPOINT_DISABLE: "1", AML_DATAPATH_ENV: env, AML_DATAPATH_VERBOSE: "0" });
    expect(deployCommands(parseDeployArgs("plan", [env, "--verbose"], environments))[0].env).toMatchObject({ AML_DATAPATH_VERBOSE: "1" });
    expect(deployCommands(parseDeployArgs("deploy", ["--verbose", env], environments))[0].env).toMatchObject({ AML_DATAPATH_VERBOSE: "1" });
  });

  test("deploy: applies exactly the reviewed plan, after asking, unless --auto-approve", () => {
    const asked = deployCommands(parseDeployArgs("deploy", [env], environments));
    expect(line(asked[asked.length - 1])).toBe(`terraform -chdir=${dir} apply -input=false tfplan`);
    expect(asked[asked.length - 1].confirm).toBe(`Apply this plan to ${env}?`);
    const auto = deployCommands(parseDeployArgs("deploy", ["--auto-approve", env], environments));
    expect(auto[auto.length - 1].confirm).toBeUndefined();
  });

  test("--local-state synthesizes a local backend instead of the configured one", () => {
    const commands = deployCommands(parseDeployArgs("deploy", [env, "--local-state"], environments));
    expect(commands[0].env).toEqual({ CHECKPOINT_DISABLE: "1", AML_DATAPATH_ENV: env, AML_DATAPATH_VERBOSE: "0", AML_DATAPATH_LOCAL_STATE: "1" });
  });

  test.each([
    [[], /name one environment \(/],
    [["nosuchenv"], /unknown environment "nosuchenv": use one of /],
    [[env, "--force"], /unknown option --force/],
    [[env, "--verbose=1"], /unknown option --verbose=1/],
    [[env, "dev2"], /name one environment/],
  ])("usage errors before anything runs: %j", (argv, message) => {
    expect(() => parseDeployArgs("plan", argv, environments)).toThrow(UsageError);
    expect(() => parseDeployArgs("plan", argv, environments)).toThrow(message);
  });

  test("--auto-approve is not a plan option", () => {
    expect(() => parseDeployArgs("plan", [env, "--auto-approve"], environments)).toThrow(/unknown option --auto-approve/);
  });

  test("the synthesized stack has a local backend under state/ with --local-state, the configured one otherwise; AML_DATAPATH_ENV prints that environment's findings only", () => {
    // The compiled app, as plan and deploy run it (the shared build of the working tree), with
    // --local-state and AML_DATAPATH_ENV; the shared build's own synth is the one without either.
    const { repo, synthOut, synthStderr } = sharedBuild();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-synth-"));
    const vars: NodeJS.ProcessEnv = { ...process.env, AML_DATAPATH_VERBOSE: "1", AML_DATAPATH_LOCAL_STATE: "1", AML_DATAPATH_ENV: env, CDKTF_OUTDIR: out };
    delete vars.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    const r = spawnSync(process.execPath, ["dist/main.js"], { cwd: repo, env: vars, encoding: "utf8" });
    expect([r.status, r.stderr.includes("Synth failed")]).toEqual([0, false]);
    // Every environment is still synthesized.
    expect(environments.filter((e) => !fs.existsSync(path.join(out, "stacks", e.name, "cdk.tf.json")))).toEqual([]);
    const backend = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "stacks", env, "cdk.tf.json"), "utf8")).terraform.backend;
    expect(backend(out)).toEqual({ local: { path: `../../../state/${env}.tfstate` } });
    const cfg = environments.find((e) => e.name === env)!;
    expect(Object.keys(backend(synthOut))).toEqual(cfg.backend ? ["azurerm"] : ["local"]);
    fs.rmSync(out, { recursive: true, force: true });
    // Without AML_DATAPATH_ENV every environment's notes; with it, exactly the planned one's.
    const notesIn = (stderr: string) => stderr.split("\n").filter((l) => /^(warning|info): /.test(l));
    const [all, only] = [notesIn(synthStderr), notesIn(r.stderr)];
    const mine = (l: string) => l.includes(` ${env}/`) || l.includes(` ${env}: `);
    for (const other of environments.filter((e) => e.name !== env)) expect(all.some((l) => l.includes(` ${other.name}/`))).toBe(true);
    expect(only.length).toBeGreaterThan(0);
    expect(only.filter((l) => !mine(l))).toEqual([]);
    expect(only).toEqual(all.filter(mine));
  }, 240_000);
});

describe("the synth under plan/deploy: only the planned environment's findings, every environment checked", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "notes-of-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const twoStacks = (errorIn?: string) => (app: App) => {
    for (const name of ["one", "two"]) {
      const stack = new TerraformStack(app, name);
      new AzurermProvider(stack, "azurerm", { features: [{}] });
      new ResourceGroup(stack, "rg", { name: `rg-${name}`, location: "westeurope" });
      Annotations.of(stack).addWarning(`${name}: check the region`);
      Annotations.of(stack).addInfo(`${name}: nothing to do`);
      if (errorIn === name) Annotations.of(stack).addError(`${name}: a finding`);
    }
  };

  test("notesOf keeps one stack's notes; both stacks are still written", () => {
    const outdir = path.join(tmp, "filtered");
    expect(synthToDisk(twoStacks(), outdir, { notesOf: "two" })).toEqual({
      ok: true,
      notes: ["warning: two: check the region", "info: two: nothing to do"],
      summaries: [{ stack: "two", resources: 1, errors: 0, warnings: 1, acceptedExceptions: 0, infos: 1 }],
    });
    expect(["one", "two"].map((s) => fs.existsSync(path.join(outdir, "stacks", s, "cdk.tf.json")))).toEqual([true, true]);
    // A name that is no stack hides nothing.
    expect(synthToDisk(twoStacks(), path.join(tmp, "unknown"), { notesOf: "three" })).toMatchObject({ ok: true, notes: expect.arrayContaining(["warning: one: check the region", "warning: two: check the region"]) });
  });

  test("an error finding in another environment still fails the synth", () => {
    const outcome = synthToDisk(twoStacks("one"), path.join(tmp, "error"), { notesOf: "two" });
    // The notes shown with the failure are still only the planned environment's.
    expect(outcome).toEqual({ ok: false, message: "Synth failed with 1 error:\n  - one: a finding", notes: ["warning: two: check the region", "info: two: nothing to do"] });
  });

  test("synthApp reads AML_DATAPATH_ENV", () => {
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      synthApp(twoStacks(), { CDKTF_OUTDIR: path.join(tmp, "app"), AML_DATAPATH_ENV: "one", AML_DATAPATH_VERBOSE: "1" });
      expect(spy.mock.calls.map((c) => c.join(" "))).toEqual(["warning: one: check the region", "info: one: nothing to do", "one: 1 resource, 0 errors, 1 warning, 0 accepted exceptions, 1 other note"]);
      spy.mockClear();
      // As plan and deploy run it without --verbose.
      synthApp(twoStacks(), { CDKTF_OUTDIR: path.join(tmp, "app"), AML_DATAPATH_ENV: "one", AML_DATAPATH_VERBOSE: "0" });
      expect(spy.mock.calls.map((c) => c.join(" "))).toEqual(["one: 1 resource, 0 errors, 1 warning, 0 accepted exceptions, 1 other note (--verbose lists them)"]);
    } finally {
      spy.mockRestore();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Terraform's output: what azurerm 4.x prints, as Terraform lays it out when its output is a pipe.

/** Terraform's error box: word-wrapped at 78 columns, a "│ " margin, ╷ and ╵ around it. */
function boxed(text: string, width = 78): string {
  const lines: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(" ")) {
      if (line !== "" && line.length + 1 + word.length > width - 2) {
        lines.push(line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    lines.push(line);
  }
  return ["╷", ...lines.map((l) => `│ ${l}`.trimEnd()), "╵", ""].join("\n");
}

const ACCOUNT = `Account "Account \\"stamldptestx\\" (IsEdgeZone false / ZoneName \\"\\" / Subdomain Type \\"blob\\" / DomainSuffix \\"core.windows.net\\")" / Container Name "azureml-blobstore-6f1d2c3b-1a2b-4c5d-8e9f-0a1b2c3d4e5f"`;
const MISMATCH = "unexpected status 403 (403 This request is not authorized to perform this operation using this permission.)";
const REQUEST = "RequestId:1a2b3c4d-501e-0042-6a1b-2c3d4e000000\nTime:2026-05-04T10:11:12.1234567Z";
const withBlob = (address = "azurerm_storage_blob.pipeline_assets_process-code_blob_6A1B2C3D") =>
  `\n  with ${address},\n  on cdk.tf.json line 1234, in resource "azurerm_storage_blob" "${address.split(".")[1]}":\n1234:       }`;
/** azurerm 4.x, PUT of the blob (go-azure-sdk's storage error parser: "<Code>: <Message>"). */
const CREATE_403 = `Error: creating Blob "LocalUpload/4d1c0a2e9b7f/process.py" (${ACCOUNT}): PutBlockBlobFromFile: executing request: ${MISMATCH} with AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.\n${REQUEST}\n${withBlob()}`;
/** azurerm 4.x, the existence check before the PUT: a HEAD, so no body and no error code, only the status text. */
const HEAD_403 = `Error: checking for existing Blob "LocalUpload/4d1c0a2e9b7f/prepare.py" (${ACCOUNT}): executing request: ${MISMATCH} with EOF\n${withBlob("azurerm_storage_blob.pipeline_assets_prepare-code_blob_1F2E3D4C")}`;
/** azurerm 4.x, refreshing a blob uploaded by a previous attempt (plan). */
const READ_403 = `Error: retrieving properties for Blob "LocalUpload/4d1c0a2e9b7f/check_results.py" (${ACCOUNT}): executing request: ${MISMATCH} with EOF\n${withBlob("azurerm_storage_blob.pipeline_assets_check-code_blob_9A8B7C6D")}`;
/** The shape the issue quotes (and azurerm 3.x's autorest client): StatusCode=403 ... AuthorizationPermissionMismatch. */
const AUTOREST_403 = `Error: creating Blob "LocalUpload/4d1c0a2e9b7f/process.py" (Account "stamldptestx" / Container "azureml-blobstore-6f1d"): blobs.Client#PutBlockBlob: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="AuthorizationPermissionMismatch" Message="This request is not authorized to perform this operation using this permission."`;

/** Storage's firewall (network, not role): AuthorizationFailure, which waiting does not fix. */
const FIREWALL_403 = `Error: creating Blob "LocalUpload/4d1c0a2e9b7f/process.py" (${ACCOUNT}): PutBlockBlobFromFile: executing request: unexpected status 403 (403 This request is not authorized to perform this operation.) with AuthorizationFailure: This request is not authorized to perform this operation.\n${withBlob()}`;
/** The same code on another resource: not the code upload. */
const QUEUE_403 = `Error: retrieving queue properties for Storage Account (Subscription: "3c0f5e1a-9b7d-4e2c-8a6f-1d2e3f4a5b6c"\nResource Group Name: "rg-amldp-test"\nStorage Account Name: "stamldptestx"): executing request: ${MISMATCH} with AuthorizationPermissionMismatch: This request is not authorized to perform this operation using this permission.\n\n  with azurerm_storage_account.workspace_storage_7969F94B,\n  on cdk.tf.json line 880, in resource "azurerm_storage_account" "workspace_storage_7969F94B":`;
const ARM_403 = `Error: creating Role Assignment (Scope: "/subscriptions/3c0f5e1a-9b7d-4e2c-8a6f-1d2e3f4a5b6c/resourceGroups/rg-amldp-test"): unexpected status 403 (403 Forbidden) with error: AuthorizationFailed: The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'.\n\n  with azurerm_role_assignment.pipeline_code-access_deployer-upload_AB5C6CB7,`;
const BLOB_409 = `Error: creating Blob "LocalUpload/4d1c0a2e9b7f/process.py" (${ACCOUNT}): PutBlockBlobFromFile: executing request: unexpected status 409 (409 The specified blob already exists.) with BlobAlreadyExists: The specified blob already exists.\n${withBlob()}`;

describe("recognising the role assignment that has not reached storage yet", () => {
  test.each([
    ["azurerm 4.x: the blob PUT", CREATE_403],
    ["azurerm 4.x: the existence check (HEAD: status text only)", HEAD_403],
    ["azurerm 4.x: reading a blob uploaded by an earlier attempt", READ_403],
    ["StatusCode=403 ... AuthorizationPermissionMismatch (autorest)", AUTOREST_403],
  ])("accepts %s, boxed and wrapped, or plain", (_name, error) => {
    const wrapped = `azurerm_storage_blob.x: Creating...\n${boxed(error)}`;
    expect(wrapped.split("\n").every((l) => l.length <= 80)).toBe(true);
    expect(isRoleNotYetOnStorage(wrapped)).toBe(true);
    expect(isRoleNotYetOnStorage(error)).toBe(true);
    // With colour codes, as a terminal-minded Terraform writes it.
    expect(isRoleNotYetOnStorage(boxed(error).replace(/Error: /, "\x1b[31mError: \x1b[0m\x1b[1m"))).toBe(true);
  });

  test("several code blobs refused at once is still that one cause", () => {
    expect(isRoleNotYetOnStorage([CREATE_403, HEAD_403, AUTOREST_403].map((e) => boxed(e)).join("\n"))).toBe(true);
  });

  test.each([
    ["the storage firewall (AuthorizationFailure)", FIREWALL_403],
    ["AuthorizationPermissionMismatch on another resource", QUEUE_403],
    ["an ARM authorization failure", ARM_403],
    ["another blob error", BLOB_409],
    ["a blob 403 next to another error", `${boxed(CREATE_403)}${boxed(ARM_403)}`],
    ["the words without an error", `Warning: ${MISMATCH} AuthorizationPermissionMismatch on azurerm_storage_blob.x`],
    ["no output", ""],
  ])("rejects %s", (_name, output) => {
    expect(isRoleNotYetOnStorage(boxed(output))).toBe(false);
    expect(isRoleNotYetOnStorage(output)).toBe(false);
  });

  test("diagnostics are read whole: margins, wrapping and colour removed", () => {
    expect(errorDiagnostics(`noise\n${boxed("Error: one two three")}\n${boxed("Warning: w")}\n${boxed("Error: four\nfive")}`)).toEqual(["Error: one two three", "Error: four five"]);
  });

  test("the default limit: 6 attempts over 30 minutes (waits of 1, 2, 4, 8 and 15 minutes)", () => {
    const waits = [2, 3, 4, 5, 6].map(ROLE_PROPAGATION_RETRY.delaySeconds);
    expect([ROLE_PROPAGATION_RETRY.attempts, waits, waits.reduce((a, b) => a + b, 0)]).toEqual([6, [60, 120, 240, 480, 900], 1800]);
  });
});

describe("recognising a failed sign-in", () => {
  test.each([
    ["azurerm 3.x", "Error: building AzureRM Client: Error building ARM Config: obtain subscription() from Azure CLI: parsing json result from the Azure CLI: waiting for the Azure CLI: exit status 1: ERROR: Please run 'az login' to setup account."],
    ["azurerm 4.x", "Error: unable to build authorizer for Resource Manager API: could not configure AzureCli Authorizer: obtaining subscription ID: obtaining account details: running Azure CLI: exit status 1: ERROR: Please run 'az login' to setup account."],
    ["an expired token", "Error: unable to build authorizer for Resource Manager API: could not acquire access token to parse claims: clientCredentialsToken: received HTTP status 400 with response: AADSTS700082: The refresh token has expired due to inactivity."],
    ["the state backend", "Error: Failed to get existing workspaces: Error retrieving keys for Storage Account \"stamldptfstate\": obtaining Azure CLI token: Please run `az login`"],
    ["the state backend, refused", "Error: Failed to get existing workspaces: listing blobs: executing request: unexpected status 403 (403 This request is not authorized to perform this operation using this permission.) with AuthorizationPermissionMismatch"],
  ])("%s", (_name, error) => {
    expect(isSignInFailure(boxed(error))).toBe(true);
  });

  test.each([
    ["the code upload's 403", CREATE_403],
    ["a backend that cannot be reached", `Error: Failed to get existing workspaces: listing blobs: Get "https://stamldptfstate.blob.core.windows.net/tfstate": dial tcp: lookup stamldptfstate.blob.core.windows.net: no such host`],
    ["an ARM authorization failure", ARM_403],
  ])("not %s", (_name, error) => {
    expect(isSignInFailure(boxed(error))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// npm run deploy against a fake terraform on PATH

/** A fake `terraform` (and `node` for the synth) in a scratch folder: records every call; fails as told. */
function fakeTools(behaviour: { failOn?: "init" | "plan" | "apply"; failures?: number; error?: string; exit?: number; pruneExit?: number }) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-tf-"));
  fs.writeFileSync(path.join(bin, "error.txt"), behaviour.error ?? "");
  fs.writeFileSync(
    path.join(bin, "terraform"),
    [
      "#!/bin/sh",
      'bin=$(dirname "$0")',
      'echo "$*" >> "$bin/calls"',
      'sub=""',
      'for a in "$@"; do case "$a" in -chdir=*) ;; *) sub="$a"; break ;; esac; done',
      `if [ "$sub" = "${behaviour.failOn ?? "apply"}" ]; then`,
      '  n=$(cat "$bin/count" 2>/dev/null || echo 0); n=$((n+1)); echo "$n" > "$bin/count"',
      `  if [ "$n" -le ${behaviour.failures ?? 0} ]; then echo "${behaviour.failOn ?? "apply"} failed:"; cat "$bin/error.txt" >&2; exit ${behaviour.exit ?? 1}; fi`,
      "fi",
      'case "$sub" in',
      '  apply) echo "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." ;;',
      '  plan) echo "Plan: 3 to add, 0 to change, 0 to destroy." ;;',
      '  *) echo "Terraform has been successfully initialized!" ;;',
      "esac",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, "node"),
    [
      "#!/bin/sh",
      'echo "node $* AML_DATAPATH_ENV=$AML_DATAPATH_ENV" >> "$(dirname "$0")/calls"',
      `case "$*" in *prune-deployments*) echo "keep pipeline-0123456789ab (default)"; exit ${behaviour.pruneExit ?? 0} ;; esac`,
      'echo "info: synthesized"',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  // Terraform's calls without the -chdir= every one of them starts with.
  const calls = () => fs.readFileSync(path.join(bin, "calls"), "utf8").trim().split("\n").map((l) => l.replace(/^-chdir=\S+ /, ""));
  return { bin, calls, cleanup: () => fs.rmSync(bin, { recursive: true, force: true }) };
}

async function deployWith(tools: ReturnType<typeof fakeTools>, argv: string[], answers: boolean[] = [], retry = ROLE_PROPAGATION_RETRY) {
  const out: string[] = [];
  const err: string[] = [];
  const logs: string[] = [];
  const asked: string[] = [];
  const slept: number[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-root-"));
  const deps: DeployDeps = {
    cwd: root,
    env: { ...process.env, PATH: `${tools.bin}${path.delimiter}${process.env.PATH}` },
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    log: (l) => logs.push(l),
    ask: async (q) => (asked.push(q), answers.shift() ?? false),
    sleep: async (seconds) => void slept.push(seconds),
    retry,
  };
  const options: DeployOptions = parseDeployArgs("deploy", argv, environments);
  try {
    const code = await runDeploy(options, deps);
    return { code, out: out.join(""), err: err.join(""), logs, asked, slept, calls: tools.calls(), root };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    tools.cleanup();
  }
}

const WAIT = /^waiting for the role assignment to reach storage/;

describe("npm run deploy: a first deploy that survives slow role propagation (fake terraform)", () => {
  test("the upload's 403 twice: waits 60 s and 120 s, plans and applies again, succeeds; Terraform's output still reaches the user", async () => {
    const r = await deployWith(fakeTools({ failures: 2, error: boxed(CREATE_403) }), [env, "--auto-approve"]);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      `node dist/main.js AML_DATAPATH_ENV=${env}`,
      "init -input=false -reconfigure",
      ...Array(3).fill(["plan -input=false -out=tfplan", "apply -input=false tfplan"]).flat(),
      // Once applied: older batch deployments are pruned.
      `node bin/aml-datapath.js prune-deployments --env ${env} AML_DATAPATH_ENV=`,
    ]);
    expect(r.logs.filter((l) => WAIT.test(l))).toEqual([
      "waiting for the role assignment to reach storage (attempt 2 of 6, next in 60 s)",
      "waiting for the role assignment to reach storage (attempt 3 of 6, next in 120 s)",
    ]);
    expect(r.slept).toEqual([60, 120]);
    expect(r.asked).toEqual([]);
    // Tee: everything Terraform printed was passed on.
    expect(r.err.split(boxed(CREATE_403)).length - 1).toBe(2);
    expect(r.out).toContain("Apply complete! Resources: 3 added");
    expect(r.out).toContain("info: synthesized");
  });

  test("any other error stops at once with Terraform's exit code: no wait, no second attempt", async () => {
    const r = await deployWith(fakeTools({ failures: 1, error: boxed(ARM_403), exit: 7 }), [env, "--auto-approve"]);
    expect(r.code).toBe(7);
    expect(r.calls.slice(2)).toEqual(["plan -input=false -out=tfplan", "apply -input=false tfplan"]);
    expect(r.logs.filter((l) => WAIT.test(l))).toEqual([]);
    expect(r.slept).toEqual([]);
    expect(r.err).toContain("AuthorizationFailed");
  });

  test("the storage firewall's 403 is not waited for either", async () => {
    const r = await deployWith(fakeTools({ failures: 1, error: boxed(FIREWALL_403) }), [env, "--auto-approve"]);
    expect([r.code, r.slept, r.calls.filter((c) => c.startsWith("apply")).length]).toEqual([1, [], 1]);
  });

  test("up to the limit, then Terraform's exit code and what to check", async () => {
    const r = await deployWith(fakeTools({ failures: 99, error: boxed(CREATE_403), exit: 1 }), [env, "--auto-approve"], [], { attempts: 3, delaySeconds: (next) => next * 10 });
    expect(r.code).toBe(1);
    expect(r.calls.filter((c) => c.startsWith("apply"))).toHaveLength(3);
    expect(r.slept).toEqual([20, 30]);
    expect(r.logs.filter((l) => WAIT.test(l))).toEqual([
      "waiting for the role assignment to reach storage (attempt 2 of 3, next in 20 s)",
      "waiting for the role assignment to reach storage (attempt 3 of 3, next in 30 s)",
    ]);
    expect(r.logs[r.logs.length - 1]).toMatch(/^The role assignment has not reached storage after 3 attempts \(50 s of waiting\): check that the deploying identity holds Storage Blob Data Contributor/);
  });

  test("without --auto-approve every new plan is asked about again; a no stops", async () => {
    const r = await deployWith(fakeTools({ failures: 1, error: boxed(CREATE_403) }), [env], [true, true]);
    expect(r.code).toBe(0);
    expect(r.asked).toEqual([`Apply this plan to ${env}?`, `Apply this plan to ${env}?`]);
    expect(r.calls.slice(2)).toEqual(["plan -input=false -out=tfplan", "apply -input=false tfplan", "plan -input=false -out=tfplan", "apply -input=false tfplan", `node bin/aml-datapath.js prune-deployments --env ${env} AML_DATAPATH_ENV=`]);
    const refused = await deployWith(fakeTools({ failures: 1, error: boxed(CREATE_403) }), [env], [true, false]);
    expect([refused.code, refused.logs[refused.logs.length - 1]]).toEqual([1, "Not applied."]);
    expect(refused.calls.filter((c) => c.startsWith("apply"))).toHaveLength(1);
  });

  test("a deploy prunes older batch deployments only after a successful apply; a failed prune warns, the deploy still succeeds", async () => {
    const failedApply = await deployWith(fakeTools({ failures: 1, error: "Error: something else" }), [env, "--auto-approve"]);
    expect(failedApply.code).toBe(1);
    expect(failedApply.calls.filter((c) => c.includes("prune-deployments"))).toEqual([]);
    const pruneFails = await deployWith(fakeTools({ pruneExit: 5 }), [env, "--auto-approve"]);
    expect(pruneFails.code).toBe(0);
    expect(pruneFails.logs[pruneFails.logs.length - 1]).toBe(
      `warning: pruning old batch deployments failed (exit 5); the deploy itself succeeded. Run it again later: node bin/aml-datapath.js prune-deployments --env ${env}`,
    );
    // plan never prunes; an environment on the classic pipeline endpoint has no deployments to prune.
    expect(parseDeployArgs("plan", [env], environments).pruneDeployments).toBe(false);
    const classic = environments.map((c) => ({ ...c, pipeline: { ...c.pipeline, invocation: { style: "classicPipelineEndpoint" as const, pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f" } } }));
    expect(parseDeployArgs("deploy", [env], classic).pruneDeployments).toBe(false);
    expect(parseDeployArgs("deploy", [env], environments).pruneDeployments).toBe(true);
  });

  test("a failed sign-in ends with the hint: az login, az account set, or --local-state", async () => {
    const error = boxed("Error: unable to build authorizer for Resource Manager API: could not configure AzureCli Authorizer: obtaining subscription ID: running Azure CLI: exit status 1: ERROR: Please run 'az login' to setup account.");
    const r = await deployWith(fakeTools({ failOn: "init", failures: 1, error, exit: 1 }), [env, "--auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.calls).toHaveLength(2);
    expect(r.logs[r.logs.length - 1]).toBe(
      [
        "Terraform could not sign in to Azure. Sign in and choose the subscription, then run it again:",
        "  az login",
        "  az account set --subscription <subscription-id>   # or subscriptionId in the config / ARM_SUBSCRIPTION_ID",
        `Or try it without the state account: npm run deploy -- ${env} --local-state`,
      ].join("\n"),
    );
    // Another failure gets no sign-in hint.
    const other = await deployWith(fakeTools({ failures: 1, error: boxed(ARM_403) }), [env, "--auto-approve"]);
    expect(other.logs.some((l) => l.includes("az login"))).toBe(false);
  });

  test("--local-state: the synth gets AML_DATAPATH_LOCAL_STATE and the state folder exists", async () => {
    const tools = fakeTools({});
    fs.writeFileSync(path.join(tools.bin, "node"), ['#!/bin/sh', 'echo "node $AML_DATAPATH_LOCAL_STATE $(test -d state && echo state-exists)" >> "$(dirname "$0")/calls"', ""].join("\n"), { mode: 0o755 });
    const r = await deployWith(tools, [env, "--local-state", "--auto-approve"]);
    expect([r.code, r.calls[0]]).toEqual([0, "node 1 state-exists"]);
  });

  test("a missing terraform is reported with what to install", async () => {
    const tools = fakeTools({});
    fs.rmSync(path.join(tools.bin, "terraform"));
    const out: string[] = [];
    const code = await runDeploy(parseDeployArgs("deploy", [env, "--auto-approve"], environments), {
      cwd: tools.bin,
      env: { PATH: tools.bin },
      stdout: () => undefined,
      stderr: () => undefined,
      log: (l) => out.push(l),
      ask: async () => false,
      sleep: async () => undefined,
    });
    tools.cleanup();
    expect(code).toBe(127);
    expect(out[out.length - 1]).toMatch(/^terraform: .*ENOENT.* \(install Terraform >= 1\.7\)$/);
  });
});

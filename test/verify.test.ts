import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armError, FakeArm, Operation, RecordedRequest, Reply } from "./fake-arm";
import { envStack, shared, synthJson, TfJson } from "./helpers";
import { Arm, compareSubset } from "../cli/verify";
import { parseRef, StackModel, templateParts, Unresolved } from "../cli/stack-model";
import { cli as inProcess, SUB } from "./cli-harness";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig } from "../stacks/environments";

const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const RG = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}`;
const CHDIR = path.join("cdktf.out", "stacks", "dev");

// What only Azure knows: the workspace's blob container, the endpoint's URI, managed identities, role ids.
const CONTAINER = "azureml-blobstore-5a9c2e1f";
const SCORING_URI = `https://${N.batchEndpoint}.westeurope.inference.ml.azure.com/jobs`;
const PRINCIPALS: Record<string, string> = {
  azurerm_data_factory: "aaaaaaaa-0000-0000-0000-00000000000f",
  azurerm_machine_learning_workspace: "aaaaaaaa-0000-0000-0000-00000000000a",
  azurerm_machine_learning_compute_cluster: "aaaaaaaa-0000-0000-0000-00000000000c",
};
const DEPLOYER = "aaaaaaaa-0000-0000-0000-0000000000de";
const ROLES: Record<string, string> = {
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
};
const roleDefinitionId = (name: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLES[name]}`;

type Block = Record<string, unknown>;
const stack = shared(() => synthJson(envStack(devConfig)));

/**
 * The test's own reading of the stack (independent of cli/stack-model): ARM ids from the config's
 * derived names and each resource's arguments, references replaced by what Azure would hold.
 */
function oracle(json: TfJson) {
  const block = (type: string, name: string, data = false): Block => {
    const b = (data ? json.data : json.resource)?.[type]?.[name];
    if (!b) throw new Error(`no ${type}.${name}`);
    return b;
  };
  const idOf = (type: string, name: string, data = false): string => {
    const b = block(type, name, data);
    switch (type) {
      case "azapi_resource":
        return `${resolve(b.parent_id)}/${String(b.type).split("@")[0].split("/").pop()}/${String(b.name)}`;
      case "azapi_resource_action":
        return String(resolve(b.resource_id));
      case "azurerm_resource_group":
        return RG;
      case "azurerm_data_factory":
        return `${RG}/providers/Microsoft.DataFactory/factories/${N.dataFactory}`;
      case "azurerm_machine_learning_workspace":
        return `${RG}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}`;
      case "azurerm_storage_account":
        return `${RG}/providers/Microsoft.Storage/storageAccounts/${N.storageAccount}`;
      case "azurerm_storage_container":
        return `${RG}/providers/Microsoft.Storage/storageAccounts/${N.storageAccount}/blobServices/default/containers/${String(b.name)}`;
      case "azurerm_machine_learning_compute_cluster":
        return `${RG}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}/computes/${String(b.name)}`;
      case "azurerm_private_endpoint":
        return `${RG}/providers/Microsoft.Network/privateEndpoints/${String(b.name)}`;
    }
    throw new Error(`the test has no id for ${type}`);
  };
  const reference = (expr: string): unknown => {
    const m = /^(data\.)?([a-z0-9_]+)\.([\w-]+)\.(.+)$/.exec(expr);
    if (!m) throw new Error(`not a reference: ${expr}`);
    const [, data, type, name, attr] = m;
    if (attr === "output.properties.containerName") return CONTAINER;
    if (attr === "output.properties.scoringUri") return SCORING_URI;
    if (attr === "identity[0].principal_id") return PRINCIPALS[type];
    if (type === "azurerm_client_config" && attr === "object_id") return DEPLOYER;
    if (attr === "id") return idOf(type, name, Boolean(data));
    if (attr === "name") return block(type, name, Boolean(data)).name;
    throw new Error(`the test cannot resolve ${expr}`);
  };
  const resolve = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = /^\$\{([^}]*)\}$/.exec(v);
      if (whole) return reference(whole[1]);
      return v.replace(/(?<!\$)\$\{([^}]*)\}/g, (_, e: string) => String(reference(e))).replace(/\$\$\{/g, "${");
    }
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    return v;
  };
  return { block, idOf, resolve };
}

interface LiveState {
  /** ARM id (lowercase) -> the resource as Azure returns it. */
  readonly resources: Map<string, Block>;
  readonly assignments: Block[];
}

/** Azure as the stack left it: every resource with its body, the fields a service adds, the identities and role assignments. */
function liveFrom(json: TfJson): LiveState {
  const o = oracle(json);
  const resources = new Map<string, Block>();
  const put = (id: string, body: Block) => resources.set(id.toLowerCase(), { id, name: id.split("/").pop(), ...body });
  const served = (b: Block) => {
    const body = o.resolve(b.body) as Block;
    const props = (body.properties ?? {}) as Block;
    return {
      ...body,
      type: String(b.type).split("@")[0],
      properties: { ...props, provisioningState: "Succeeded" },
      systemData: { createdBy: "someone", createdAt: "2026-01-01T00:00:00Z" },
    };
  };
  for (const [name, b] of Object.entries(json.resource.azapi_resource_action ?? {})) if (b.method === "PUT") put(o.idOf("azapi_resource_action", name), served(b));
  for (const [name, b] of Object.entries(json.resource.azapi_resource ?? {})) put(o.idOf("azapi_resource", name), served(b));
  for (const b of Object.values(json.resource.azapi_update_resource ?? {})) {
    const target = resources.get(String(o.resolve(b.resource_id)).toLowerCase())!;
    const props = target.properties as Block;
    target.properties = { ...props, ...((o.resolve(b.body) as Block).properties as Block) };
  }
  for (const [id, r] of resources) {
    if (/\/batchendpoints\/[^/]+$/.test(id)) (r.properties as Block).scoringUri = SCORING_URI;
    // Services answer ids in their own case: the deployment's component id comes back lowercase.
    const config = ((r.properties as Block).deploymentConfiguration ?? {}) as { componentId?: { assetId: string } };
    if (config.componentId) config.componentId.assetId = config.componentId.assetId.toLowerCase();
    // ADF adds empty lists to activities.
    for (const a of ((r.properties as Block).activities ?? []) as Block[]) {
      a.userProperties ??= [];
      a.dependsOn ??= [];
    }
  }
  for (const [name] of Object.entries(json.data?.azapi_resource ?? {})) put(o.idOf("azapi_resource", name, true), { properties: { containerName: CONTAINER } });
  for (const type of Object.keys(PRINCIPALS)) {
    for (const name of Object.keys(json.resource[type] ?? {})) put(o.idOf(type, name), { identity: { type: "SystemAssigned", principalId: PRINCIPALS[type] } });
  }
  for (const type of Object.keys(json.resource).filter((t) => t.startsWith("azurerm_data_factory_trigger_"))) {
    for (const b of Object.values(json.resource[type])) {
      const pipelines = (b.pipeline as Block[]).map((p) => ({
        pipelineReference: { referenceName: o.resolve(p.name), type: "PipelineReference" },
        parameters: o.resolve(p.parameters),
      }));
      put(`${o.resolve(b.data_factory_id)}/triggers/${String(b.name)}`, {
        properties: { type: "BlobEventsTrigger", runtimeState: b.activated === false ? "Stopped" : "Started", pipelines },
      });
    }
  }
  const assignments: Block[] = Object.values(json.resource.azurerm_role_assignment ?? {}).map((b, i) => ({
    id: `x/roleAssignments/${i}`,
    properties: { scope: o.resolve(b.scope), principalId: o.resolve(b.principal_id), roleDefinitionId: roleDefinitionId(String(b.role_definition_name)) },
  }));
  // Someone else's assignment on the resource group: atScope() lists it at every scope below.
  assignments.push({ id: "x/roleAssignments/rg", properties: { scope: RG, principalId: "bbbbbbbb-0000-0000-0000-000000000001", roleDefinitionId: roleDefinitionId("Reader") } });
  return { resources, assignments };
}

const VERIFY_OPERATIONS: Operation[] = [
  "getAmlAsset",
  "getBatchDeployment",
  "getBatchEndpoint",
  "getDatastore",
  "getCompute",
  "getWorkspace",
  "getFactory",
  "getAdfPipeline",
  "getTrigger",
];

/** The stand-in's answers for a live state (tests change the state before starting it). */
function handlers(live: LiveState, overrides: Partial<Record<Operation, (req: RecordedRequest, n: number) => Reply>> = {}) {
  const get = (req: RecordedRequest): Reply => {
    const r = live.resources.get(req.path.toLowerCase());
    return r ? { status: 200, body: r } : { status: 404, body: armError("ResourceNotFound", `${req.path} not found`) };
  };
  return {
    ...Object.fromEntries(VERIFY_OPERATIONS.map((op) => [op, get])),
    listRoleAssignments: (req: RecordedRequest): Reply => {
      if (new URLSearchParams(req.query).get("$filter") !== "atScope()") return { status: 400, body: armError("BadFilter", req.query) };
      const scope = req.path.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments$/, "").toLowerCase();
      return { status: 200, body: { value: live.assignments.filter((a) => scope.startsWith(String((a.properties as Block).scope).toLowerCase())) } };
    },
    listRoleDefinitions: (req: RecordedRequest): Reply => {
      const name = /^roleName eq '(.+)'$/.exec(new URLSearchParams(req.query).get("$filter") ?? "")?.[1] ?? "";
      const value = ROLES[name] ? [{ id: roleDefinitionId(name), name: ROLES[name], properties: { roleName: name } }] : [];
      return { status: 200, body: { value } };
    },
    ...overrides,
  };
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A project folder with the stack where `npm run synth` writes it (or none). */
function project(json: TfJson | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-"));
  fs.writeFileSync(path.join(dir, "cdktf.json"), "{}");
  if (json) {
    fs.mkdirSync(path.join(dir, CHDIR), { recursive: true });
    fs.writeFileSync(path.join(dir, CHDIR, "cdk.tf.json"), JSON.stringify(json));
  }
  return dir;
}

/** Runs the CLI in-process in `cwd` (the project) against the stand-in. */
async function cli(arm: FakeArm, url: string, cwd: string, args: string[]): Promise<Result> {
  const r = await inProcess(args, { arm: { arm, url }, cwd });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

/** Serve `live` (changed by `change`), run verify in a project with the dev stack, and clean up. */
async function verify(
  change: (live: LiveState, json: TfJson) => void,
  overrides: Parameters<typeof handlers>[1] = {},
  args: string[] = [],
  withStack = true,
): Promise<Result & { arm: FakeArm }> {
  const live = liveFrom(stack());
  change(live, stack());
  const arm = new FakeArm(handlers(live, overrides));
  const url = await arm.start();
  const cwd = project(withStack ? stack() : undefined);
  try {
    return { ...(await cli(arm, url, cwd, ["verify", "--env", "dev", ...args])), arm };
  } finally {
    await arm.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

/** Address and ARM id of the one resource of `type` whose logical id contains `part`. */
function find(json: TfJson, tfType: string, part: string): { address: string; block: Block } {
  const hits = Object.entries(json.resource[tfType] ?? {}).filter(([name]) => name.includes(part));
  if (hits.length !== 1) throw new Error(`expected one ${tfType} with ${part}, found ${hits.length}`);
  return { address: `${tfType}.${hits[0][0]}`, block: hits[0][1] };
}

const itemLines = (stdout: string) => stdout.split("\n").filter((l) => /^(ok|missing|differs|skipped|error) /.test(l));

jest.setTimeout(60_000);

describe("aml-datapath verify against a local ARM stand-in", () => {
  test("everything as the stack says: one ok line per item, GETs only, exit 0 (a 429 is waited out)", async () => {
    const json = stack();
    const r = await verify(() => undefined, {
      listRoleDefinitions: (req, n) =>
        n === 1 ? { status: 429, headers: { "retry-after": "0" }, body: armError("TooManyRequests", "slow down") } : handlers(liveFrom(json)).listRoleDefinitions(req, n),
    });
    expect(r.arm.unexpected).toEqual([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(new Set(r.arm.requests.map((q) => q.method))).toEqual(new Set(["GET"]));
    const lines = itemLines(r.stdout);
    const puts = Object.values(json.resource.azapi_resource_action).filter((b) => b.method === "PUT").length;
    const expected =
      puts +
      Object.keys(json.resource.azapi_resource).length +
      Object.keys(json.resource.azapi_update_resource).length +
      Object.keys(json.resource).filter((t) => t.startsWith("azurerm_data_factory_trigger_")).length +
      Object.keys(json.resource.azurerm_role_assignment).length;
    expect(lines).toHaveLength(expected);
    expect(lines.filter((l) => !l.startsWith("ok "))).toEqual([]);
    const processVersion = find(json, "azapi_resource_action", "process-component_version");
    const version = String(processVersion.block.resource_id).split("/").pop();
    expect(lines).toContain(`ok component version datapath_process:${version} (${processVersion.address})`);
    const deployment = find(json, "azapi_resource_action", "batch_deployment");
    expect(lines.some((l) => l.startsWith(`ok batch deployment ${N.batchEndpoint}/`) && l.endsWith(`(${deployment.address})`))).toBe(true);
    const update = find(json, "azapi_update_resource", "default-deployment");
    const defaultName = (update.block.body as { properties: { defaults: { deploymentName: string } } }).properties.defaults.deploymentName;
    expect(lines).toContain(`ok batch endpoint ${N.batchEndpoint}: properties.defaults.deploymentName = ${defaultName} (${update.address})`);
    // The datastore's container and the managed identities are read from their owners.
    expect(r.arm.calls("getDatastore").map((q) => q.path)).toEqual([`${RG}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}/datastores/workspaceblobstore`]);
    expect(r.arm.calls("getFactory")).toHaveLength(1);
    // Who runs terraform is not known here: the role is checked at its scope, the principal is not.
    const deployer = find(json, "azurerm_role_assignment", "deployer-upload");
    expect(lines.find((l) => l.includes(deployer.address))).toMatch(
      /^ok role assignment "Storage Blob Data Contributor" for the identity running terraform on containers\/azureml-blobstore-5a9c2e1f .*\(not checked: the principal/,
    );
    // Each role's id is looked up once, the throttled lookup twice.
    const roleNames = new Set(Object.values(json.resource.azurerm_role_assignment).map((b) => b.role_definition_name));
    expect(r.arm.calls("listRoleDefinitions")).toHaveLength(roleNames.size + 1);
    expect(r.stdout).toContain(`dev: ${expected} ok, 0 missing, 0 differ, 0 not checked, 0 unreadable`);
    expect(r.stdout).not.toContain("restore");
  });

  test("a deleted component version is missing, with the -replace that restores it; --json says the same", async () => {
    const json = stack();
    const processVersion = find(json, "azapi_resource_action", "process-component_version");
    const id = String(oracle(json).resolve(processVersion.block.resource_id));
    const r = await verify((live) => live.resources.delete(id.toLowerCase()));
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    const version = id.split("/").pop();
    const lines = r.stdout.split("\n");
    const at = lines.indexOf(`missing component version datapath_process:${version} (${processVersion.address})`);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]).toBe(`  restore: terraform -chdir=${CHDIR} apply -replace=${processVersion.address}`);
    expect(itemLines(r.stdout).filter((l) => !l.startsWith("ok "))).toHaveLength(1);
    expect(r.stdout).toContain("0 differ");

    const j = await verify((live) => live.resources.delete(id.toLowerCase()), {}, ["--json"]);
    expect(j.code).toBe(1);
    const out = JSON.parse(j.stdout) as { findings: { status: string; address: string; id?: string; restore?: string }[] };
    expect(out.findings.filter((f) => f.status !== "ok")).toEqual([
      expect.objectContaining({ status: "missing", address: processVersion.address, id, restore: `terraform -chdir=${CHDIR} apply -replace=${processVersion.address}` }),
    ]);
  });

  test("a hand-edited ADF pipeline differs, naming the activity's field (and a field added by hand)", async () => {
    const json = stack();
    const pipeline = find(json, "azapi_resource", "adf_pipeline");
    const id = `${RG}/providers/Microsoft.DataFactory/factories/${N.dataFactory}/pipelines/${String(pipeline.block.name)}`;
    const r = await verify((live) => {
      const activities = (live.resources.get(id.toLowerCase())!.properties as { activities: Block[] }).activities;
      const invoke = activities.find((a) => a.name === "Invoke batch endpoint")!;
      (invoke.typeProperties as Block).httpRequestTimeout = "00:01:00";
      activities.find((a) => a.name === "Wait for job")!.state = "Inactive";
    });
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    const stackTimeout = (
      (pipeline.block.body as { properties: { activities: Block[] } }).properties.activities.find((a) => a.name === "Invoke batch endpoint")!.typeProperties as Block
    ).httpRequestTimeout;
    expect(itemLines(r.stdout).filter((l) => !l.startsWith("ok "))).toEqual([
      `differs ADF pipeline datapath (${
        pipeline.address
      }): properties.activities["Invoke batch endpoint"].typeProperties.httpRequestTimeout (live "00:01:00", stack ${JSON.stringify(
        stackTimeout,
      )}), properties.activities["Wait for job"].state (added: "Inactive")`,
    ]);
    expect(r.stdout).toContain(`  restore: terraform -chdir=${CHDIR} apply -replace=${pipeline.address}`);
  });

  test("a stopped trigger differs, with the az command that starts it", async () => {
    const json = stack();
    const trigger = find(json, "azurerm_data_factory_trigger_blob_event", "blob-event");
    const id = `${RG}/providers/Microsoft.DataFactory/factories/${N.dataFactory}/triggers/${String(trigger.block.name)}`;
    const r = await verify((live) => ((live.resources.get(id.toLowerCase())!.properties as Block).runtimeState = "Stopped"));
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(itemLines(r.stdout).filter((l) => !l.startsWith("ok "))).toEqual([
      `differs ADF trigger ${String(trigger.block.name)} (${trigger.address}): properties.runtimeState (live "Stopped", stack "Started")`,
    ]);
    expect(r.stdout).toContain(
      `  restore: az datafactory trigger start --resource-group ${N.resourceGroup} --factory-name ${N.dataFactory} --name ${String(
        trigger.block.name,
      )} (or: terraform -chdir=${CHDIR} apply)`,
    );
  });

  test("a missing role assignment (or one for another principal) is missing, with the -replace that restores it", async () => {
    const json = stack();
    const scientist = find(json, "azurerm_role_assignment", "workspace-data-scientist");
    const reader = find(json, "azurerm_role_assignment", "factory_input-reader");
    const r = await verify((live) => {
      const workspaceId = `${RG}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}`.toLowerCase();
      const at = live.assignments.findIndex(
        (a) => String((a.properties as Block).scope).toLowerCase() === workspaceId && (a.properties as Block).principalId === PRINCIPALS.azurerm_data_factory,
      );
      live.assignments.splice(at, 1);
      // The factory's reader role on the input container now names the cluster instead.
      const input = live.assignments.find(
        (a) => (a.properties as Block).principalId === PRINCIPALS.azurerm_data_factory && String((a.properties as Block).scope).endsWith("/containers/input-data"),
      )!;
      (input.properties as Block).principalId = PRINCIPALS.azurerm_machine_learning_compute_cluster;
    });
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(itemLines(r.stdout).filter((l) => !l.startsWith("ok "))).toEqual([
      `missing role assignment "Storage Blob Data Reader" for ${N.dataFactory}'s identity on containers/input-data (${reader.address})`,
      `missing role assignment "AzureML Data Scientist" for ${N.dataFactory}'s identity on workspaces/${N.mlWorkspace} (${scientist.address})`,
    ]);
    expect(r.stdout).toContain(`  restore: terraform -chdir=${CHDIR} apply -replace=${scientist.address}`);
    expect(r.stdout).toContain(`restore all: terraform -chdir=${CHDIR} apply -replace=${reader.address} -replace=${scientist.address}`);
  });

  test("an answer that is neither 200 nor 404 makes that item unreadable: an error line, exit 1", async () => {
    const json = stack();
    const trigger = find(json, "azurerm_data_factory_trigger_blob_event", "blob-event");
    const r = await verify(() => undefined, { getTrigger: () => ({ status: 400, body: armError("BadRequest", "no such thing") }) });
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(itemLines(r.stdout).filter((l) => !l.startsWith("ok "))).toEqual([
      `error ADF trigger ${String(trigger.block.name)} (${trigger.address}): HTTP 400 reading ${RG}/providers/Microsoft.DataFactory/factories/${N.dataFactory}/triggers/${String(
        trigger.block.name,
      )}: BadRequest no such thing`,
    ]);
    expect(r.stdout).toContain("1 unreadable");
  });

  test("no permission (HTTP 403) exits 5 with one message naming the role it needs", async () => {
    const r = await verify(() => undefined, { listRoleAssignments: () => ({ status: 403, body: armError("AuthorizationFailed", "The client does not have authorization") }) });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("Access denied: HTTP 403 reading /subscriptions/");
    expect(r.stderr).toContain(`needs "Reader" on resource group ${N.resourceGroup}`);
    expect(itemLines(r.stdout)).toEqual([]);
  });

  test("no synthesized stack: exit 2, nothing sent, says how to synthesize", async () => {
    const r = await verify(() => undefined, {}, [], false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown environment "dev": No environments found');
    expect(r.stderr).toContain("npm run synth");
    expect(r.arm.requests).toEqual([]);
    const elsewhere = await verify(() => undefined, {}, ["--stack-dir", "no/such/dir"]);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(`no synthesized stack for "dev" (`);
    expect(elsewhere.stderr).toContain(`${path.join("no", "such", "dir", "cdk.tf.json")} does not exist`);
    expect(elsewhere.arm.requests).toEqual([]);
  });
});

describe("verify's comparison and reference resolution", () => {
  test("the stack's body is a subset of the live one: added fields are ignored, changed and missing ones named", () => {
    const live = { id: "x", properties: { a: 1, b: "two", c: { d: ["x", "y"] }, extra: true, ids: "/subscriptions/S/resourcegroups/RG/x" } };
    expect(compareSubset({ properties: { a: 1, b: "two", c: { d: ["x", "y"] }, ids: "/subscriptions/S/resourceGroups/RG/x" } }, live)).toEqual({ diffs: [], skipped: [] });
    expect(compareSubset({ properties: { a: "1" } }, live).diffs).toEqual([]);
    expect(compareSubset({ properties: { a: 2, c: { d: ["x"] }, gone: "z" } }, live).diffs).toEqual([
      "properties.a (live 1, stack 2)",
      "properties.c.d (2 items, stack has 1)",
      "properties.gone (missing)",
    ]);
    expect(compareSubset({ properties: { b: new Unresolved("not known") } }, live)).toEqual({ diffs: [], skipped: ["properties.b: not known"] });
  });

  test("activities are matched by name and strict: hand-added fields count, empty and default ones do not", () => {
    const strict = (k: string) => k === "activities";
    const exp = {
      activities: [
        { name: "A", type: "Wait" },
        { name: "B", type: "Fail" },
      ],
    };
    expect(
      compareSubset(
        exp,
        {
          activities: [
            { name: "B", type: "Fail", dependsOn: [] },
            { name: "A", type: "Wait", state: "Active" },
          ],
        },
        strict,
      ).diffs,
    ).toEqual([]);
    expect(
      compareSubset(
        exp,
        {
          activities: [
            { name: "A", type: "Wait", policy: { retry: 3 } },
            { name: "C", type: "Fail" },
          ],
        },
        strict,
      ).diffs,
    ).toEqual(['activities["A"].policy (added: {"retry":3})', 'activities["B"] (missing)', 'activities["C"] (added)']);
    // Outside activities, what a service adds is ignored.
    expect(compareSubset({ p: { name: "A" } }, { p: { name: "A", policy: { retry: 3 } } }, strict).diffs).toEqual([]);
  });

  test("references resolve from the stack and the live owners; what cannot be known is said, escapes are undone", async () => {
    const json = {
      resource: {
        azurerm_resource_group: { rg: { name: "rg-x" } },
        azurerm_data_factory: { f: { name: "adf-x", resource_group_name: "${azurerm_resource_group.rg.name}" } },
        azapi_resource: { p: { type: "Microsoft.DataFactory/factories/pipelines@2018-06-01", name: "pl", parent_id: "${azurerm_data_factory.f.id}" } },
      },
      data: { azurerm_client_config: { me: {} } },
    };
    const reads: string[] = [];
    const m = new StackModel(json, "S", async (id, v) => {
      reads.push(`${id}@${v}`);
      return id.endsWith("/adf-x") ? { identity: { principalId: "P" } } : undefined;
    });
    const factory = "/subscriptions/S/resourceGroups/rg-x/providers/Microsoft.DataFactory/factories/adf-x";
    expect(await m.value("${azapi_resource.p.id}")).toBe(`${factory}/pipelines/pl`);
    expect(await m.value({ a: ["${azurerm_data_factory.f.identity[0].principal_id}"], b: "run $${{inputs.x}} %%{y}" })).toEqual({ a: ["P"], b: "run ${{inputs.x}} %{y}" });
    expect(reads).toEqual([`${factory}@2018-06-01`]);
    expect(await m.value("${data.azurerm_client_config.me.object_id}")).toEqual(
      new Unresolved("data.azurerm_client_config.me.object_id is the identity that runs terraform apply, not known here"),
    );
    expect(await m.value('${split("/", azurerm_data_factory.f.id)}')).toBeInstanceOf(Unresolved);
    expect(await m.value("${azapi_resource.p.output.properties.x}")).toEqual(new Unresolved(`azapi_resource.p (${factory}/pipelines/pl) does not exist`));
    expect(templateParts("a%{if x}b")).toBeInstanceOf(Unresolved);
    expect(parseRef("azurerm_x.y-z.identity[0].principal_id")).toEqual({
      data: false,
      type: "azurerm_x",
      name: "y-z",
      attr: ["identity", "0", "principal_id"],
      text: "azurerm_x.y-z.identity[0].principal_id",
    });
  });

  test("at most 4 requests are in flight, each URL is read once, a 404 is undefined", async () => {
    let inFlight = 0;
    let most = 0;
    const urls: string[] = [];
    const ml = {
      sendRequest: async (req: { url: string }) => {
        urls.push(req.url);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { status: req.url.includes("/gone") ? 404 : 200, bodyAsText: JSON.stringify({ url: req.url }), headers: new Map() };
      },
    };
    const arm = new Arm({ ml, armEndpoint: "https://arm" } as unknown as ConstructorParameters<typeof Arm>[0], () => new AbortController().signal, 4);
    const ids = Array.from({ length: 12 }, (_, i) => `/subscriptions/S/x/${i % 10}`);
    const got = await Promise.all([...ids.map((id) => arm.resource(id, "2024-04-01")), arm.resource("/subscriptions/S/gone", "2024-04-01")]);
    expect(most).toBe(4);
    expect(urls).toHaveLength(11);
    expect(got[11]).toEqual({ url: "https://arm/subscriptions/S/x/1?api-version=2024-04-01" });
    expect(got[12]).toBeUndefined();
  });

  test("verify --help names its options; it is in the command list", async () => {
    const cwd = project(stack());
    try {
      const help = await inProcess(["verify", "--help"], { cwd });
      expect(help.code).toBe(0);
      expect(help.out).toMatch(/--stack-dir <dir>[\s\S]*--json[\s\S]*--request-timeout/);
      const usage = await inProcess(["help"], { cwd });
      expect(usage.code).toBe(0);
      expect(usage.out).toContain("aml-datapath verify --env <dev> [--stack-dir <dir>] [--json]");
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

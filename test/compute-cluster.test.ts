import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { ComputeCluster, ComputeClusterProps, isoDuration } from "../lib/platform/compute-cluster";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { armIds } from "./azure-ids";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";

const ids = armIds("00000000-0000-0000-0000-000000000000", "rg");
const WS = ids.workspace("mlw");
const C = (name: string) => ids.container("stdemo", name);
const SUBNET = ids.subnet("vnet", "ml");
/** The existing workspace the clusters belong to (in northeurope: the cluster takes its region). */
const workspaceIn = (scope: Construct) => MlWorkspace.fromAttributes(scope, "ws", { workspaceId: WS, location: "northeurope", storageAccountId: ids.storage("stdemo") });
/** A cluster in a stack of its own, on that workspace. */
const newCluster = (props: Omit<ComputeClusterProps, "workspace">, stack: TerraformStack = bareStack(), id = "c"): ComputeCluster => new ComputeCluster(stack, id, { workspace: workspaceIn(stack), ...props });

describe("ComputeCluster", () => {
  test("scales to zero, local auth and SSH off, reads inputs and writes only to outputs", () => {
    const stack = bareStack();
    newCluster({
      name: "cpu-cluster",
      inputContainerIds: [C("input")],
      outputContainerIds: [C("output")],
    }, stack, "cpu");
    const json = synthJson(stack);
    const cluster = single(json, "azurerm_machine_learning_compute_cluster");
    expect(cluster).toMatchObject({
      name: "cpu-cluster",
      machine_learning_workspace_id: WS,
      // Written as AML reads them back, so a second plan shows no change (vm_size is ForceNew).
      vm_size: "STANDARD_DS3_V2",
      vm_priority: "Dedicated",
      scale_settings: { min_node_count: 0, max_node_count: 2, scale_down_nodes_after_idle_duration: "PT2M" },
      identity: { type: "SystemAssigned" },
      local_auth_enabled: false,
      ssh_public_access_enabled: false,
      // No subnet: Azure requires public node IPs.
      node_public_ip_enabled: true,
    });
    expect(cluster).not.toHaveProperty("ssh");
    const grants = Object.values(resourcesOf(json, "azurerm_role_assignment")).map((r) => [r.scope, r.role_definition_name, r.principal_id]);
    const principal = refTo(json, "azurerm_machine_learning_compute_cluster", "identity[0].principal_id");
    expect(grants).toEqual([
      [C("input"), "Storage Blob Data Reader", principal],
      [C("output"), "Storage Blob Data Contributor", principal],
    ]);
  });

  test("inside a subnet the nodes get no public IP; user-assigned identity gets the grants", () => {
    const stack = bareStack();
    newCluster({
      name: "gpu-cluster",
      vmSize: "Standard_NC6s_v3",
      vmPriority: "LowPriority",
      minNodes: 1,
      maxNodes: 1,
      idleSecondsBeforeScaleDown: 600,
      subnetResourceId: SUBNET,
      userAssignedIdentityIds: ["/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai"],
      principalId: "22222222-2222-2222-2222-222222222222",
      outputContainerIds: [C("out")],
    }, stack, "cpu");
    const json = synthJson(stack);
    expect(single(json, "azurerm_machine_learning_compute_cluster")).toMatchObject({
      subnet_resource_id: SUBNET,
      node_public_ip_enabled: false,
      vm_size: "STANDARD_NC6S_V3",
      vm_priority: "LowPriority",
      scale_settings: { min_node_count: 1, max_node_count: 1, scale_down_nodes_after_idle_duration: "PT10M" },
      identity: { type: "UserAssigned" },
    });
    expect(single(json, "azurerm_role_assignment").principal_id).toBe("22222222-2222-2222-2222-222222222222");
  });

  test("in a provisioned managed network: no public IPs, no subnet, a long create timeout", () => {
    const stack = bareStack();
    newCluster({ name: "cpu", inManagedNetwork: true }, stack, "cpu");
    const cluster = single(synthJson(stack), "azurerm_machine_learning_compute_cluster");
    expect(cluster).toMatchObject({ node_public_ip_enabled: false, timeouts: { create: "90m" } });
    expect(cluster).not.toHaveProperty("subnet_resource_id");
    expect(
      problemsOf(() => newCluster({ name: "cpu", inManagedNetwork: true, subnetResourceId: SUBNET })),
    ).toEqual([`test/c: subnetResourceId "${SUBNET}" must not be set when inManagedNetwork is true (compute lives in the workspace's managed network)`]);
  });

  test.each([
    [{ minNodes: 3, maxNodes: 2 }, [`test/c: minNodes 3 must not exceed maxNodes (2)`]],
    [{ maxNodes: 0 }, [`test/c: maxNodes 0 must be an integer from 1 to 1000`]],
    [{ minNodes: -1 }, [`test/c: minNodes -1 must be an integer from 0 to 1000`]],
    [{ maxNodes: 2.5 }, [`test/c: maxNodes 2.5 must be an integer from 1 to 1000`]],
    [{ vmSize: "DS3_v2" }, [`test/c: vmSize "DS3_v2" must be an Azure VM size such as Standard_DS3_v2`]],
    [{ vmSize: "Standard DS3" }, [`test/c: vmSize "Standard DS3" must be an Azure VM size such as Standard_DS3_v2`]],
    [{ name: "9cluster" }, [`test/c: name "9cluster" must be 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit`]],
    [{ idleSecondsBeforeScaleDown: 10 }, [`test/c: idleSecondsBeforeScaleDown 10 must be an integer from 60 to 86400`]],
    [{ vmPriority: "Spot" }, [`test/c: vmPriority "Spot" must be one of "Dedicated", "LowPriority"`]],
    [
      { userAssignedIdentityIds: ["/subscriptions/0/resourceGroups/rg/providers/x/y"] },
      [`test/c: principalId (missing) is required with userAssignedIdentityIds (the identity that gets the data roles)`],
    ],
    [{ maxNodes: "4" }, [`test/c: maxNodes "4" must be an integer from 1 to 1000`]],
    // As strict as the environment config: a region is its lowercase name from lib/core/azure-lists.ts.
    [{ location: "WestEurope" }, [`test/c: location "WestEurope" must be an Azure region name such as westeurope`]],
    [{ location: "westeurope2" }, [`test/c: location "westeurope2" is not an Azure region (e.g. westeurope; the list is in lib/core/azure-lists.ts)`]],
    [{ roleAssignments: { ops: { roleDefinitionIdOrName: "", principalId: "44444444-4444-4444-4444-444444444444" } } }, [`test/c: roleAssignments.ops.roleDefinitionIdOrName "" must be a non-empty string`]],
  ])("rejects %j", (bad, expected) => {
    expect(
      problemsOf(() => newCluster({ name: "cpu", ...(bad as object) })),
    ).toEqual(expected);
  });
});

describe("isoDuration: the canonical form AML returns", () => {
  test.each([
    [60, "PT1M"],
    [90, "PT1M30S"],
    [120, "PT2M"],
    [300, "PT5M"],
    [3600, "PT1H"],
    [3725, "PT1H2M5S"],
    [86400, "P1D"],
    [90061, "P1DT1H1M1S"],
  ])("%i s -> %s", (seconds, iso) => {
    expect(isoDuration(seconds)).toBe(iso);
  });
});

describe("grants keyed by meaning", () => {
  const addresses = (ids: string[]) => {
    const stack = bareStack();
    newCluster({ name: "cpu-cluster", inputContainerIds: ids }, stack, "cpu");
    const json = synthJson(stack);
    return { json, byScope: Object.fromEntries(Object.entries(resourcesOf(json, "azurerm_role_assignment")).map(([id, r]) => [String(r.scope), id])) };
  };

  test("reordering or inserting container ids changes no grant's address", () => {
    const a = addresses([C("one"), C("two")]);
    const b = addresses([C("zero"), C("two"), C("one")]);
    expect(b.byScope[C("one")]).toBe(a.byScope[C("one")]);
    expect(b.byScope[C("two")]).toBe(a.byScope[C("two")]);
    expect(a.byScope[C("one")]).toMatch(/^cpu_input-reader-one_[0-9A-F]{8}$/);
  });

  test("the former index-keyed addresses move to the new ones (raw moved blocks: synth needs no Terraform)", () => {
    const { json, byScope } = addresses([C("one"), C("two")]);
    const moved = (json as unknown as { moved: { from: string; to: string }[] }).moved;
    expect(moved.map((m) => [m.from.replace(/_[0-9A-F]{8}$/, ""), m.to])).toEqual([
      ["azurerm_role_assignment.cpu_input-reader-0", `azurerm_role_assignment.${byScope[C("one")]}`],
      ["azurerm_role_assignment.cpu_input-reader-1", `azurerm_role_assignment.${byScope[C("two")]}`],
    ]);
  });
});

describe("the cluster as a grantee", () => {
  test("its region is the workspace's unless given; roleAssignments are on the cluster", () => {
    const stack = bareStack();
    newCluster({ name: "cpu", roleAssignments: { ops: { roleDefinitionIdOrName: "Reader", principalId: "44444444-4444-4444-4444-444444444444", principalType: "Group" } } }, stack);
    const json = synthJson(stack);
    expect(single(json, "azurerm_machine_learning_compute_cluster").location).toBe("northeurope");
    expect(single(json, "azurerm_role_assignment")).toMatchObject({ scope: refTo(json, "azurerm_machine_learning_compute_cluster", "id"), role_definition_name: "Reader", principal_type: "Group" });
  });

  test("a datastore's grantRead(cluster) is the grant inputContainerIds makes: same address, same moved block", () => {
    const viaProp = bareStack();
    newCluster({ name: "cpu", inputContainerIds: [C("input")] }, viaProp, "cpu");
    const viaMethod = bareStack();
    const c = newCluster({ name: "cpu" }, viaMethod, "cpu");
    BlobDatastore.fromAttributes(viaMethod, "input", { datastoreName: "input", storageAccountId: ids.storage("stdemo"), containerName: "input" }).grantRead(c);
    const [a, b] = [synthJson(viaProp), synthJson(viaMethod)];
    expect(resourcesOf(b, "azurerm_role_assignment")).toEqual(resourcesOf(a, "azurerm_role_assignment"));
    expect((b as unknown as { moved: unknown }).moved).toEqual((a as unknown as { moved: unknown }).moved);
  });

  test("an existing cluster: name from its id, grants held by it, input checked like the construct's", () => {
    const stack = bareStack();
    const existing = ComputeCluster.fromAttributes(stack, "gpu", { clusterId: `${WS}/computes/gpu-a100`, principalId: "22222222-2222-2222-2222-222222222222", maxNodes: 8 });
    expect([existing.name, existing.maxNodes, existing.principalType]).toEqual(["gpu-a100", 8, "ServicePrincipal"]);
    BlobDatastore.fromAttributes(stack, "out", { datastoreName: "out", storageAccountId: ids.storage("stdemo"), containerName: "out" }).grantReadWrite(existing);
    const grant = Object.entries(resourcesOf(synthJson(stack), "azurerm_role_assignment"));
    expect(grant.map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.principal_id, r.role_definition_name])).toEqual([["gpu_output-writer-out", "22222222-2222-2222-2222-222222222222", "Storage Blob Data Contributor"]]);
    expect(problemsOf(() => ComputeCluster.fromAttributes(bareStack(), "x", { clusterId: `${WS}/computes/9gpu`, principalId: "gpu", maxNodes: 0 }))).toEqual([
      `test/x: clusterId "${WS}/computes/9gpu" must end in a name that is 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit`,
      `test/x: principalId "gpu" must be an object id (a GUID)`,
      `test/x: maxNodes 0 must be an integer from 1 to 1000`,
    ]);
    expect(problemsOf(() => ComputeCluster.fromAttributes(bareStack(), "y", { clusterId: WS, principalId: "22222222-2222-2222-2222-222222222222" }))).toEqual([
      `test/y: clusterId "${WS}" must be the id of a Microsoft.MachineLearningServices/workspaces/computes (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>/computes/<name>)`,
    ]);
  });
});

import { ComputeCluster, isoDuration } from "../lib/platform/compute-cluster";
import { armIds } from "./azure-ids";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";

const ids = armIds("00000000-0000-0000-0000-000000000000", "rg");
const WS = ids.workspace("mlw");
const C = (name: string) => ids.container("st", name);
const SUBNET = ids.subnet("vnet", "ml");

describe("ComputeCluster", () => {
  test("scales to zero, local auth and SSH off, reads inputs and writes only to outputs", () => {
    const stack = bareStack();
    new ComputeCluster(stack, "cpu", {
      workspaceId: WS,
      location: "westeurope",
      name: "cpu-cluster",
      inputContainerIds: [C("input")],
      outputContainerIds: [C("output")],
    });
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
    new ComputeCluster(stack, "cpu", {
      workspaceId: WS,
      location: "westeurope",
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
    });
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
    new ComputeCluster(stack, "cpu", { workspaceId: WS, location: "westeurope", name: "cpu", inManagedNetwork: true });
    const cluster = single(synthJson(stack), "azurerm_machine_learning_compute_cluster");
    expect(cluster).toMatchObject({ node_public_ip_enabled: false, timeouts: { create: "90m" } });
    expect(cluster).not.toHaveProperty("subnet_resource_id");
    expect(
      problemsOf(() => new ComputeCluster(bareStack(), "c", { workspaceId: WS, location: "westeurope", name: "cpu", inManagedNetwork: true, subnetResourceId: SUBNET })),
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
  ])("rejects %j", (bad, expected) => {
    expect(
      problemsOf(() => new ComputeCluster(bareStack(), "c", { workspaceId: WS, location: "westeurope", name: "cpu", ...(bad as object) })),
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
    new ComputeCluster(stack, "cpu", { workspaceId: WS, location: "westeurope", name: "cpu-cluster", inputContainerIds: ids });
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

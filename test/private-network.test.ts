import { Testing } from "cdktf";
import { DatapathStack } from "../stacks/datapath-stack";
import { EnvironmentConfig, PrivateNetworkConfig } from "../stacks/config";
import { environments } from "../stacks/environments";
import { problemsOf, refTo, resourcesOf, shared, single, synthJson, TfJson } from "./helpers";
import { PrivateEndpoints } from "../lib/platform/private-endpoints";
import { WorkspaceOutboundRules } from "../lib/platform/workspace-outbound-rules";
import { cidrContains, EnvironmentNetwork, parseCidr } from "../lib/platform/virtual-network";
import { bareStack } from "./helpers";
import { armIds } from "./azure-ids";

const privateEnvs = environments.filter((e) => e.network.profile === "private");
const withNetwork = (cfg: EnvironmentConfig, network: PrivateNetworkConfig): EnvironmentConfig => ({ ...cfg, network });
const synth = (cfg: EnvironmentConfig) => synthJson(new DatapathStack(Testing.app(), cfg.name, cfg));

describe.each(privateEnvs.map((e) => [e.name, e] as const))("%s: a private environment deployable without pre-existing networking", (_name, cfg) => {
  const synthed = shared(() => synth(cfg));
  const net = cfg.network as PrivateNetworkConfig;

  test("creates its virtual network and subnet from the configured ranges", () => {
    const json = synthed();
    expect(single(json, "azurerm_virtual_network")).toMatchObject({ address_space: [net.addressSpace] });
    expect(single(json, "azurerm_subnet")).toMatchObject({
      address_prefixes: [net.subnetPrefix],
      virtual_network_name: refTo(json, "azurerm_virtual_network", "name"),
      private_endpoint_network_policies: "Disabled",
    });
  });

  test("every private endpoint sits in that subnet (once its NSG is attached) and every DNS zone is linked to that network", () => {
    const json = synthed();
    const endpoints = Object.values(resourcesOf(json, "azurerm_private_endpoint"));
    expect(endpoints.length).toBeGreaterThan(0);
    for (const e of endpoints) expect(e.subnet_id).toBe(subnetOfEndpoints(json));
    for (const l of Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link"))) expect(l.virtual_network_id).toBe(refTo(json, "azurerm_virtual_network", "id"));
  });

  test("the subnet has a network security group for private endpoints: tagged, nothing opened from the Internet", () => {
    const json = synthed();
    const vnet = single(json, "azurerm_virtual_network");
    const nsg = single(json, "azurerm_network_security_group");
    expect(nsg).toMatchObject({ name: `${vnet.name}-nsg`, resource_group_name: vnet.resource_group_name, location: cfg.location });
    // Tagged like every other resource of the environment.
    expect(nsg.tags).toEqual(vnet.tags);
    expect(nsg.tags).toMatchObject({ environment: cfg.name, project: cfg.projectPrefix });
    // Rules are resources of their own (never inline: the two styles fight over the NSG's rules).
    expect(nsg.security_rule).toBeUndefined();
    expect(single(json, "azurerm_subnet_network_security_group_association")).toEqual({
      subnet_id: refTo(json, "azurerm_subnet", "id"),
      network_security_group_id: refTo(json, "azurerm_network_security_group", "id"),
    });
    const rules = Object.values(resourcesOf(json, "azurerm_network_security_rule"));
    for (const r of rules) expect(r.network_security_group_name).toBe(refTo(json, "azurerm_network_security_group", "name"));
    // Nothing allows inbound traffic at all (Azure's defaults allow the virtual network's own); in
    // particular nothing from the Internet, and the Internet deny is explicit.
    const sources = (r: Res) => [r.source_address_prefix, ...((r.source_address_prefixes as string[] | undefined) ?? [])].map((x) => String(x).toLowerCase());
    const fromInternet = (r: Res) => sources(r).some((x) => ["*", "internet", "any", "0.0.0.0/0", "0.0.0.0"].includes(x));
    expect(rules.filter((r) => r.direction === "Inbound" && r.access === "Allow")).toEqual([]);
    expect(rules.filter((r) => r.direction === "Inbound" && r.access === "Deny" && fromInternet(r))).toEqual([
      expect.objectContaining({ name: "DenyInternetInbound", priority: 4096, protocol: "*", source_address_prefix: "Internet", destination_port_range: "*", destination_address_prefix: "*" }),
    ]);
  });

  test("no placeholder or zero-GUID id anywhere in the stack", () => {
    const json = synthed();
    expect(JSON.stringify(json)).not.toContain("00000000-0000-0000-0000-000000000000");
  });

  test("the storage account has no public endpoint unless a deployer allow-list is given", () => {
    const json = synthed();
    expect(single(json, "azurerm_storage_account")).toMatchObject({ public_network_access_enabled: false, network_rules: { default_action: "Deny" } });
    expect(single(json, "azurerm_storage_account").network_rules).not.toHaveProperty("ip_rules");
  });
});

describe("network variants", () => {
  const base = privateEnvs[0];
  const ids = armIds("7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "rg-net");
  const vnet = ids.subnet("vnet-hub", "x").replace(/\/subnets\/x$/, "");

  test("an existing network: no network created; the same endpoints in the given subnet, zones linked to the given network", () => {
    const own = synth(base);
    const json = synth(withNetwork(base, { profile: "private", virtualNetworkId: vnet, subnetId: `${vnet}/subnets/snet-pe` }));
    // The existing subnet is not modified: no NSG is created or attached (its owner attaches one).
    const created = ["azurerm_virtual_network", "azurerm_subnet", "azurerm_network_security_group", "azurerm_network_security_rule", "azurerm_subnet_network_security_group_association"];
    expect(created.map((t) => [t, resourcesOf(json, t)])).toEqual(created.map((t) => [t, {}]));
    const connections = (j: TfJson) => Object.values(resourcesOf(j, "azurerm_private_endpoint")).map((e) => [e.name, e.private_service_connection]).sort();
    expect(connections(json)).toEqual(connections(own));
    expect(connections(json)).toHaveLength(9);
    for (const e of Object.values(resourcesOf(json, "azurerm_private_endpoint"))) expect(e.subnet_id).toBe(`${vnet}/subnets/snet-pe`);
    const links = Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link"));
    expect(links.length).toBe(Object.keys(resourcesOf(json, "azurerm_private_dns_zone")).length);
    for (const l of links) expect(l.virtual_network_id).toBe(vnet);
  });

  test("a deployer allow-list opens the storage's public endpoint to those addresses only, as a reasoned suppression", () => {
    const net = { ...(base.network as PrivateNetworkConfig), deployerIpAllowList: ["203.0.113.7", "198.51.100.0/28"] };
    const stack = new DatapathStack(Testing.app(), base.name, withNetwork(base, net));
    const json = synthJson(stack);
    expect(single(json, "azurerm_storage_account")).toMatchObject({
      public_network_access_enabled: true,
      network_rules: { default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["203.0.113.7", "198.51.100.0/28"] },
    });
    const findings = stack.securityPack.findings.filter((f) => f.ruleId === "storage-public-network-disabled");
    expect(findings.map((f) => f.suppressedBecause)).toEqual([expect.stringContaining("203.0.113.7, 198.51.100.0/28")]);
  });
});

/**
 * Azure's private DNS zone for each Private Link sub-resource (learn.microsoft.com "Azure Private
 * Endpoint private DNS zone values", public cloud): written out here, not taken from the construct.
 */
const AZURE_ZONES: Record<string, string[]> = {
  amlworkspace: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
  blob: ["privatelink.blob.core.windows.net"],
  file: ["privatelink.file.core.windows.net"],
  queue: ["privatelink.queue.core.windows.net"],
  table: ["privatelink.table.core.windows.net"],
  vault: ["privatelink.vaultcore.azure.net"],
  registry: ["privatelink.azurecr.io"],
  dataFactory: ["privatelink.datafactory.azure.net"],
  portal: ["privatelink.adf.azure.com"],
};

type Res = Record<string, unknown>;
/** The endpoints take the subnet's id from its NSG association, so they are created after the NSG is attached. */
const subnetOfEndpoints = (json: TfJson) => refTo(json, "azurerm_subnet_network_security_group_association", "subnet_id");
const byAddress = (json: TfJson, type: string): [string, Res][] => Object.entries(resourcesOf(json, type)).map(([id, r]) => [`${type}.${id}`, r]);
const zoneRef = (json: TfJson, zone: string, attr: string) => {
  const id = Object.entries(resourcesOf(json, "azurerm_private_dns_zone")).find(([, z]) => z.name === zone)?.[0];
  if (!id) throw new Error(`no private DNS zone ${zone}`);
  return `\${azurerm_private_dns_zone.${id}.${attr}}`;
};

describe.each(privateEnvs.map((e) => [e.name, e] as const))("%s: the private network, resource by resource", (_name, cfg) => {
  const synthed = shared(() => synth(cfg));
  const prefix = `${cfg.projectPrefix}-${cfg.name}`;
  /** What must be reachable privately from the subnet: each service and its sub-resource. */
  const expected = (json: TfJson): [string, string, string][] => [
    ["workspace", refTo(json, "azurerm_machine_learning_workspace", "id"), "amlworkspace"],
    ["storage-blob", refTo(json, "azurerm_storage_account", "id"), "blob"],
    ["storage-file", refTo(json, "azurerm_storage_account", "id"), "file"],
    ["storage-queue", refTo(json, "azurerm_storage_account", "id"), "queue"],
    ["storage-table", refTo(json, "azurerm_storage_account", "id"), "table"],
    ["key-vault", refTo(json, "azurerm_key_vault", "id"), "vault"],
    ["registry", refTo(json, "azurerm_container_registry", "id"), "registry"],
    ["data-factory", refTo(json, "azurerm_data_factory", "id"), "dataFactory"],
    ["data-factory-portal", refTo(json, "azurerm_data_factory", "id"), "portal"],
  ];

  test("one private endpoint per service and sub-resource, in the subnet, resolving through that sub-resource's zones", () => {
    const json = synthed();
    const endpoints = Object.values(resourcesOf(json, "azurerm_private_endpoint"));
    expect(endpoints).toHaveLength(expected(json).length);
    for (const [key, target, sub] of expected(json)) {
      const pe = endpoints.find((e) => e.name === `pe-${prefix}-${key}`);
      expect([key, pe]).toEqual([
        key,
        expect.objectContaining({
          location: cfg.location,
          subnet_id: subnetOfEndpoints(json),
          private_service_connection: { name: `${prefix}-${key}`, private_connection_resource_id: target, subresource_names: [sub], is_manual_connection: false },
          private_dns_zone_group: { name: "default", private_dns_zone_ids: AZURE_ZONES[sub].map((z) => zoneRef(json, z, "id")) },
        }),
      ]);
    }
  });

  test("every zone those endpoints need exists once and is linked to the network, without auto-registration", () => {
    const json = synthed();
    const zones = [...new Set(expected(json).flatMap(([, , sub]) => AZURE_ZONES[sub]))].sort();
    expect(Object.values(resourcesOf(json, "azurerm_private_dns_zone")).map((z) => z.name).sort()).toEqual(zones);
    const links = Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link"));
    expect(links.map((l) => l.private_dns_zone_name).sort()).toEqual(zones.map((z) => zoneRef(json, z, "name")).sort());
    for (const l of links) expect(l).toMatchObject({ virtual_network_id: refTo(json, "azurerm_virtual_network", "id"), registration_enabled: false });
  });

  test("the workspace's managed network allows only approved outbound, is provisioned on creation, and has a rule for the storage's queue and table", () => {
    const json = synthed();
    const ws = refTo(json, "azurerm_machine_learning_workspace", "id");
    expect(single(json, "azurerm_machine_learning_workspace")).toMatchObject({
      public_network_access_enabled: false,
      managed_network: { isolation_mode: "AllowOnlyApprovedOutbound", provision_on_creation_enabled: true },
    });
    const rules = Object.values(resourcesOf(json, "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"));
    expect(rules.map((r) => [r.workspace_id, r.service_resource_id, r.sub_resource_target]).sort()).toEqual([
      [ws, refTo(json, "azurerm_storage_account", "id"), "queue"],
      [ws, refTo(json, "azurerm_storage_account", "id"), "table"],
    ]);
    const fqdns = Object.values(resourcesOf(json, "azurerm_machine_learning_workspace_network_outbound_rule_fqdn"));
    // conda.yaml installs from conda-forge and PyPI.
    expect(fqdns.map((r) => [r.workspace_id, r.destination_fqdn]).sort()).toEqual([ws, ws, ws].map((w, i) => [w, ["conda.anaconda.org", "files.pythonhosted.org", "pypi.org"][i]]));
  });

  test("the outbound rules are created one after another: each depends on exactly one other, in a single chain", () => {
    const json = synthed();
    const rules = [
      ...byAddress(json, "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint"),
      ...byAddress(json, "azurerm_machine_learning_workspace_network_outbound_rule_fqdn"),
    ];
    const deps = new Map(rules.map(([address, r]) => [address, (r.depends_on as string[] | undefined) ?? []]));
    const first = rules.filter(([address]) => deps.get(address)!.length === 0).map(([a]) => a);
    expect(first).toHaveLength(1);
    // Follow the chain from the first rule: it visits every rule once.
    const next = new Map([...deps].flatMap(([address, d]) => d.map((on) => [on, address] as const)));
    expect(next.size).toBe(rules.length - 1);
    const visited = [first[0]];
    while (next.has(visited[visited.length - 1])) visited.push(next.get(visited[visited.length - 1])!);
    expect(visited.sort()).toEqual(rules.map(([a]) => a).sort());
  });

  test("the factory reaches the workspace through a managed private endpoint in its managed VNet", () => {
    const json = synthed();
    const factory = refTo(json, "azurerm_data_factory", "id");
    expect(single(json, "azurerm_data_factory")).toMatchObject({ public_network_enabled: false, managed_virtual_network_enabled: true });
    expect(single(json, "azurerm_data_factory_integration_runtime_azure")).toMatchObject({ data_factory_id: factory, virtual_network_enabled: true });
    expect(single(json, "azurerm_data_factory_managed_private_endpoint")).toMatchObject({
      data_factory_id: factory,
      target_resource_id: refTo(json, "azurerm_machine_learning_workspace", "id"),
      subresource_name: "amlworkspace",
    });
  });

  test("the workspace identity may read the storage endpoints; the code upload waits for the blob endpoint", () => {
    const json = synthed();
    const endpointRef = (key: string) => {
      const id = Object.entries(resourcesOf(json, "azurerm_private_endpoint")).find(([, e]) => e.name === `pe-${prefix}-${key}`)![0];
      return `azurerm_private_endpoint.${id}`;
    };
    const readers = Object.values(resourcesOf(json, "azurerm_role_assignment")).filter((r) => r.role_definition_name === "Reader");
    expect(readers.map((r) => r.scope).sort()).toEqual([`\${${endpointRef("storage-blob")}.id}`, `\${${endpointRef("storage-file")}.id}`].sort());
    for (const r of readers) expect(r.principal_id).toBe(refTo(json, "azurerm_machine_learning_workspace", "identity[0].principal_id"));
    const blobs = Object.values(resourcesOf(json, "azurerm_storage_blob"));
    expect(blobs.length).toBeGreaterThan(0);
    for (const b of blobs) expect(b.depends_on).toContain(endpointRef("storage-blob"));
  });
});

describe("a public environment has none of it", () => {
  const publicEnvs = environments.filter((e) => e.network.profile === "public");
  test.each(publicEnvs.map((e) => [e.name, e] as const))("%s", (_name, cfg) => {
    const json = synth(cfg);
    for (const type of [
      "azurerm_private_endpoint",
      "azurerm_private_dns_zone",
      "azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint",
      "azurerm_machine_learning_workspace_network_outbound_rule_fqdn",
      "azurerm_data_factory_managed_private_endpoint",
      "azurerm_data_factory_integration_runtime_azure",
      "azurerm_subnet",
      "azurerm_network_security_group",
      "azurerm_subnet_network_security_group_association",
    ]) {
      expect([type, resourcesOf(json, type)]).toEqual([type, {}]);
    }
    expect(single(json, "azurerm_machine_learning_workspace")).toMatchObject({ managed_network: { isolation_mode: "AllowInternetOutbound", provision_on_creation_enabled: false } });
    expect(single(json, "azurerm_data_factory")).toMatchObject({ managed_virtual_network_enabled: false });
  });
});

describe("PrivateEndpoints on its own", () => {
  const ids = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-hub");
  const vnet = ids.subnet("vnet-hub", "x").replace(/\/subnets\/x$/, "");
  const props = {
    resourceGroupName: "rg-hub",
    location: "westeurope",
    subnetId: `${vnet}/subnets/snet-pe`,
    virtualNetworkId: vnet,
    namePrefix: "team",
    targets: { vault: { resourceId: ids.keyVault("kv-team"), subresource: "vault" as const }, blob: { resourceId: ids.storage("stteam"), subresource: "blob" as const } },
  };

  test("existing DNS zones are used, not created or linked again; the others are created and linked", () => {
    const hubZone = `${ids.resourceGroup}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
    const stack = bareStack();
    new PrivateEndpoints(stack, "pe", { ...props, existingDnsZoneIds: { "privatelink.vaultcore.azure.net": hubZone } });
    const json = synthJson(stack);
    expect(Object.values(resourcesOf(json, "azurerm_private_dns_zone")).map((z) => z.name)).toEqual(["privatelink.blob.core.windows.net"]);
    expect(Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link")).map((l) => l.private_dns_zone_name)).toEqual([zoneRef(json, "privatelink.blob.core.windows.net", "name")]);
    const groups = Object.fromEntries(Object.values(resourcesOf(json, "azurerm_private_endpoint")).map((e) => [e.name, (e.private_dns_zone_group as { private_dns_zone_ids: string[] }).private_dns_zone_ids]));
    expect(groups).toEqual({ "pe-team-vault": [hubZone], "pe-team-blob": [zoneRef(json, "privatelink.blob.core.windows.net", "id")] });
    const connections = Object.fromEntries(Object.values(resourcesOf(json, "azurerm_private_endpoint")).map((e) => [e.name, e.private_service_connection]));
    expect(connections).toEqual({
      "pe-team-vault": { name: "team-vault", private_connection_resource_id: ids.keyVault("kv-team"), subresource_names: ["vault"], is_manual_connection: false },
      "pe-team-blob": { name: "team-blob", private_connection_resource_id: ids.storage("stteam"), subresource_names: ["blob"], is_manual_connection: false },
    });
  });

  test("the zones and links carry the given tags (a copy), and each link is named after the prefix, without registration", () => {
    const tags = { costCentre: "ml-42", owner: "team" };
    const stack = bareStack();
    new PrivateEndpoints(stack, "pe", { ...props, tags });
    tags.owner = "changed later";
    const json = synthJson(stack);
    const zones = Object.values(resourcesOf(json, "azurerm_private_dns_zone"));
    const links = Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link"));
    expect(zones).toHaveLength(2);
    expect(links).toHaveLength(2);
    for (const r of [...zones, ...links]) expect(r.tags).toEqual({ costCentre: "ml-42", owner: "team" });
    for (const l of links) expect(l).toMatchObject({ name: "team-link", registration_enabled: false, virtual_network_id: vnet, resource_group_name: "rg-hub" });
    // Without tags nothing is tagged (no empty map either).
    const untagged = bareStack();
    new PrivateEndpoints(untagged, "pe", props);
    const plain = synthJson(untagged);
    for (const r of [...Object.values(resourcesOf(plain, "azurerm_private_dns_zone")), ...Object.values(resourcesOf(plain, "azurerm_private_dns_zone_virtual_network_link"))]) {
      expect(r.tags).toBeUndefined();
    }
  });

  test("a subnet of another network is rejected (its DNS zones would be linked to the wrong network)", () => {
    const other = `${ids.resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-pe`;
    expect(problemsOf(() => new PrivateEndpoints(bareStack(), "pe", { ...props, subnetId: other }))).toEqual([
      `test/pe: subnetId "${other}" must be a subnet of virtualNetworkId (the DNS zones are linked to that network)`,
    ]);
  });

  test("an unknown sub-resource and a target that is not an ARM id are rejected", () => {
    const targets = { x: { resourceId: "kv-team", subresource: "sql" as never } };
    expect(problemsOf(() => new PrivateEndpoints(bareStack(), "pe", { ...props, targets }))).toEqual([
      `test/pe: targets.x.resourceId "kv-team" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      expect.stringMatching(/^test\/pe: targets\.x\.subresource "sql" must be one of "amlworkspace", /),
    ]);
  });
});

describe("EnvironmentNetwork on its own", () => {
  const props = { name: "vnet-team", resourceGroupName: "rg-team", location: "westeurope", addressSpace: "10.50.0.0/24", subnetPrefix: "10.50.0.0/26" };

  test("its subnet always gets an NSG (a chosen name, or the network's name + -nsg), without tags unless given", () => {
    const stack = bareStack();
    new EnvironmentNetwork(stack, "net", { ...props, networkSecurityGroupName: "nsg-team-pe" });
    const json = synthJson(stack);
    expect(single(json, "azurerm_network_security_group")).toEqual({ name: "nsg-team-pe", resource_group_name: "rg-team", location: "westeurope" });
    const plain = bareStack();
    new EnvironmentNetwork(plain, "net", props);
    expect(single(synthJson(plain), "azurerm_network_security_group").name).toBe("vnet-team-nsg");
  });

  test.each(["-nsg", "nsg.", "n", "x".repeat(81), "nsg team"])("rejects the NSG name %j", (networkSecurityGroupName) => {
    expect(problemsOf(() => new EnvironmentNetwork(bareStack(), "net", { ...props, networkSecurityGroupName }))).toEqual([
      `test/net: networkSecurityGroupName ${JSON.stringify(networkSecurityGroupName)} must be 2-80 letters, digits, '_', '.' or '-', starting with a letter or digit and not ending with '.' or '-'`,
    ]);
  });
});

describe("WorkspaceOutboundRules on its own", () => {
  const ws = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-ml").workspace("mlw");
  test("custom host names replace the defaults, wildcards get a valid rule name, bad names are rejected", () => {
    const stack = bareStack();
    new WorkspaceOutboundRules(stack, "rules", { workspaceId: ws, fqdns: ["*.example.org", "repo.example.com"] });
    const json = synthJson(stack);
    expect(Object.values(resourcesOf(json, "azurerm_machine_learning_workspace_network_outbound_rule_fqdn")).map((r) => [r.name, r.destination_fqdn])).toEqual([
      ["allow-wildcard-example-org", "*.example.org"],
      ["allow-repo-example-com", "repo.example.com"],
    ]);
    expect(problemsOf(() => new WorkspaceOutboundRules(bareStack(), "rules", { workspaceId: ws, fqdns: ["https://pypi.org"], privateEndpoints: [{ name: "bad name", serviceResourceId: "x", subResourceTarget: "" }] }))).toEqual([
      `test/rules: fqdns[0] "https://pypi.org" must be a host name, optionally starting with '*.'`,
      `test/rules: privateEndpoints[0].name "bad name" must be 1-64 letters, digits, '_' or '-'`,
      `test/rules: privateEndpoints[0].serviceResourceId "x" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/rules: privateEndpoints[0].subResourceTarget "" must be a non-empty string`,
    ]);
  });
});

describe("the network constructs' checks, message by message", () => {
  const ids = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-hub");
  const vnet = ids.subnet("vnet-hub", "x").replace(/\/subnets\/x$/, "");
  const good = { resourceGroupName: "rg-hub", location: "westeurope", subnetId: `${vnet}/subnets/pe`, virtualNetworkId: vnet, namePrefix: "team", targets: { blob: { resourceId: ids.storage("st"), subresource: "blob" as const } } };

  test("PrivateEndpoints names every wrong prop", () => {
    const bad = { resourceGroupName: "", location: " ", namePrefix: "-team", subnetId: "snet", virtualNetworkId: 7, targets: { blob: null, vault: { resourceId: ids.keyVault("kv"), subresource: "vault" } } };
    expect(problemsOf(() => new PrivateEndpoints(bareStack(), "pe", bad as never))).toEqual([
      `test/pe: resourceGroupName "" must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and not end with '.'`,
      `test/pe: location " " must be an Azure region name such as westeurope`,
      `test/pe: namePrefix "-team" must be 1-41 letters, digits, '_', '.' or '-', starting with a letter or digit`,
      `test/pe: subnetId "snet" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/pe: virtualNetworkId 7 must be an Azure resource id string`,
      `test/pe: targets.blob null must be an object`,
    ]);
    expect(problemsOf(() => new PrivateEndpoints(bareStack(), "pe", { ...good, targets: [] as never }))).toEqual([`test/pe: targets [] must be an object of endpoint targets by name`]);
  });

  test.each(["team!", "a".repeat(42)])("PrivateEndpoints rejects the name prefix %j (the whole value must match)", (namePrefix) => {
    expect(problemsOf(() => new PrivateEndpoints(bareStack(), "pe", { ...good, namePrefix }))).toEqual([
      `test/pe: namePrefix ${JSON.stringify(namePrefix)} must be 1-41 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    ]);
  });

  test("WorkspaceOutboundRules names every wrong prop; a host name must match whole", () => {
    expect(problemsOf(() => new WorkspaceOutboundRules(bareStack(), "rules", { workspaceId: "mlw", fqdns: "pypi.org" as never, privateEndpoints: {} as never }))).toEqual([
      `test/rules: fqdns "pypi.org" must be a list`,
      `test/rules: privateEndpoints {} must be a list`,
      `test/rules: workspaceId "mlw" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
    ]);
    const ws = ids.workspace("mlw");
    expect(problemsOf(() => new WorkspaceOutboundRules(bareStack(), "rules", { workspaceId: ws, fqdns: ["pypi.org!", "-x.pypi.org/simple"] }))).toEqual([
      `test/rules: fqdns[0] "pypi.org!" must be a host name, optionally starting with '*.'`,
      `test/rules: fqdns[1] "-x.pypi.org/simple" must be a host name, optionally starting with '*.'`,
    ]);
  });

  test.each([
    // [outer, inner, contained]: the outer block is the one its address falls in, aligned or not.
    ["10.0.0.0/16", "10.0.255.0/24", true],
    ["10.0.0.0/16", "10.1.0.0/24", false],
    ["10.0.0.0/24", "10.0.0.0/16", false],
    ["10.0.0.5/24", "10.0.0.128/25", true],
    ["10.0.1.7/24", "10.0.1.0/24", true],
    ["10.0.1.7/24", "10.0.2.0/24", false],
    ["10.0.1.7/24", "10.0.0.0/24", false],
    ["10.0.0.0/24", "10.0.0.255", true],
    ["10.0.0.0/24", "10.0.1.0", false],
  ] as const)("cidrContains(%j, %j) is %j", (outer, inner, contained) => {
    expect(cidrContains(parseCidr(outer)!, parseCidr(inner)!)).toBe(contained);
  });

  test.each(["10.0.0.0/24", "10.0.0.1", "10.0.0.128/25", "192.168.255.255"])("parseCidr reads %j", (cidr) => expect(parseCidr(cidr)).toBeDefined());
  test.each(["x10.0.0.0/24", "10.0.0.0/24x", "10.0.0.0/33", "256.0.0.0/8", "10.0.0/24", 42])("parseCidr rejects %j (the whole value must be a CIDR)", (cidr) => {
    expect(parseCidr(cidr)).toBeUndefined();
  });
});

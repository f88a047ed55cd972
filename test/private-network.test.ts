import { Testing } from "cdktf";
import { DatapathStack } from "../stacks/datapath-stack";
import { EnvironmentConfig, PrivateNetworkConfig } from "../stacks/config";
import { environments } from "../stacks/environments";
import { refTo, resourcesOf, single, synthJson } from "./helpers";
import { armIds } from "./azure-ids";

const privateEnvs = environments.filter((e) => e.network.profile === "private");
const withNetwork = (cfg: EnvironmentConfig, network: PrivateNetworkConfig): EnvironmentConfig => ({ ...cfg, network });
const synth = (cfg: EnvironmentConfig) => synthJson(new DatapathStack(Testing.app(), cfg.name, cfg));

describe.each(privateEnvs.map((e) => [e.name, e] as const))("%s: a private environment deployable without pre-existing networking", (_name, cfg) => {
  const json = synth(cfg);
  const net = cfg.network as PrivateNetworkConfig;

  test("creates its virtual network and subnet from the configured ranges", () => {
    expect(single(json, "azurerm_virtual_network")).toMatchObject({ address_space: [net.addressSpace] });
    expect(single(json, "azurerm_subnet")).toMatchObject({
      address_prefixes: [net.subnetPrefix],
      virtual_network_name: refTo(json, "azurerm_virtual_network", "name"),
      private_endpoint_network_policies: "Disabled",
    });
  });

  test("every private endpoint sits in that subnet and every DNS zone is linked to that network", () => {
    const endpoints = Object.values(resourcesOf(json, "azurerm_private_endpoint"));
    expect(endpoints.length).toBeGreaterThan(0);
    for (const e of endpoints) expect(e.subnet_id).toBe(refTo(json, "azurerm_subnet", "id"));
    for (const l of Object.values(resourcesOf(json, "azurerm_private_dns_zone_virtual_network_link"))) expect(l.virtual_network_id).toBe(refTo(json, "azurerm_virtual_network", "id"));
  });

  test("no placeholder or zero-GUID id anywhere in the stack", () => {
    expect(JSON.stringify(json)).not.toContain("00000000-0000-0000-0000-000000000000");
  });

  test("the storage account has no public endpoint unless a deployer allow-list is given", () => {
    expect(single(json, "azurerm_storage_account")).toMatchObject({ public_network_access_enabled: false, network_rules: { default_action: "Deny" } });
    expect(single(json, "azurerm_storage_account").network_rules).not.toHaveProperty("ip_rules");
  });
});

describe("network variants", () => {
  const base = privateEnvs[0];
  const ids = armIds("7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "rg-net");
  const vnet = ids.subnet("vnet-hub", "x").replace(/\/subnets\/x$/, "");

  test("an existing network: no network created, endpoints in the given subnet", () => {
    const json = synth(withNetwork(base, { profile: "private", virtualNetworkId: vnet, subnetId: `${vnet}/subnets/snet-pe` }));
    expect(resourcesOf(json, "azurerm_virtual_network")).toEqual({});
    for (const e of Object.values(resourcesOf(json, "azurerm_private_endpoint"))) expect(e.subnet_id).toBe(`${vnet}/subnets/snet-pe`);
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

import { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { attributesOf, Rule } from "../rule";

/** Subnets Azure reserves for gateways, firewalls and Route Server: they take no NSG (checkov exempts the first two). */
const NO_NSG_ALLOWED = ["gatewaysubnet", "azurefirewallsubnet", "azurefirewallmanagementsubnet", "routeserversubnet"];

/**
 * Every subnet the stack creates has a network security group: an
 * azurerm_subnet_network_security_group_association in the same stack names it. All profiles (only
 * the private profile creates a subnet); an existing subnet the stack only attaches to is not a
 * resource of the stack, so its owner answers for its NSG. Subnets Azure does not allow an NSG on
 * (GatewaySubnet, AzureFirewallSubnet, AzureFirewallManagementSubnet, RouteServerSubnet) are not
 * applicable. Mirrors checkov CKV2_AZURE_31 and Azure Policy e71308d3.
 *
 * Like `private-endpoint-configured`, it sees the other resources of the stack through
 * `TerraformStack.of(node)`.
 */
export const subnetNetworkSecurityGroup: Rule = {
  id: "subnet-network-security-group",
  mirrors: ["CKV2_AZURE_31", "Azure Policy e71308d3"],
  attribute: "(an azurerm_subnet_network_security_group_association whose subnet_id is this subnet's id)",
  fix: "associate a network security group with the subnet (EnvironmentNetwork does: lib/platform/virtual-network.ts)",
  check(node: IConstruct) {
    const attrs = attributesOf(node, "azurerm_subnet");
    if (!attrs || !TerraformResource.isTerraformResource(node)) return "not-applicable";
    if (typeof attrs.name === "string" && NO_NSG_ALLOWED.includes(attrs.name.toLowerCase())) return "not-applicable";
    const stack = TerraformStack.of(node);
    // References are tokens: resolve both sides to their Terraform expressions before comparing.
    const resolve = (v: unknown) => Tokenization.resolve(v, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }) as unknown;
    const myId = `\${azurerm_subnet.${node.friendlyUniqueId}.id}`;
    const associated = stack.node
      .findAll()
      .map((c) => attributesOf(c, "azurerm_subnet_network_security_group_association"))
      .some((a) => a !== undefined && resolve(a.subnet_id) === myId && a.network_security_group_id !== undefined && a.network_security_group_id !== "");
    return associated ? "compliant" : "non-compliant";
  },
};

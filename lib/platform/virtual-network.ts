import { Construct } from "constructs";
import { VirtualNetwork } from "@cdktf/provider-azurerm/lib/virtual-network";
import { Subnet } from "@cdktf/provider-azurerm/lib/subnet";
import { NetworkSecurityGroup } from "@cdktf/provider-azurerm/lib/network-security-group";
import { NetworkSecurityRule } from "@cdktf/provider-azurerm/lib/network-security-rule";
import { SubnetNetworkSecurityGroupAssociation } from "@cdktf/provider-azurerm/lib/subnet-network-security-group-association";
import { Checker, reportProblems, under } from "../core/validation";
import { checkRegion } from "../core/arm";
import { checkName } from "../core/naming";

export interface EnvironmentNetworkProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Address space of the virtual network (CIDR, e.g. "10.42.0.0/24"). */
  readonly addressSpace: string;
  /** The subnet for private endpoints and compute (CIDR inside `addressSpace`, /27 or larger). */
  readonly subnetPrefix: string;
  /**
   * Subnet name.
   * @default "snet-private-endpoints"
   */
  readonly subnetName?: string;
  /**
   * Name of the subnet's network security group.
   * @default `${name}-nsg`
   */
  readonly networkSecurityGroupName?: string;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A parsed IPv4 CIDR: network address as a 32-bit number and prefix length. */
export interface Cidr {
  readonly address: number;
  readonly prefix: number;
}

/** Parse "a.b.c.d/n" (a bare address is a /32); undefined when malformed. */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { address: octets.reduce((acc, o) => acc * 256 + o, 0), prefix };
}

const size = (c: Cidr) => 2 ** (32 - c.prefix);
/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  const start = outer.address - (outer.address % size(outer));
  return inner.prefix >= outer.prefix && inner.address >= start && inner.address + size(inner) <= start + size(outer);
}
/** True when the address is the first of its block (no host bits set), as Azure requires. */
export const isNetworkAddress = (c: Cidr): boolean => c.address % size(c) === 0;

/** RFC 1918, loopback, link-local and CGNAT ranges: never a deployer's public address. */
const NON_PUBLIC = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10"].map((c) => parseCidr(c)!);
export const isPublicRange = (c: Cidr): boolean => !NON_PUBLIC.some((n) => cidrContains(n, c));

/**
 * Problems with the address space of a network and its subnet, reported under `prefix` (the
 * construct: none; an environment config: `network`).
 */
export function validateNetworkRanges(c: Checker, prefix: string, ranges: { readonly addressSpace?: unknown; readonly subnetPrefix?: unknown }): void {
  const space = parseCidr(ranges.addressSpace);
  const subnet = parseCidr(ranges.subnetPrefix);
  if (!space || !isNetworkAddress(space) || space.prefix > 29) c.fail(under(prefix, "addressSpace"), ranges.addressSpace, "must be an IPv4 CIDR network address such as 10.42.0.0/24 (/29 or larger)");
  if (!subnet || !isNetworkAddress(subnet) || subnet.prefix > 27) c.fail(under(prefix, "subnetPrefix"), ranges.subnetPrefix, "must be an IPv4 CIDR network address of /27 or larger (room for a dozen private endpoints)");
  else if (space && !cidrContains(space, subnet)) c.fail(under(prefix, "subnetPrefix"), ranges.subnetPrefix, `must lie inside ${under(prefix, "addressSpace")} ${String(ranges.addressSpace)}`);
}

/** Priority of the explicit Internet deny: the last one a custom rule can take (Azure's own defaults start at 65000). */
export const DENY_INTERNET_INBOUND_PRIORITY = 4096;

/**
 * The environment's own virtual network and subnet, for the private profile when no existing
 * network is given: private endpoints and the DNS zone links go here. The subnet has a network
 * security group (checkov CKV2_AZURE_31, Azure Policy e71308d3) that denies inbound traffic from
 * the Internet and otherwise keeps Azure's default rules (traffic within the virtual network, and
 * peered networks, allowed; everything else inbound denied). An existing subnet (attach mode) is
 * never modified: its owner attaches the NSG.
 */
export class EnvironmentNetwork extends Construct {
  readonly virtualNetwork: VirtualNetwork;
  readonly subnet: Subnet;
  readonly networkSecurityGroup: NetworkSecurityGroup;
  readonly networkSecurityGroupAssociation: SubnetNetworkSecurityGroupAssociation;

  constructor(scope: Construct, id: string, props: EnvironmentNetworkProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    c.name("name", props.name, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/, "must be 2-64 letters, digits, '_', '.' or '-', starting with a letter or digit and not ending with '.' or '-'");
    checkName(c, "resourceGroupName", props.resourceGroupName, "resourceGroup");
    checkRegion(c, "location", props.location);
    if (props.subnetName !== undefined) c.name("subnetName", props.subnetName, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$/, "must be 2-80 letters, digits, '_', '.' or '-', not ending with '.' or '-'");
    if (props.networkSecurityGroupName !== undefined) {
      c.name("networkSecurityGroupName", props.networkSecurityGroupName, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$/, "must be 2-80 letters, digits, '_', '.' or '-', starting with a letter or digit and not ending with '.' or '-'");
    }
    validateNetworkRanges(c, "", props);
    reportProblems(this, c.problems);

    this.virtualNetwork = new VirtualNetwork(this, "vnet", {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      addressSpace: [props.addressSpace],
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.subnet = new Subnet(this, "subnet", {
      name: props.subnetName ?? "snet-private-endpoints",
      resourceGroupName: props.resourceGroupName,
      virtualNetworkName: this.virtualNetwork.name,
      addressPrefixes: [props.subnetPrefix],
      // Private endpoints ignore NSGs and route tables unless this is enabled; nothing here needs them.
      privateEndpointNetworkPolicies: "Disabled",
    });

    // With the network policies above disabled, the private endpoints' own traffic is not filtered
    // by this NSG. It still matters: it is the filter for any other network interface placed in
    // the subnet later (a VM, a runner, a load balancer), it takes effect for the endpoints as soon
    // as someone enables network policies, and scanners and Azure Policy require one on every
    // subnet. No rule opens anything: Azure's defaults already allow traffic within the virtual
    // network (and peered networks) and deny the rest; the one rule here states the Internet deny
    // explicitly, below any rule someone might add.
    this.networkSecurityGroup = new NetworkSecurityGroup(this, "nsg", {
      name: props.networkSecurityGroupName ?? `${props.name}-nsg`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    // A rule resource of its own, not an inline security_rule: inline rules in JSON must list
    // every attribute, and the two styles must never be mixed on one NSG.
    new NetworkSecurityRule(this, "deny-internet-inbound", {
      name: "DenyInternetInbound",
      description: "Nothing in this subnet is reached from the Internet: private endpoints are used from the virtual network and peered networks.",
      resourceGroupName: props.resourceGroupName,
      networkSecurityGroupName: this.networkSecurityGroup.name,
      priority: DENY_INTERNET_INBOUND_PRIORITY,
      direction: "Inbound",
      access: "Deny",
      protocol: "*",
      sourceAddressPrefix: "Internet",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: "*",
    });
    this.networkSecurityGroupAssociation = new SubnetNetworkSecurityGroupAssociation(this, "nsg-association", {
      subnetId: this.subnet.id,
      networkSecurityGroupId: this.networkSecurityGroup.id,
    });
  }

  get virtualNetworkId(): string {
    return this.virtualNetwork.id;
  }
  /**
   * The subnet's id, read from its NSG association: whatever uses it (the private endpoints) is
   * created after the NSG is attached, so the association never updates the subnet while endpoints
   * are being added to it. The value is the subnet's id.
   */
  get subnetId(): string {
    return this.networkSecurityGroupAssociation.subnetId;
  }
}

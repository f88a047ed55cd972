import { Construct } from "constructs";
import { VirtualNetwork } from "@cdktf/provider-azurerm/lib/virtual-network";
import { Subnet } from "@cdktf/provider-azurerm/lib/subnet";
import { Checker, reportProblems } from "../core/validation";

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
 * The environment's own virtual network and subnet, for the private profile when no existing
 * network is given: private endpoints and the DNS zone links go here.
 */
export class EnvironmentNetwork extends Construct {
  readonly virtualNetwork: VirtualNetwork;
  readonly subnet: Subnet;

  constructor(scope: Construct, id: string, props: EnvironmentNetworkProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    c.name("name", props.name, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_]$/, "must be 2-64 letters, digits, '_', '.' or '-', starting with a letter or digit and not ending with '.' or '-'");
    c.nonEmptyString("resourceGroupName", props.resourceGroupName);
    c.nonEmptyString("location", props.location);
    if (props.subnetName !== undefined) c.name("subnetName", props.subnetName, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$/, "must be 2-80 letters, digits, '_', '.' or '-', not ending with '.' or '-'");
    const space = parseCidr(props.addressSpace);
    const subnet = parseCidr(props.subnetPrefix);
    if (!space || !isNetworkAddress(space) || space.prefix > 29) c.fail("addressSpace", props.addressSpace, "must be an IPv4 CIDR network address such as 10.42.0.0/24 (/29 or larger)");
    if (!subnet || !isNetworkAddress(subnet) || subnet.prefix > 27) c.fail("subnetPrefix", props.subnetPrefix, "must be an IPv4 CIDR network address of /27 or larger (room for a dozen private endpoints)");
    else if (space && !cidrContains(space, subnet)) c.fail("subnetPrefix", props.subnetPrefix, `must lie inside addressSpace ${props.addressSpace}`);
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
  }

  get virtualNetworkId(): string {
    return this.virtualNetwork.id;
  }
  get subnetId(): string {
    return this.subnet.id;
  }
}

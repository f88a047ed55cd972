import { Construct } from "constructs";
import { Token } from "cdktf";
import { PrivateDnsZone } from "@cdktf/provider-azurerm/lib/private-dns-zone";
import { PrivateDnsZoneVirtualNetworkLink } from "@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { Checker, isObject, reportProblems } from "../core/validation";
import { armIdName, checkArmId, checkRegion, isSubnetOf } from "../core/arm";
import { checkName } from "../core/naming";

/** Private Link sub-resources and the DNS zones their names resolve in (Azure public cloud). */
export const PRIVATE_DNS_ZONES = {
  amlworkspace: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"],
  blob: ["privatelink.blob.core.windows.net"],
  file: ["privatelink.file.core.windows.net"],
  queue: ["privatelink.queue.core.windows.net"],
  table: ["privatelink.table.core.windows.net"],
  vault: ["privatelink.vaultcore.azure.net"],
  dataFactory: ["privatelink.datafactory.azure.net"],
  portal: ["privatelink.adf.azure.com"],
  registry: ["privatelink.azurecr.io"],
} as const;
export type PrivateLinkSubresource = keyof typeof PRIVATE_DNS_ZONES;

/** The zones of a sub-resource; none for an unknown one (reported by the checks), even one named like an Object method. */
const zonesOf = (subresource: string): readonly string[] => (Object.hasOwn(PRIVATE_DNS_ZONES, subresource) ? PRIVATE_DNS_ZONES[subresource as PrivateLinkSubresource] : []);

export interface PrivateEndpointTarget {
  /** ARM id of the resource to reach privately. */
  readonly resourceId: string;
  readonly subresource: PrivateLinkSubresource;
}

export interface PrivateEndpointsProps {
  readonly resourceGroupName: string;
  readonly location: string;
  /** Subnet the endpoints' network interfaces are placed in. */
  readonly subnetId: string;
  /** Virtual network the private DNS zones are linked to. */
  readonly virtualNetworkId: string;
  /** Prefix of the endpoints' names. */
  readonly namePrefix: string;
  /** One endpoint per entry; the key names it (e.g. `workspace`, `storage-blob`). */
  readonly targets: Readonly<Record<string, PrivateEndpointTarget>>;
  /**
   * Ids of existing private DNS zones (by zone name), e.g. a hub's central zones. Zones not listed are created here.
   * @default {} (create every zone)
   */
  readonly existingDnsZoneIds?: Readonly<Record<string, string>>;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

const KNOWN_ZONES: readonly string[] = Object.values(PRIVATE_DNS_ZONES).flat();

/**
 * Problems with existing private DNS zone ids by zone name, reported under `property` (the
 * construct: `existingDnsZoneIds`; an environment config: `network.existingDnsZoneIds`). Each key is
 * a zone the endpoints may need, each value the id of that zone. Returns the valid entries.
 */
export function validateExistingDnsZoneIds(c: Checker, property: string, value: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    c.fail(property, value, "must be an object of private DNS zone ids by zone name");
    return {};
  }
  return Object.fromEntries(
    Object.entries(value).filter(([zone, id]) => {
      if (!KNOWN_ZONES.includes(zone)) return c.fail(`${property}.${zone}`, id, `names no zone a private endpoint here uses (${KNOWN_ZONES.join(", ")})`);
      if (!checkArmId(c, `${property}.${zone}`, id, "Microsoft.Network/privateDnsZones")) return false;
      if (typeof id === "string" && !Token.isUnresolved(id) && armIdName(id).toLowerCase() !== zone) return c.fail(`${property}.${zone}`, id, `must be the id of the zone ${zone}`);
      return true;
    }),
  );
}

/**
 * Private endpoints into one subnet, with the private DNS zones their names resolve in, linked to
 * the virtual network. Used by the `private` network profile.
 */
export class PrivateEndpoints extends Construct {
  readonly endpoints: Readonly<Record<string, PrivateEndpoint>>;
  readonly dnsZoneIds: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: PrivateEndpointsProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    checkName(c, "resourceGroupName", props.resourceGroupName, "resourceGroup");
    checkRegion(c, "location", props.location);
    c.name("namePrefix", props.namePrefix, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/, "must be 1-41 letters, digits, '_', '.' or '-', starting with a letter or digit");
    c.resourceId("subnetId", props.subnetId);
    c.resourceId("virtualNetworkId", props.virtualNetworkId);
    const literal = (v: unknown): v is string => typeof v === "string" && !Token.isUnresolved(v);
    if (literal(props.subnetId) && literal(props.virtualNetworkId) && !isSubnetOf(props.subnetId, props.virtualNetworkId)) {
      c.fail("subnetId", props.subnetId, "must be a subnet of virtualNetworkId (the DNS zones are linked to that network)");
    }
    if (!isObject(props.targets)) c.fail("targets", props.targets, "must be an object of endpoint targets by name");
    const targets = Object.entries(isObject(props.targets) ? props.targets : {}).filter(([key, t]) => isObject(t) || c.fail(`targets.${key}`, t, "must be an object"));
    for (const [key, t] of targets) {
      c.resourceId(`targets.${key}.resourceId`, t.resourceId);
      c.oneOf(`targets.${key}.subresource`, t.subresource, Object.keys(PRIVATE_DNS_ZONES) as PrivateLinkSubresource[]);
    }
    const existingZones = validateExistingDnsZoneIds(c, "existingDnsZoneIds", props.existingDnsZoneIds);
    reportProblems(this, c.problems);

    const tags = props.tags ? { ...props.tags } : undefined;
    const zoneIds: Record<string, string> = {};
    const zonesNeeded = [...new Set(targets.flatMap(([, t]) => zonesOf(t.subresource)))].sort();
    for (const zone of zonesNeeded) {
      const existing = existingZones[zone];
      if (existing !== undefined) {
        zoneIds[zone] = existing;
        continue;
      }
      const z = new PrivateDnsZone(this, `zone-${zone}`, { name: zone, resourceGroupName: props.resourceGroupName, tags });
      new PrivateDnsZoneVirtualNetworkLink(this, `link-${zone}`, {
        name: `${props.namePrefix}-link`,
        resourceGroupName: props.resourceGroupName,
        privateDnsZoneName: z.name,
        virtualNetworkId: props.virtualNetworkId,
        registrationEnabled: false,
        tags,
      });
      zoneIds[zone] = z.id;
    }
    this.dnsZoneIds = zoneIds;

    const endpoints: Record<string, PrivateEndpoint> = {};
    for (const [key, t] of targets) {
      endpoints[key] = new PrivateEndpoint(this, `pe-${key}`, {
        name: `pe-${props.namePrefix}-${key}`,
        location: props.location,
        resourceGroupName: props.resourceGroupName,
        subnetId: props.subnetId,
        privateServiceConnection: {
          name: `${props.namePrefix}-${key}`,
          privateConnectionResourceId: t.resourceId,
          subresourceNames: [t.subresource],
          isManualConnection: false,
        },
        // An unknown sub-resource is reported above; the endpoint is still built (without zones) so every other problem is found too.
        privateDnsZoneGroup: { name: "default", privateDnsZoneIds: (zonesOf(t.subresource)).map((z) => zoneIds[z]) },
        tags,
      });
    }
    this.endpoints = endpoints;
  }
}

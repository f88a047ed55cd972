/**
 * Architecture diagrams generated from a synthesized stack (cdk.tf.json), never drawn by hand.
 *
 * `buildModel` turns the Terraform JSON into a small graph (nodes grouped into clusters, reference
 * edges and role-assignment edges); `toDot` writes it as Graphviz DOT. Both are pure and
 * deterministic: nodes and edges are sorted, and nothing machine-specific goes into the output.
 * scripts/diagram.ts renders the DOT to SVG.
 *
 * Readability choices (the picture should stay at about 30 boxes for dev):
 * - Role assignments are not boxes but dashed edges principal → scope, labelled with the role.
 * - Data sources are not boxes; the deployer's client config becomes one "Deploying identity" box
 *   when it is the principal of a role assignment.
 * - AML asset container + version pairs (codes, environments, components, ...) are one box.
 * - Blobs are one box per folder, content-hash segments of the path ignored ("Code blobs (prepare)").
 * - A private DNS zone and its VNet link are one box; the workspace's outbound rules of one kind are one box.
 * - Version hashes are never shown: they change with every code edit and would make the picture churn.
 * - Edges to the resource group are dropped (every resource lives in it; the group is a lone box).
 * - Purely structural "child of" edges (`parent_id`, `data_factory_id`) are dropped when the parent
 *   is reachable from the child through other edges anyway (e.g. trigger → pipeline → factory makes
 *   trigger → factory redundant); otherwise they stay, since they are the only link.
 * - `depends_on` counts as a reference (code version → its uploaded blobs, endpoint update → deployment).
 */

export type Group = "storage" | "ml" | "factory" | "network" | "monitoring" | "identity" | "other";

export const GROUP_ORDER: readonly Group[] = ["factory", "ml", "storage", "network", "monitoring", "identity", "other"];

export const GROUP_LABELS: Readonly<Record<Group, string>> = {
  storage: "Storage",
  ml: "Machine Learning",
  factory: "Data Factory",
  network: "Network",
  monitoring: "Monitoring",
  identity: "Identity",
  other: "Other",
};

export interface DiagramNode {
  /** Stable id: the Terraform address of the (main) resource, or a synthetic id for merged/virtual boxes. */
  readonly id: string;
  /** Lines of the box label: the kind first, then names. */
  readonly label: string;
  readonly group: Group;
  /** Terraform addresses drawn by this box (empty for virtual boxes such as the deploying identity). */
  readonly addresses: readonly string[];
}

export type EdgeKind = "reference" | "role";

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
}

export interface DiagramModel {
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

type Block = Record<string, unknown>;

/** The part of cdk.tf.json the diagram reads. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
}

/** One reference found in a resource's attributes. */
export interface Reference {
  /** `type.name` for resources, `data.type.name` for data sources. */
  readonly address: string;
  readonly type: string;
  readonly dataSource: boolean;
  /** What is read from it, e.g. `id`, `output.properties.scoringUri`, `identity[0].principal_id` ("" for depends_on). */
  readonly attribute: string;
  /** Where the reference sits in the referencing resource, e.g. `parent_id`, `pipeline[0].name`. */
  readonly path: string;
}

const ROLE_ASSIGNMENT = "azurerm_role_assignment";
/** Mechanics, not architecture: waits between a grant and its first use. */
const HIDDEN_TYPES = new Set(["time_sleep"]);
const RESOURCE_GROUP = "azurerm_resource_group";
const DEPLOYING_IDENTITY = "deploying-identity";
/** Attributes that only say "this lives inside that"; see the header comment. */
const STRUCTURAL_ATTRIBUTES = new Set(["parent_id", "data_factory_id"]);
/** Referenced attributes too generic to label an edge with. */
const PLAIN_ATTRIBUTES = new Set(["", "id", "name", "resource_manager_id"]);
/** Keys of a resource body that hold no references worth drawing. */
const SKIPPED_KEYS = new Set(["//", "lifecycle", "provider"]);

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isLiteral = (v: unknown): v is string => typeof v === "string" && v !== "" && !v.includes("${");

/** The `${...}` expressions of a Terraform string (escaped `$${` is literal text), nested braces included. */
export function interpolations(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      i += 3;
      continue;
    }
    if (!s.startsWith("${", i)) {
      i += 1;
      continue;
    }
    let depth = 1;
    let j = i + 2;
    while (j < s.length && depth > 0) {
      if (s[j] === "{") depth += 1;
      else if (s[j] === "}") depth -= 1;
      j += 1;
    }
    out.push(s.slice(i + 2, depth === 0 ? j - 1 : j));
    i = j;
  }
  return out;
}

const TOKEN = /(?<![\w.\-\]])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)((?:\.[\w-]+|\[[^\]]*\])*)/g;

function exists(tf: TerraformJson, dataSource: boolean, type: string, name: string): boolean {
  const table = dataSource ? tf.data : tf.resource;
  return Object.prototype.hasOwnProperty.call(table?.[type] ?? {}, name);
}

/**
 * Every reference to a resource or data source of `tf` in `value` (recursively through objects and
 * arrays), in document order. Only addresses that exist in `tf` count, so AML's own `${{inputs.x}}`
 * syntax or function names are never mistaken for references. `depends_on` entries count too.
 */
export function findReferences(tf: TerraformJson, value: unknown, path = ""): Reference[] {
  const out: Reference[] = [];
  const fromExpression = (expr: string, at: string): void => {
    for (const m of expr.matchAll(TOKEN)) {
      const dataSource = m[1] !== undefined;
      const [type, name] = [m[2], m[3]];
      if (!exists(tf, dataSource, type, name)) continue;
      const attribute = (m[4] ?? "").replace(/^\./, "");
      out.push({ address: `${dataSource ? "data." : ""}${type}.${name}`, type, dataSource, attribute, path: at });
    }
  };
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "string") {
      for (const expr of interpolations(v)) fromExpression(expr, at);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${at}[${i}]`));
    } else if (v !== null && typeof v === "object") {
      for (const key of Object.keys(v).sort(compare)) {
        if (at === "" && SKIPPED_KEYS.has(key)) continue;
        const child = (v as Block)[key];
        const childPath = at === "" ? key : `${at}.${key}`;
        if (at === "" && key === "depends_on" && Array.isArray(child)) {
          child.forEach((d, i) => typeof d === "string" && fromExpression(d, `depends_on[${i}]`));
        } else {
          walk(child, childPath);
        }
      }
    }
  };
  walk(value, path);
  return out;
}

/** The cluster a resource type (with its ARM type, for azapi resources) is drawn in. */
export function groupOf(type: string, armType = ""): Group {
  if (type.startsWith("azapi_") && armType.startsWith("Microsoft.DataFactory/")) return "factory";
  if (type.startsWith("azapi_")) return "ml";
  if (type.startsWith("azurerm_machine_learning_datastore")) return "storage";
  if (/^azurerm_(monitor_|log_analytics_saved_search)/.test(type)) return "monitoring";
  if (type.startsWith("azurerm_machine_learning_workspace_network_outbound_rule")) return "network";
  if (type.startsWith("azurerm_storage_")) return "storage";
  if (type.startsWith("azurerm_data_factory")) return "factory";
  if (/^azurerm_(private_endpoint|private_dns|private_link|virtual_network|subnet|network_|nat_|public_ip)/.test(type)) return "network";
  if (/^azurerm_(machine_learning_|log_analytics_|application_insights|key_vault|container_registry)/.test(type)) return "ml";
  // A resource group holds everything: it is not an identity.
  if (type === "azurerm_resource_group") return "other";
  if (/^azurerm_(user_assigned_identity|role_)/.test(type)) return "identity";
  return "other";
}

const KINDS: Readonly<Record<string, string>> = {
  azurerm_resource_group: "Resource group",
  azurerm_storage_account: "Storage account",
  azurerm_storage_container: "Blob container",
  azurerm_storage_blob: "Blob",
  azurerm_machine_learning_datastore_blobstorage: "Datastore (blob)",
  azurerm_machine_learning_workspace: "ML workspace",
  azurerm_machine_learning_compute_cluster: "Compute cluster",
  azurerm_log_analytics_workspace: "Log Analytics workspace",
  azurerm_application_insights: "Application Insights",
  azurerm_key_vault: "Key vault",
  azurerm_container_registry: "Container registry",
  azurerm_data_factory: "Data factory",
  azurerm_data_factory_pipeline: "ADF pipeline",
  azurerm_data_factory_linked_custom_service: "Linked service",
  azurerm_data_factory_trigger_blob_event: "Blob event trigger",
  azurerm_data_factory_trigger_schedule: "Schedule trigger",
  azurerm_data_factory_integration_runtime_azure: "Integration runtime",
  azurerm_data_factory_managed_private_endpoint: "Managed private endpoint",
  azurerm_private_endpoint: "Private endpoint",
  azurerm_private_dns_zone: "Private DNS zone",
  azurerm_private_dns_zone_virtual_network_link: "DNS zone VNet link",
  azurerm_machine_learning_workspace_network_outbound_rule_fqdn: "Outbound FQDN rule",
  azurerm_client_config: "Client config",
};

const ARM_KINDS: Readonly<Record<string, string>> = {
  codes: "Code",
  environments: "Environment",
  components: "Component",
  models: "Model",
  data: "Data asset",
  datastores: "Datastore",
  computes: "Compute",
  batchEndpoints: "Batch endpoint",
  onlineEndpoints: "Online endpoint",
  deployments: "Deployment",
  pipelines: "ADF pipeline",
  jobs: "Job",
  schedules: "Schedule",
};

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** `batchEndpoints/deployments` → "Batch deployment"; `codes/versions` → "Code version"; `codes` → "Code". */
export function armKind(armType: string): string {
  const segments = armType.split("@")[0].split("/").slice(2); // drop "Microsoft.X" and "workspaces"
  const versions = segments[segments.length - 1] === "versions";
  const last = versions ? segments[segments.length - 2] : segments[segments.length - 1];
  let kind = ARM_KINDS[last ?? ""] ?? capitalise((last ?? "resource").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase().replace(/s$/, ""));
  if (last === "deployments" && segments.includes("batchEndpoints")) kind = "Batch deployment";
  if (last === "deployments" && segments.includes("onlineEndpoints")) kind = "Online deployment";
  return versions ? `${kind} version` : kind;
}

/** Readable kind of a resource ("Storage account", "Batch endpoint", ...). */
export function kindOf(type: string, body: Block): string {
  if ((type === "azapi_resource" || type === "azapi_resource_action") && typeof body.type === "string") return armKind(body.type);
  if (type === "azapi_update_resource" && typeof body.type === "string") return `${armKind(body.type)} update`;
  return KINDS[type] ?? capitalise(type.replace(/^[a-z0-9]+_/, "").replace(/_/g, " "));
}

interface Res {
  readonly address: string;
  readonly type: string;
  readonly body: Block;
  readonly refs: readonly Reference[];
}

const armTypeOf = (r: Res): string => (typeof r.body.type === "string" ? r.body.type : "");
const refAt = (r: Res, path: string): Reference | undefined => r.refs.find((x) => x.path === path && !x.dataSource);
const nameOf = (r: Res): string | undefined => (isLiteral(r.body.name) ? r.body.name : undefined);

/** Folder of a blob name, content-hash segments (8+ hex digits) removed: `datapath/prepare/3324f990e39bec50/prepare.py` → `datapath/prepare`. */
export function blobFolder(name: string): string {
  return name
    .split("/")
    .slice(0, -1)
    .filter((s) => !/^[0-9a-f]{8,}$/.test(s))
    .join("/");
}

/** Label for a role assignment scope or principal given as a literal ARM id / object id. */
function literalIdLabel(id: string, fallbackKind: string): string {
  const parts = id.split("/").filter((p) => p !== "");
  if (parts.length >= 2 && parts.length % 2 === 0) {
    const [kind, name] = parts.slice(-2);
    const kinds: Record<string, string> = { subscriptions: "Subscription", resourceGroups: "Resource group" };
    return `${kinds[kind] ?? capitalise(kind.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase())}\n${name}`;
  }
  return `${fallbackKind}\n${id}`;
}

/** The graph of what `tf` deploys; see the header comment for what is merged or left out. */
export function buildModel(tf: TerraformJson): DiagramModel {
  const all: Res[] = [];
  for (const type of Object.keys(tf.resource ?? {}).sort(compare)) {
    for (const name of Object.keys(tf.resource?.[type] ?? {}).sort(compare)) {
      const body = tf.resource?.[type]?.[name] ?? {};
      all.push({ address: `${type}.${name}`, type, body, refs: findReferences(tf, body) });
    }
  }
  const byAddress = new Map(all.map((r) => [r.address, r]));
  const drawn = all.filter((r) => r.type !== ROLE_ASSIGNMENT && !HIDDEN_TYPES.has(r.type));
  const roleAssignments = all.filter((r) => r.type === ROLE_ASSIGNMENT);

  // --- Which box each resource is drawn in (merges) ---
  const boxOf = new Map<string, string>();
  const boxFor = (r: Res): string => {
    const known = boxOf.get(r.address);
    if (known !== undefined) return known;
    let box = r.address;
    const armType = armTypeOf(r);
    // A version is PUT by an azapi_resource_action (resource_id under its container) or declared as a child resource.
    const parent = refAt(r, "parent_id") ?? refAt(r, "resource_id");
    if (r.type.startsWith("azapi_resource") && /\/versions@/.test(armType) && parent?.type === "azapi_resource" && byAddress.has(parent.address)) {
      box = boxFor(byAddress.get(parent.address) as Res);
    } else if (r.type === "azurerm_private_dns_zone_virtual_network_link") {
      const zone = refAt(r, "private_dns_zone_name");
      if (zone?.type === "azurerm_private_dns_zone") box = zone.address;
    } else if (r.type === "azurerm_storage_blob" && isLiteral(r.body.name)) {
      const container = refAt(r, "storage_container_name");
      const containerName = container ? (nameOf(byAddress.get(container.address) as Res) ?? container.address) : String(r.body.storage_container_name ?? "");
      box = `azurerm_storage_blob[${containerName}:${blobFolder(r.body.name)}]`;
    } else if (r.type === "azurerm_monitor_diagnostic_setting" || r.type === "azurerm_log_analytics_saved_search") {
      // One box for all of them: each resource's logs go the same way.
      box = `${r.type}[*]`;
    } else if (r.type.startsWith("azurerm_machine_learning_workspace_network_outbound_rule")) {
      const ws = refAt(r, "workspace_id");
      box = `${r.type}[${ws?.address ?? ""}]`;
    }
    boxOf.set(r.address, box);
    return box;
  };
  const members = new Map<string, Res[]>();
  for (const r of drawn) {
    const box = boxFor(r);
    members.set(box, [...(members.get(box) ?? []), r]);
  }

  // --- Labels ---
  const referencedByCode = (addresses: Set<string>): boolean =>
    drawn.some((r) => /\/codes\/versions@/.test(armTypeOf(r)) && r.refs.some((x) => addresses.has(x.address)));
  const labelOf = (box: string, ms: Res[]): string => {
    const main = byAddress.get(box);
    if (main !== undefined) {
      const kind = kindOf(main.type, main.body);
      const versions = ms.filter((m) => m !== main && /\/versions@/.test(armTypeOf(m)));
      const links = ms.filter((m) => m.type === "azurerm_private_dns_zone_virtual_network_link");
      if (versions.length > 0) return [`${kind} version${versions.length > 1 ? "s" : ""}`, nameOf(main)].filter(Boolean).join("\n");
      if (links.length > 0) return [`${kind} + VNet link${links.length > 1 ? "s" : ""}`, nameOf(main)].filter(Boolean).join("\n");
      if (main.type === "azapi_update_resource") {
        const body = main.body.body as Block | undefined;
        const props = (body?.properties ?? body ?? {}) as Block;
        return [kind, Object.keys(props).sort(compare).join(", ")].filter(Boolean).join("\n");
      }
      return [kind, nameOf(main)].filter(Boolean).join("\n");
    }
    const first = ms[0];
    if (first.type === "azurerm_storage_blob") {
      const folder = blobFolder(String(first.body.name));
      const code = referencedByCode(new Set(ms.map((m) => m.address)));
      const step = folder.split("/").pop() || folder || "root";
      const files = `${ms.length} file${ms.length === 1 ? "" : "s"}`;
      return code ? `Code blobs (${step})\n${files}` : `Blobs ${folder}/\n${files}`;
    }
    if (first.type === "azurerm_monitor_diagnostic_setting") return `Diagnostic settings\n${ms.length} targets to Log Analytics`;
    if (first.type === "azurerm_log_analytics_saved_search") return `Saved queries\n${ms.length}`;
    const kind = kindOf(first.type, first.body);
    const names = ms.map((m) => (isLiteral(m.body.destination_fqdn) ? m.body.destination_fqdn : nameOf(m))).filter((n): n is string => n !== undefined);
    return [ms.length > 1 ? `${kind}s` : kind, ...names.sort(compare)].join("\n");
  };

  const nodes = new Map<string, DiagramNode>();
  for (const [box, ms] of members) {
    const main = byAddress.get(box) ?? ms[0];
    nodes.set(box, { id: box, label: labelOf(box, ms), group: groupOf(main.type, armTypeOf(main)), addresses: ms.map((m) => m.address).sort(compare) });
  }
  const virtualNode = (id: string, label: string): string => {
    if (!nodes.has(id)) nodes.set(id, { id, label, group: "identity", addresses: [] });
    return id;
  };

  // --- Reference edges ---
  interface Pending {
    labels: Set<string>;
    structural: boolean;
  }
  const refEdges = new Map<string, Pending>();
  for (const r of drawn) {
    const from = boxFor(r);
    for (const ref of r.refs) {
      if (ref.dataSource) continue;
      const target = byAddress.get(ref.address);
      if (target === undefined || target.type === ROLE_ASSIGNMENT || target.type === RESOURCE_GROUP || HIDDEN_TYPES.has(target.type)) continue;
      const to = boxFor(target);
      if (to === from) continue;
      const key = `${from}\u0000${to}`;
      const pending = refEdges.get(key) ?? { labels: new Set<string>(), structural: true };
      const topKey = ref.path.split(/[.[]/)[0];
      pending.structural = pending.structural && STRUCTURAL_ATTRIBUTES.has(topKey);
      const last = ref.attribute.split(".").pop() ?? "";
      if (!PLAIN_ATTRIBUTES.has(ref.attribute) && !PLAIN_ATTRIBUTES.has(last)) pending.labels.add(last);
      refEdges.set(key, pending);
    }
  }
  const keys = [...refEdges.keys()].sort(compare);
  const kept = new Set(keys);
  const reachable = (from: string, to: string, without: string): boolean => {
    const seen = new Set([from]);
    const queue = [from];
    while (queue.length > 0) {
      const at = queue.shift() as string;
      for (const k of kept) {
        if (k === without) continue;
        const [a, b] = k.split("\u0000");
        if (a !== at || seen.has(b)) continue;
        if (b === to) return true;
        seen.add(b);
        queue.push(b);
      }
    }
    return false;
  };
  for (const k of keys) {
    if (!(refEdges.get(k) as Pending).structural) continue;
    const [a, b] = k.split("\u0000");
    if (reachable(a, b, k)) kept.delete(k);
  }
  const edges: DiagramEdge[] = [...kept].map((k) => {
    const [from, to] = k.split("\u0000");
    const labels = [...(refEdges.get(k) as Pending).labels].sort(compare);
    return labels.length > 0 ? { from, to, kind: "reference", label: labels.join(", ") } : { from, to, kind: "reference" };
  });

  // --- Role edges: principal → scope, labelled with the role ---
  const literalResourceGroup = (id: string): string | undefined => {
    const m = /\/resourceGroups\/([^/]+)$/i.exec(id);
    return m ? all.find((r) => r.type === RESOURCE_GROUP && r.body.name === m[1])?.address : undefined;
  };
  const endpoint = (r: Res, attr: "principal_id" | "scope"): string | undefined => {
    const value = r.body[attr];
    // A container named by a datastore read from the workspace (the default datastore's): its own box.
    const datastore = attr === "scope" ? r.refs.find((x) => x.path === attr && x.dataSource && x.type === "azapi_resource") : undefined;
    if (datastore) {
      const name = tf.data?.azapi_resource?.[datastore.address.split(".").pop() as string]?.name;
      if (!nodes.has(datastore.address)) nodes.set(datastore.address, { id: datastore.address, label: `Blob container\nof datastore ${isLiteral(name) ? name : ""}`.trim(), group: "storage", addresses: [] });
      return datastore.address;
    }
    const ref = r.refs.find((x) => x.path === attr);
    if (ref === undefined) {
      if (!isLiteral(value)) return undefined;
      if (attr === "scope") return literalResourceGroup(value) ?? virtualNode(`scope:${value}`, literalIdLabel(value, "Scope"));
      return virtualNode(`principal:${value}`, literalIdLabel(value, "Principal"));
    }
    if (ref.dataSource) {
      if (/_client_config$/.test(ref.type)) return virtualNode(DEPLOYING_IDENTITY, "Deploying identity");
      return virtualNode(ref.address, `${kindOf(ref.type, {})} (data)`);
    }
    const target = byAddress.get(ref.address);
    return target === undefined || target.type === ROLE_ASSIGNMENT ? undefined : boxFor(target);
  };
  const roleKeys = new Set<string>();
  for (const ra of roleAssignments) {
    const from = endpoint(ra, "principal_id");
    const to = endpoint(ra, "scope");
    if (from === undefined || to === undefined) continue;
    const role = isLiteral(ra.body.role_definition_name)
      ? ra.body.role_definition_name
      : isLiteral(ra.body.role_definition_id)
        ? (ra.body.role_definition_id.split("/").pop() as string)
        : "role";
    const key = `${from}\u0000${to}\u0000${role}`;
    if (roleKeys.has(key)) continue;
    roleKeys.add(key);
    edges.push({ from, to, kind: "role", label: role });
  }

  const groupRank = (g: Group): number => GROUP_ORDER.indexOf(g);
  return {
    nodes: [...nodes.values()].sort((a, b) => groupRank(a.group) - groupRank(b.group) || compare(a.id, b.id)),
    edges: edges.sort((a, b) => compare(a.kind, b.kind) || compare(a.from, b.from) || compare(a.to, b.to) || compare(a.label ?? "", b.label ?? "")),
  };
}

/** The box drawing the resource at `address` (e.g. `azurerm_data_factory.factory_658123B2`). */
export function nodeFor(model: DiagramModel, address: string): DiagramNode | undefined {
  return model.nodes.find((n) => n.id === address || n.addresses.includes(address));
}

const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

const CLUSTER_STYLE: Readonly<Record<Group, { fill: string; border: string }>> = {
  factory: { fill: "#fff4e5", border: "#e0a040" },
  ml: { fill: "#eef3fb", border: "#7d9fd0" },
  storage: { fill: "#ecf7ee", border: "#6fb07d" },
  network: { fill: "#f3eefa", border: "#9a80c4" },
  monitoring: { fill: "#fdf2f4", border: "#c77a8a" },
  identity: { fill: "#f4f4f4", border: "#a0a0a0" },
  other: { fill: "#ffffff", border: "#a0a0a0" },
};

/**
 * Graphviz DOT for `model`: left to right, one `subgraph cluster_<group>` per non-empty group.
 * Solid arrows: "refers to / depends on"; dashed: role assignment principal → scope.
 */
export function toDot(model: DiagramModel, title: string): string {
  const lines: string[] = [];
  lines.push(`digraph ${quote(title)} {`);
  lines.push(
    `  graph [label=${quote(`${title}\nsolid arrow: refers to / depends on    dashed arrow: role assignment (principal → scope)`)}, labelloc="t", fontname="Helvetica", fontsize=14, rankdir="LR", nodesep=0.3, ranksep=0.8, pad=0.3];`,
  );
  lines.push(`  node [shape="box", style="rounded,filled", fillcolor="white", color="#555555", fontname="Helvetica", fontsize=10, margin="0.2,0.06"];`);
  lines.push(`  edge [color="#555555", fontname="Helvetica", fontsize=9, arrowsize=0.7];`);
  for (const group of GROUP_ORDER) {
    const members = model.nodes.filter((n) => n.group === group);
    if (members.length === 0) continue;
    const style = CLUSTER_STYLE[group];
    lines.push(`  subgraph cluster_${group} {`);
    lines.push(`    graph [label=${quote(GROUP_LABELS[group])}, style="rounded,filled", fillcolor="${style.fill}", color="${style.border}", fontsize=12, labeljust="l"];`);
    for (const n of members) lines.push(`    ${quote(n.id)} [label=${quote(n.label)}];`);
    lines.push("  }");
  }
  for (const e of model.edges) {
    const attrs: string[] = [];
    // A reference's label (e.g. the endpoint's scoringUri the ADF pipeline calls) names the target's
    // attribute, so it sits at the arrow head; a mid-edge label on a long edge is easily misread.
    if (e.label !== undefined) attrs.push(`${e.kind === "reference" ? "xlabel" : "label"}=${quote(e.label)}`);
    if (e.label !== undefined && e.kind === "reference") attrs.push(`style="bold"`);
    if (e.kind === "role") attrs.push(`style="dashed"`, `color="#b85c00"`, `fontcolor="#b85c00"`);
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${attrs.length > 0 ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

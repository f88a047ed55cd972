import { Construct, IConstruct } from "constructs";
import { AML_VM_SIZES } from "../core/azure-lists";
import { MachineLearningComputeCluster } from "@cdktf/provider-azurerm/lib/machine-learning-compute-cluster";
import { armIdName, checkArmId, checkRegion } from "../core/arm";
import { checkName } from "../core/naming";
import { addRoleAssignments, checkPrincipalId, checkRoleAssignments, grantOnEach, IGrantee, RoleAssignments, ROLES } from "../core/roles";
import { Checker, checkReference, isObject, reportProblems, text, under } from "../core/validation";
import { checkWorkspace, IMlWorkspace } from "./ml-workspace";

export const VM_PRIORITIES = ["Dedicated", "LowPriority"] as const;
export type VmPriority = (typeof VM_PRIORITIES)[number];
/** Azure VM size names: `Standard_` followed by the size, e.g. `Standard_DS3_v2`, `Standard_E4s_v5`. */
export const VM_SIZE_PATTERN = /^Standard_[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$/;

/**
 * An AML compute cluster as other constructs use it: created here (`ComputeCluster`) or existing
 * (`ComputeCluster.fromAttributes`). It is a grantee: datastores grant its identity data access.
 */
export interface IComputeCluster extends IGrantee, IConstruct {
  /** ARM id of the compute (`<workspace id>/computes/<name>`). */
  readonly id: string;
  /** Cluster name, as jobs and deployments name their compute. */
  readonly name: string;
  /** Object id of the identity the jobs run as. */
  readonly principalId: string;
  /** Maximum node count, when known: a pipeline checks its parallelism against it. */
  readonly maxNodes?: number;
}

/** An existing cluster, by id (`ComputeCluster.fromAttributes`). */
export interface ComputeClusterAttributes {
  /** ARM id of the compute (`<workspace id>/computes/<name>`); its name is read from it. */
  readonly clusterId: string;
  /** Object id of the identity its jobs run as (system-assigned, or the user-assigned identity). */
  readonly principalId: string;
  /**
   * Its maximum node count, to check a pipeline's parallelism against at synth.
   * @default - not checked
   */
  readonly maxNodes?: number;
}

class ImportedComputeCluster extends Construct implements IComputeCluster {
  readonly id: string;
  readonly name: string;
  readonly principalId: string;
  readonly principalType = "ServicePrincipal";
  readonly maxNodes?: number;

  constructor(scope: Construct, id: string, attrs: ComputeClusterAttributes) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const a: Partial<ComputeClusterAttributes> = isObject(attrs) ? attrs : (c.fail("attributes", attrs, "must be an object { clusterId, principalId, maxNodes? }"), {});
    checkArmId(c, "clusterId", a.clusterId, "Microsoft.MachineLearningServices/workspaces/computes", "computeCluster");
    checkPrincipalId(c, "principalId", a.principalId);
    const maxOk = a.maxNodes === undefined || c.integer("maxNodes", a.maxNodes, 1, 1000);
    reportProblems(this, c.problems);
    this.id = text(a.clusterId);
    this.name = armIdName(this.id);
    this.principalId = text(a.principalId);
    this.maxNodes = maxOk ? a.maxNodes : undefined;
  }
}

/** A cluster's VM size and scaling: the props an environment config sets under `cluster`. */
export interface ComputeClusterScaling {
  /**
   * VM size of each node.
   * @default "Standard_DS3_v2"
   */
  readonly vmSize?: string;
  /**
   * Accept a `vmSize` missing from `AML_VM_SIZES` (a size newer than the list).
   * @default false
   */
  readonly allowUnlistedVmSize?: boolean;
  /**
   * Dedicated or low-priority (evictable, much cheaper) nodes. A job whose low-priority nodes are
   * preempted ends `Canceled`, and the ADF run then fails (its message names preemption as a cause):
   * choose it only where a failed run is cheaper than dedicated nodes.
   * @default "Dedicated"
   */
  readonly vmPriority?: VmPriority;
  /**
   * Minimum node count.
   * @default 0 (scale to zero: no cost when idle)
   */
  readonly minNodes?: number;
  /**
   * Maximum node count (>= 1 and >= minNodes).
   * @default 2
   */
  readonly maxNodes?: number;
  /**
   * Seconds a node stays idle before it is released (60-86400).
   * @default 120
   */
  readonly idleSecondsBeforeScaleDown?: number;
}

export interface ComputeClusterProps extends ComputeClusterScaling {
  /** The Machine Learning workspace the cluster belongs to. */
  readonly workspace: IMlWorkspace;
  /**
   * Azure region.
   * @default the workspace's region
   */
  readonly location?: string;
  /** Cluster name (3-32 letters, digits or `-`, starting with a letter). */
  readonly name: string;
  /**
   * Subnet to place the nodes in. With a subnet the nodes get no public IP.
   * @default - no subnet (AML-managed networking; nodes keep a public IP, as Azure requires without a subnet)
   */
  readonly subnetResourceId?: string;
  /**
   * The workspace runs a provisioned managed network: the nodes live in it, without public IPs and
   * without a customer subnet (AML does not allow compute in a custom VNet alongside a managed network).
   * @default false
   */
  readonly inManagedNetwork?: boolean;
  /**
   * User-assigned identity ids. Without them the cluster gets a system-assigned identity.
   * @default - system-assigned identity
   */
  readonly userAssignedIdentityIds?: readonly string[];
  /**
   * Object id of the first user-assigned identity, needed to grant data roles when
   * `userAssignedIdentityIds` is used.
   * @default - the system-assigned identity's principal id
   */
  readonly principalId?: string;
  /**
   * Containers (ARM ids) the cluster reads input from: Storage Blob Data Reader on each, the grant
   * `IBlobDatastore.grantRead(cluster)` makes (a shortcut for containers that are no datastore here).
   * @default []
   */
  readonly inputContainerIds?: readonly string[];
  /**
   * Containers (ARM ids) the cluster writes outputs to: Storage Blob Data Contributor on each, and
   * only those, the grant `IBlobDatastore.grantReadWrite(cluster)` makes.
   * @default []
   */
  readonly outputContainerIds?: readonly string[];
  /**
   * Role assignments on the cluster for people, groups or identities, by key (each is
   * `role-assignment-<key>`).
   * @default {}
   */
  readonly roleAssignments?: RoleAssignments;
  /**
   * Tags.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Problems with a cluster's VM size and scaling, reported under `prefix` (a construct uses none; an
 * environment config, `cluster`). Returns the scaling with its defaults filled in.
 */
export function validateComputeClusterScaling(c: Checker, prefix: string, s: ComputeClusterScaling): Required<ComputeClusterScaling> {
  const at = (key: keyof ComputeClusterScaling) => under(prefix, key);
  const r = { vmSize: "Standard_DS3_v2", allowUnlistedVmSize: false, vmPriority: "Dedicated" as VmPriority, minNodes: 0, maxNodes: 2, idleSecondsBeforeScaleDown: 120, ...definedOnly(s) };
  c.optionalBoolean(at("allowUnlistedVmSize"), s.allowUnlistedVmSize);
  if (c.name(at("vmSize"), r.vmSize, VM_SIZE_PATTERN, "must be an Azure VM size such as Standard_DS3_v2") && r.allowUnlistedVmSize !== true && !AML_VM_SIZES.has(r.vmSize.toLowerCase())) {
    c.fail(at("vmSize"), r.vmSize, `is not a VM size AML clusters are known to use (lib/core/azure-lists.ts); for a new size add it there or set ${at("allowUnlistedVmSize")}`);
  }
  c.oneOf(at("vmPriority"), r.vmPriority, VM_PRIORITIES);
  const minOk = c.integer(at("minNodes"), r.minNodes, 0, 1000);
  const maxOk = c.integer(at("maxNodes"), r.maxNodes, 1, 1000);
  if (minOk && maxOk && r.minNodes > r.maxNodes) c.fail(at("minNodes"), r.minNodes, `must not exceed ${at("maxNodes")} (${r.maxNodes})`);
  c.integer(at("idleSecondsBeforeScaleDown"), r.idleSecondsBeforeScaleDown, 60, 86400);
  return r;
}

/** `value` without its undefined properties (so defaults apply to them). */
const definedOnly = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(isObject(value) ? value : {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * An autoscaling AML compute cluster (scale to zero by default) with a managed identity, local
 * auth and SSH off, and least-privilege data roles: read on inputs, write on outputs only.
 */
export class ComputeCluster extends Construct implements IComputeCluster {
  /** An existing cluster, by id: what other constructs need of it (it can be granted data access). */
  static fromAttributes(scope: Construct, id: string, attrs: ComputeClusterAttributes): IComputeCluster {
    return new ImportedComputeCluster(scope, id, attrs);
  }

  readonly cluster: MachineLearningComputeCluster;
  /** Object id of the identity the jobs run as. */
  readonly principalId: string;
  readonly principalType = "ServicePrincipal";
  /** Maximum node count (undefined when the given one was rejected: nothing is checked against it). */
  readonly maxNodes?: number;

  constructor(scope: Construct, id: string, props: ComputeClusterProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const workspace = checkWorkspace(c, "workspace", props.workspace);
    if (props.location !== undefined) checkRegion(c, "location", props.location);
    checkName(c, "name", props.name, "computeCluster");
    const scaling = validateComputeClusterScaling(c, "", props);
    const maxNodesValid = c.problems.every((p) => p.property !== "maxNodes");
    if (props.subnetResourceId !== undefined) c.resourceId("subnetResourceId", props.subnetResourceId);
    c.optionalBoolean("inManagedNetwork", props.inManagedNetwork);
    if (props.inManagedNetwork && props.subnetResourceId !== undefined) {
      c.fail("subnetResourceId", props.subnetResourceId, "must not be set when inManagedNetwork is true (compute lives in the workspace's managed network)");
    }
    const uai = c.resourceIds("userAssignedIdentityIds", props.userAssignedIdentityIds);
    if (uai.length > 0 && props.principalId === undefined) {
      c.fail("principalId", props.principalId, "is required with userAssignedIdentityIds (the identity that gets the data roles)");
    }
    const inputIds = c.resourceIds("inputContainerIds", props.inputContainerIds);
    const outputIds = c.resourceIds("outputContainerIds", props.outputContainerIds);
    const roleAssignments = checkRoleAssignments(c, "roleAssignments", props.roleAssignments);
    reportProblems(this, c.problems);
    this.maxNodes = maxNodesValid ? scaling.maxNodes : undefined;

    // Without public IPs only inside a subnet or a provisioned managed network (Azure rejects it otherwise).
    const noPublicIp = props.subnetResourceId !== undefined || props.inManagedNetwork === true;
    this.cluster = new MachineLearningComputeCluster(this, "cluster", {
      name: props.name,
      location: props.location ?? text(workspace?.location),
      machineLearningWorkspaceId: text(workspace?.workspaceId),
      // AML reads sizes back upper-cased and azurerm compares them exactly (a ForceNew attribute):
      // written as read, a second plan does not replace the cluster.
      vmSize: text(scaling.vmSize).toUpperCase(),
      vmPriority: props.vmPriority ?? "Dedicated",
      scaleSettings: {
        minNodeCount: scaling.minNodes,
        maxNodeCount: scaling.maxNodes,
        scaleDownNodesAfterIdleDuration: isoDuration(scaling.idleSecondsBeforeScaleDown),
      },
      identity:
        uai.length > 0 ? { type: "UserAssigned", identityIds: [...uai] } : { type: "SystemAssigned" },
      localAuthEnabled: false,
      sshPublicAccessEnabled: false,
      subnetResourceId: props.subnetResourceId,
      nodePublicIpEnabled: !noPublicIp,
      // Creating the first compute can wait for the managed network (about 30 minutes).
      timeouts: props.inManagedNetwork ? { create: "90m" } : undefined,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.principalId = props.principalId ?? this.cluster.identity.principalId;

    grantOnEach(this, "input-reader", ROLES.storageBlobDataReader, this.principalId, inputIds);
    grantOnEach(this, "output-writer", ROLES.storageBlobDataContributor, this.principalId, outputIds);
    addRoleAssignments(this, this.cluster.id, roleAssignments);
  }

  get name(): string {
    return this.cluster.name;
  }
  get id(): string {
    return this.cluster.id;
  }
}

/**
 * Seconds as the canonical ISO 8601 duration AML returns (`PT2M`, `PT1H30M`, `PT45S`, not `PT120S`):
 * azurerm compares the string it reads back with the one written.
 */
export function isoDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const time = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s ? `${s}S` : ""}`;
  // .NET's XmlConvert (how AML serialises a TimeSpan) writes whole days as P1D.
  return `P${d ? `${d}D` : ""}${time ? `T${time}` : d ? "" : "T0S"}`;
}

/** The cluster a construct is given, when it is one; anything else is reported under `property`. */
export function checkCluster(c: Checker, property: string, value: unknown): IComputeCluster | undefined {
  return checkReference<IComputeCluster>(c, property, value, { strings: ["id", "name", "principalId"] }, "a compute cluster: a ComputeCluster, or ComputeCluster.fromAttributes(scope, id, { clusterId, principalId })");
}

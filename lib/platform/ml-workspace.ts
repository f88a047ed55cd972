import { Construct, IConstruct } from "constructs";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { LogAnalyticsWorkspace } from "@cdktf/provider-azurerm/lib/log-analytics-workspace";
import { ApplicationInsights } from "@cdktf/provider-azurerm/lib/application-insights";
import { ContainerRegistry } from "@cdktf/provider-azurerm/lib/container-registry";
import { MachineLearningWorkspace } from "@cdktf/provider-azurerm/lib/machine-learning-workspace";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { armIdName, armIdResourceGroup, checkArmId, checkRegion } from "../core/arm";
import { checkName } from "../core/naming";
import { addRoleAssignments, checkPrincipalId, checkRoleAssignments, Grantee, GRANTS, grantTo, RoleAssignments } from "../core/roles";
import { Checker, checkReference, isObject, reportProblems, text } from "../core/validation";
import { isNetworkAddress, isPublicRange, parseCidr } from "./virtual-network";

export const ISOLATION_MODES = ["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];
export const STORAGE_REPLICATION_TYPES = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;
export type StorageReplicationType = (typeof STORAGE_REPLICATION_TYPES)[number];
export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;

/**
 * An Azure Machine Learning workspace as other constructs use it: created here (`MlWorkspace`) or
 * existing (`MlWorkspace.fromAttributes`).
 */
export interface IMlWorkspace extends IConstruct {
  /** ARM id of the workspace. */
  readonly workspaceId: string;
  readonly workspaceName: string;
  /** Resource group of the workspace. */
  readonly resourceGroupName: string;
  /** Region of the workspace, e.g. `westeurope`. */
  readonly location: string;
  /**
   * Object id of the workspace's system-assigned identity. Unknown for an existing workspace given
   * without it: grants to the workspace identity are then not made.
   */
  readonly workspacePrincipalId?: string;
  /** ARM id of the workspace's storage account (its default datastores, and the step code, live there). */
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  /**
   * Grant AzureML Data Scientist on this workspace: submit jobs and invoke its batch endpoints (what a
   * factory that starts runs needs). A cluster or factory holds the assignment
   * (`workspace-data-scientist-<workspace>`); an object id is granted by the workspace
   * (`data-scientist-<principal>`). Asked twice in a stack, it is granted once.
   * @returns the role assignment, or undefined when the grantee was rejected (reported at synth)
   */
  grantJobSubmit(grantee: Grantee): RoleAssignment | undefined;
}

/** An existing workspace, by id (`MlWorkspace.fromAttributes`). */
export interface MlWorkspaceAttributes {
  /** ARM id of the workspace (its name and resource group are read from it). */
  readonly workspaceId: string;
  /** Region of the workspace, e.g. `westeurope`. */
  readonly location: string;
  /** ARM id of the workspace's storage account (where the step code is uploaded). */
  readonly storageAccountId: string;
  /**
   * Object id of the workspace's system-assigned identity (`az ml workspace show --query identity.principal_id`).
   * @default - unknown: constructs that would grant it read access (on datastores and the step code) do
   * not; grant it Storage Blob Data Reader on those containers yourself
   */
  readonly workspacePrincipalId?: string;
}

class ImportedMlWorkspace extends Construct implements IMlWorkspace {
  readonly workspaceId: string;
  readonly workspaceName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly workspacePrincipalId?: string;
  readonly storageAccountId: string;
  readonly storageAccountName: string;

  constructor(scope: Construct, id: string, attrs: MlWorkspaceAttributes) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const a: Partial<MlWorkspaceAttributes> = isObject(attrs) ? attrs : (c.fail("attributes", attrs, "must be an object { workspaceId, location, storageAccountId, workspacePrincipalId? }"), {});
    checkArmId(c, "workspaceId", a.workspaceId, "Microsoft.MachineLearningServices/workspaces", "mlWorkspace");
    checkRegion(c, "location", a.location);
    checkArmId(c, "storageAccountId", a.storageAccountId, "Microsoft.Storage/storageAccounts", "storageAccount");
    if (a.workspacePrincipalId !== undefined) checkPrincipalId(c, "workspacePrincipalId", a.workspacePrincipalId);
    reportProblems(this, c.problems);
    this.workspaceId = text(a.workspaceId);
    this.workspaceName = armIdName(this.workspaceId);
    this.resourceGroupName = armIdResourceGroup(this.workspaceId);
    this.location = text(a.location);
    this.workspacePrincipalId = typeof a.workspacePrincipalId === "string" ? a.workspacePrincipalId : undefined;
    this.storageAccountId = text(a.storageAccountId);
    this.storageAccountName = armIdName(this.storageAccountId);
  }

  grantJobSubmit(grantee: Grantee): RoleAssignment | undefined {
    return grantTo(this, "grantJobSubmit", this.workspaceId, GRANTS.jobSubmit, grantee);
  }
}

export interface ContainerRegistryOptions {
  /** Registry name (5-50 letters or digits, globally unique). */
  readonly name: string;
  /**
   * Registry SKU.
   * @default "Basic" (cheapest; "Premium" is needed for private endpoints)
   */
  readonly sku?: (typeof REGISTRY_SKUS)[number];
  /**
   * Zone redundancy (Premium only). Can only be set when the registry is created: changing it
   * replaces the registry and loses its images.
   * @default false (a consumer's existing registry is never replaced by an upgrade; DatapathStack turns it on in the prod tier)
   */
  readonly zoneRedundancyEnabled?: boolean;
  /**
   * Days an untagged manifest is kept before it is purged (0-365; 0 turns the policy off). Premium
   * only. AML tags every image it builds (the tag is the environment's hash), so only manifests a
   * re-push left without a tag are purged.
   * @default 7 for "Premium", none otherwise
   */
  readonly untaggedManifestRetentionDays?: number;
  /**
   * Dedicated data endpoints (`<registry>.<region>.data.azurecr.io`), so firewalls allow this
   * registry's layers instead of all of `*.blob.core.windows.net`. Premium only.
   * @default true for "Premium", false otherwise
   */
  readonly dataEndpointEnabled?: boolean;
  /**
   * Whether images may be exported (`az acr import` from this registry into another, transfer
   * pipelines). `false` needs "Premium" and public network access off. Left on by default: whether
   * AML's own copy of environments into an AML registry ("share") uses export is unconfirmed.
   * @default true
   */
  readonly exportPolicyEnabled?: boolean;
}

export interface MlWorkspaceProps {
  /** Azure region for every resource, e.g. `westeurope`. */
  readonly location: string;
  /** Resource group that holds the workspace and its dependencies. */
  readonly resourceGroupName: string;
  /**
   * Create the resource group; `false` uses an existing group of that name.
   * @default true
   */
  readonly createResourceGroup?: boolean;
  /** Machine Learning workspace name (3-33 letters, digits, `_`, `-`). */
  readonly workspaceName: string;
  /**
   * Name of the storage account created for the workspace (3-24 lowercase letters or digits,
   * globally unique). Required unless `existingStorageAccountId` is given.
   * @default - none: `existingStorageAccountId` is used
   */
  readonly storageAccountName?: string;
  /**
   * An existing storage account (ARM id) the workspace uses instead of creating one. Its settings
   * are its owner's: the storage options below (`storageReplicationType`, `storageIpAllowList`,
   * `sharedAccessKeyEnabled`, `blobSoftDeleteRetentionDays`) must then be left out.
   * @default - a storage account named `storageAccountName` is created
   */
  readonly existingStorageAccountId?: string;
  /**
   * Name of the key vault created for the workspace (3-24 letters, digits or `-`, globally unique).
   * Required unless `existingKeyVaultId` is given.
   * @default - none: `existingKeyVaultId` is used
   */
  readonly keyVaultName?: string;
  /**
   * An existing key vault (ARM id) instead of creating one (`purgeProtectionEnabled`,
   * `keyVaultSoftDeleteRetentionDays` and `tenantId` must then be left out).
   * @default - a key vault named `keyVaultName` is created
   */
  readonly existingKeyVaultId?: string;
  /**
   * Name of the Log Analytics workspace created for Application Insights (4-63 letters, digits or
   * `-`). Required unless `existingApplicationInsightsId` is given.
   * @default - none: `existingApplicationInsightsId` is used
   */
  readonly logAnalyticsWorkspaceName?: string;
  /**
   * Name of the Application Insights component created for the workspace. Required unless
   * `existingApplicationInsightsId` is given.
   * @default - none: `existingApplicationInsightsId` is used
   */
  readonly applicationInsightsName?: string;
  /**
   * An existing Application Insights component (ARM id) instead of creating one and its Log
   * Analytics workspace (`logRetentionDays` must then be left out).
   * @default - both are created
   */
  readonly existingApplicationInsightsId?: string;
  /**
   * A container registry created for the workspace's environment images (admin user always off).
   * @default - none: AML creates one on the first image build (or `existingContainerRegistryId` is used)
   */
  readonly containerRegistry?: ContainerRegistryOptions;
  /**
   * An existing container registry (ARM id) for the environment images, instead of `containerRegistry`.
   * @default - none (see `containerRegistry`)
   */
  readonly existingContainerRegistryId?: string;
  /**
   * Role assignments on the workspace for people, groups or identities, by key (each is
   * `role-assignment-<key>`), e.g. `{ analysts: { roleDefinitionIdOrName: "AzureML Data Scientist",
   * principalId: "<group object id>", principalType: "Group" } }`.
   * @default {}
   */
  readonly roleAssignments?: RoleAssignments;
  /**
   * Whether the workspace, its storage account, key vault and registry are reachable over the public
   * internet. When false, storage and key vault firewalls also deny by default (trusted Azure
   * services bypass), and the resources must be reached through private endpoints (see
   * `PrivateEndpoints`): Terraform itself must then run from inside the network to upload code.
   * @default false (secure; the dev environment turns it on because it has no private network)
   */
  readonly publicNetworkAccessEnabled?: boolean;
  /**
   * With public access off: public IPv4 addresses or CIDRs (no /31 or /32) let through the storage
   * firewall, e.g. the machines Terraform uploads step code from when they are outside the network.
   * The storage account's public endpoint is then enabled, denying every other address.
   * @default [] (the storage account has no public endpoint)
   */
  readonly storageIpAllowList?: readonly string[];
  /**
   * Managed-network isolation mode of the workspace.
   * @default "AllowInternetOutbound" (managed VNet isolation without the cost of the outbound firewall
   * that "AllowOnlyApprovedOutbound" provisions)
   */
  readonly isolationMode?: IsolationMode;
  /**
   * Provision the managed network when the workspace is created (instead of on first compute), so
   * compute can be created without public IPs right away. First provisioning takes about 30 minutes.
   * @default false
   */
  readonly provisionManagedNetworkOnCreation?: boolean;
  /**
   * Compute cluster that builds environment images. Needed when the registry is not reachable
   * publicly (ACR tasks cannot build behind a private endpoint).
   * @default - AML's serverless image build
   */
  readonly imageBuildComputeName?: string;
  /**
   * Key vault purge protection. Irreversible once on: the vault name stays reserved for the
   * retention period after a delete.
   * @default true
   */
  readonly purgeProtectionEnabled?: boolean;
  /**
   * Key vault soft-delete retention (7-90 days).
   * @default 90
   */
  readonly keyVaultSoftDeleteRetentionDays?: number;
  /**
   * Blob and container soft-delete retention (1-365 days).
   * @default 14
   */
  readonly blobSoftDeleteRetentionDays?: number;
  /**
   * `lifecycle.prevent_destroy` on the workspace, storage account and key vault.
   * @default true (Terraform refuses a plan that would destroy them)
   */
  readonly preventDestroy?: boolean;
  /**
   * Storage account shared-key access. Stays on by default because the workspace's own system
   * datastores (workspaceblobstore) use the account key and azurerm 4.55 cannot switch them to
   * identity access; our datastores and blob uploads use Entra ID regardless.
   * @default true
   */
  readonly sharedAccessKeyEnabled?: boolean;
  /**
   * Storage redundancy.
   * @default "LRS" (cheapest; use "ZRS" or "GRS" in production)
   */
  readonly storageReplicationType?: StorageReplicationType;
  /**
   * Log Analytics retention (30-730 days). Above 45 keeps ADF run history longer than the
   * factory itself does (production: 90 or more).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Marks the workspace as holding high-business-impact data (reduces diagnostic data Microsoft collects).
   * @default false
   */
  readonly highBusinessImpact?: boolean;
  /**
   * Entra tenant of the key vault.
   * @default - the tenant of the credentials Terraform runs with (azurerm_client_config)
   */
  readonly tenantId?: string;
  /**
   * Tags for every resource.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Problems with the addresses let through the storage firewall, reported under `property` (the
 * construct: `storageIpAllowList`; an environment config: `network.deployerIpAllowList`): public
 * IPv4 addresses or networks, /30 or larger (Azure storage takes no /31 or /32 rules).
 */
export function validateStorageIpAllowList(c: Checker, property: string, list: readonly string[] | undefined): void {
  c.list(property, list).forEach((ip, i) => {
    const cidr = parseCidr(ip);
    if (!cidr || /\/3[12]$/.test(String(ip)) || !isNetworkAddress(cidr)) {
      c.fail(`${property}[${i}]`, ip, "must be an IPv4 address or a CIDR network of /30 or larger (Azure storage takes no /31 or /32)");
    } else if (!isPublicRange(cidr)) {
      c.fail(`${property}[${i}]`, ip, "must be a public address: storage IP rules do not apply to private ranges (use the private endpoint from inside the network)");
    }
  });
}

function validate(path: string, p: MlWorkspaceProps): Checker {
  const c = new Checker(path);
  checkRegion(c, "location", p.location);
  checkName(c, "resourceGroupName", p.resourceGroupName, "resourceGroup");
  checkName(c, "workspaceName", p.workspaceName, "mlWorkspace");
  checkCreatedOrExisting(c, p, "existingStorageAccountId", "Microsoft.Storage/storageAccounts", { storageAccountName: "storageAccount" }, ["storageReplicationType", "storageIpAllowList", "sharedAccessKeyEnabled", "blobSoftDeleteRetentionDays"]);
  checkCreatedOrExisting(c, p, "existingKeyVaultId", "Microsoft.KeyVault/vaults", { keyVaultName: "keyVault" }, ["purgeProtectionEnabled", "keyVaultSoftDeleteRetentionDays", "tenantId"]);
  checkCreatedOrExisting(c, p, "existingApplicationInsightsId", "Microsoft.Insights/components", { logAnalyticsWorkspaceName: "logAnalyticsWorkspace", applicationInsightsName: "applicationInsights" }, ["logRetentionDays"]);
  if (p.existingContainerRegistryId !== undefined) {
    checkArmId(c, "existingContainerRegistryId", p.existingContainerRegistryId, "Microsoft.ContainerRegistry/registries", "containerRegistry");
    if (p.containerRegistry !== undefined) c.fail("containerRegistry", p.containerRegistry, "must not be set with existingContainerRegistryId (one registry: an existing one, or one created here)");
  }
  if (p.containerRegistry !== undefined && (isObject(p.containerRegistry) || c.fail("containerRegistry", p.containerRegistry, "must be an object { name, sku? }"))) {
    checkName(c, "containerRegistry.name", p.containerRegistry.name, "containerRegistry");
    if (p.containerRegistry.sku !== undefined) c.oneOf("containerRegistry.sku", p.containerRegistry.sku, REGISTRY_SKUS);
    const sku = p.containerRegistry.sku ?? "Basic";
    if (p.publicNetworkAccessEnabled !== true && sku !== "Premium") {
      c.fail("containerRegistry.sku", sku, 'must be "Premium" when public network access is off (private endpoints need it)');
    }
    const r = p.containerRegistry;
    c.optionalBoolean("containerRegistry.zoneRedundancyEnabled", r.zoneRedundancyEnabled);
    c.optionalBoolean("containerRegistry.dataEndpointEnabled", r.dataEndpointEnabled);
    c.optionalBoolean("containerRegistry.exportPolicyEnabled", r.exportPolicyEnabled);
    if (r.untaggedManifestRetentionDays !== undefined) c.integer("containerRegistry.untaggedManifestRetentionDays", r.untaggedManifestRetentionDays, 0, 365);
    // The provider rejects these on other SKUs at plan time; say so at synth instead.
    if (sku !== "Premium") {
      if (r.zoneRedundancyEnabled === true) c.fail("containerRegistry.zoneRedundancyEnabled", true, 'needs sku "Premium"');
      if (r.dataEndpointEnabled === true) c.fail("containerRegistry.dataEndpointEnabled", true, 'needs sku "Premium"');
      if ((r.untaggedManifestRetentionDays ?? 0) > 0) c.fail("containerRegistry.untaggedManifestRetentionDays", r.untaggedManifestRetentionDays, 'needs sku "Premium" (or 0)');
    }
    if (r.exportPolicyEnabled === false && (sku !== "Premium" || p.publicNetworkAccessEnabled === true)) {
      c.fail("containerRegistry.exportPolicyEnabled", false, 'needs sku "Premium" and public network access off');
    }
  }
  c.optionalBoolean("createResourceGroup", p.createResourceGroup);
  c.optionalBoolean("publicNetworkAccessEnabled", p.publicNetworkAccessEnabled);
  c.optionalBoolean("purgeProtectionEnabled", p.purgeProtectionEnabled);
  c.optionalBoolean("preventDestroy", p.preventDestroy);
  c.optionalBoolean("sharedAccessKeyEnabled", p.sharedAccessKeyEnabled);
  c.optionalBoolean("highBusinessImpact", p.highBusinessImpact);
  c.optionalBoolean("provisionManagedNetworkOnCreation", p.provisionManagedNetworkOnCreation);
  if (p.imageBuildComputeName !== undefined) checkName(c, "imageBuildComputeName", p.imageBuildComputeName, "computeCluster");
  if (p.isolationMode !== undefined) c.oneOf("isolationMode", p.isolationMode, ISOLATION_MODES);
  if (p.storageReplicationType !== undefined) {
    c.oneOf("storageReplicationType", p.storageReplicationType, STORAGE_REPLICATION_TYPES);
  }
  if (p.keyVaultSoftDeleteRetentionDays !== undefined) {
    c.integer("keyVaultSoftDeleteRetentionDays", p.keyVaultSoftDeleteRetentionDays, 7, 90);
  }
  if (p.blobSoftDeleteRetentionDays !== undefined) {
    c.integer("blobSoftDeleteRetentionDays", p.blobSoftDeleteRetentionDays, 1, 365);
  }
  if (p.logRetentionDays !== undefined) c.integer("logRetentionDays", p.logRetentionDays, 30, 730);
  if (p.storageIpAllowList !== undefined && p.existingStorageAccountId === undefined) validateStorageIpAllowList(c, "storageIpAllowList", p.storageIpAllowList);
  return c;
}

type NameProp = "storageAccountName" | "keyVaultName" | "logAnalyticsWorkspaceName" | "applicationInsightsName";

/**
 * A dependency is created (its names given) or existing (its id given), not both; the options that
 * configure a created one are not given with an existing one.
 */
function checkCreatedOrExisting(c: Checker, p: MlWorkspaceProps, existing: keyof MlWorkspaceProps, type: string, names: Partial<Record<NameProp, Parameters<typeof checkName>[3]>>, options: readonly (keyof MlWorkspaceProps)[]): void {
  const id: unknown = p[existing];
  if (id === undefined) {
    for (const [prop, kind] of Object.entries(names) as [NameProp, Parameters<typeof checkName>[3]][]) {
      if (p[prop] === undefined) c.fail(prop, p[prop], `must be set (or ${existing}, to use an existing one)`);
      else checkName(c, prop, p[prop], kind);
    }
    return;
  }
  checkArmId(c, existing, id, type);
  for (const prop of [...Object.keys(names), ...options] as (keyof MlWorkspaceProps)[]) {
    if (p[prop] !== undefined) c.fail(prop, p[prop], `must not be set with ${existing} (it configures a resource this construct creates)`);
  }
}

/**
 * An Azure Machine Learning workspace with everything it depends on: resource group (or an
 * existing one), storage account, key vault, Log Analytics + workspace-based Application Insights
 * and an optional container registry, each created here or an existing one given by id. Every
 * security-relevant attribute of what it creates is set explicitly.
 */
export class MlWorkspace extends Construct implements IMlWorkspace {
  /** An existing workspace, by id: what other constructs need of it, and its `grantJobSubmit`. */
  static fromAttributes(scope: Construct, id: string, attrs: MlWorkspaceAttributes): IMlWorkspace {
    return new ImportedMlWorkspace(scope, id, attrs);
  }

  readonly resourceGroupName: string;
  readonly location: string;
  readonly workspace: MachineLearningWorkspace;
  /** The storage account created here (none with `existingStorageAccountId`). */
  readonly storageAccount?: StorageAccount;
  /** The key vault created here (none with `existingKeyVaultId`). */
  readonly keyVault?: KeyVault;
  /** The Log Analytics workspace created for Application Insights (none with `existingApplicationInsightsId`). */
  readonly logAnalyticsWorkspace?: LogAnalyticsWorkspace;
  /** The Application Insights component created here (none with `existingApplicationInsightsId`). */
  readonly applicationInsights?: ApplicationInsights;
  /** The registry created here (with `containerRegistry`). */
  readonly containerRegistry?: ContainerRegistry;
  /** ARM id of the workspace's storage account (created or existing). */
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  /** ARM id of the workspace's key vault (created or existing). */
  readonly keyVaultId: string;
  /** ARM id of the workspace's Application Insights (created or existing). */
  readonly applicationInsightsId: string;
  /** ARM id of the workspace's container registry, when it has one (created or existing). */
  readonly containerRegistryId?: string;

  constructor(scope: Construct, id: string, props: MlWorkspaceProps) {
    super(scope, id);
    const c = validate(this.node.path, props);
    const roleAssignments = checkRoleAssignments(c, "roleAssignments", props.roleAssignments);
    reportProblems(this, c.problems);

    const tags = { ...(props.tags ?? {}) };
    this.location = props.location;
    if (props.createResourceGroup ?? true) {
      const rg = new ResourceGroup(this, "resource-group", { name: props.resourceGroupName, location: props.location, tags });
      this.resourceGroupName = rg.name;
    } else {
      this.resourceGroupName = props.resourceGroupName;
    }
    const common = { resourceGroupName: this.resourceGroupName, location: props.location, tags };

    this.storageAccount = props.existingStorageAccountId === undefined ? this.createStorage(props, common) : undefined;
    this.storageAccountId = this.storageAccount?.id ?? text(props.existingStorageAccountId);
    // The name as given, not a reference: it is part of the uploaded code's address, which the asset
    // versions hash (a reference would change every version once).
    this.storageAccountName = props.existingStorageAccountId === undefined ? text(props.storageAccountName) : armIdName(this.storageAccountId);
    this.keyVault = props.existingKeyVaultId === undefined ? this.createKeyVault(props, common) : undefined;
    this.keyVaultId = this.keyVault?.id ?? text(props.existingKeyVaultId);
    if (props.existingApplicationInsightsId === undefined) {
      this.logAnalyticsWorkspace = new LogAnalyticsWorkspace(this, "log-analytics", {
        ...common,
        name: text(props.logAnalyticsWorkspaceName),
        sku: "PerGB2018",
        retentionInDays: props.logRetentionDays ?? 30,
      });
      this.applicationInsights = new ApplicationInsights(this, "app-insights", {
        ...common,
        name: text(props.applicationInsightsName),
        applicationType: "web",
        workspaceId: this.logAnalyticsWorkspace.id,
        localAuthenticationDisabled: true,
      });
    }
    this.applicationInsightsId = this.applicationInsights?.id ?? text(props.existingApplicationInsightsId);
    this.containerRegistry = isObject(props.containerRegistry) ? this.createRegistry(props, props.containerRegistry, common) : undefined;
    this.containerRegistryId = this.containerRegistry?.id ?? props.existingContainerRegistryId;

    // Only an explicit false turns protection off (a wrong value is reported and stays protected).
    const preventDestroy = props.preventDestroy !== false;
    this.workspace = new MachineLearningWorkspace(this, "workspace", {
      ...common,
      name: props.workspaceName,
      applicationInsightsId: this.applicationInsightsId,
      keyVaultId: this.keyVaultId,
      storageAccountId: this.storageAccountId,
      containerRegistryId: this.containerRegistryId,
      identity: { type: "SystemAssigned" },
      publicNetworkAccessEnabled: props.publicNetworkAccessEnabled ?? false,
      managedNetwork: {
        isolationMode: props.isolationMode ?? "AllowInternetOutbound",
        provisionOnCreationEnabled: props.provisionManagedNetworkOnCreation ?? false,
      },
      imageBuildComputeName: props.imageBuildComputeName,
      highBusinessImpact: props.highBusinessImpact ?? false,
      skuName: "Basic",
      // provision_on_creation_enabled is ForceNew and matters only when the workspace is created;
      // azurerm reads it back from provisionNetworkNow, which is unconfirmed to round-trip (see
      // docs/deploy-assumptions.md): a differing read must not plan a replacement (prod refuses it).
      lifecycle: { preventDestroy, ignoreChanges: ["managed_network[0].provision_on_creation_enabled"] },
    });
    addRoleAssignments(this, this.workspace.id, roleAssignments);
  }

  private createStorage(props: MlWorkspaceProps, common: Common): StorageAccount {
    const isPublic = props.publicNetworkAccessEnabled ?? false;
    const blobRetention = props.blobSoftDeleteRetentionDays ?? 14;
    const allowList = props.storageIpAllowList ?? [];
    return new StorageAccount(this, "storage", {
      ...common,
      name: text(props.storageAccountName),
      accountKind: "StorageV2",
      accountTier: "Standard",
      accountReplicationType: props.storageReplicationType ?? "LRS",
      httpsTrafficOnlyEnabled: true,
      minTlsVersion: "TLS1_2",
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: props.sharedAccessKeyEnabled ?? true,
      // Portal and tools use Entra ID by default even where shared keys still work.
      defaultToOauthAuthentication: true,
      crossTenantReplicationEnabled: false,
      localUserEnabled: false,
      // While shared keys stay on, any SAS is short-lived (expiry over an hour is logged).
      sasPolicy: { expirationPeriod: "0.01:00:00", expirationAction: "Log" },
      infrastructureEncryptionEnabled: true,
      // An allow-list needs the public endpoint (IP rules apply only there), still denying by default.
      publicNetworkAccessEnabled: isPublic || allowList.length > 0,
      networkRules: isPublic ? undefined : { defaultAction: "Deny", bypass: ["AzureServices"], ipRules: allowList.length > 0 ? [...allowList] : undefined },
      blobProperties: {
        versioningEnabled: true,
        changeFeedEnabled: true,
        deleteRetentionPolicy: { days: blobRetention },
        containerDeleteRetentionPolicy: { days: blobRetention },
      },
      lifecycle: { preventDestroy: props.preventDestroy !== false },
    });
  }

  private createKeyVault(props: MlWorkspaceProps, common: Common): KeyVault {
    const isPublic = props.publicNetworkAccessEnabled ?? false;
    const tenantId = props.tenantId ?? new DataAzurermClientConfig(this, "client-config", {}).tenantId;
    return new KeyVault(this, "key-vault", {
      ...common,
      name: text(props.keyVaultName),
      tenantId,
      skuName: "standard",
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: props.purgeProtectionEnabled ?? true,
      softDeleteRetentionDays: props.keyVaultSoftDeleteRetentionDays ?? 90,
      publicNetworkAccessEnabled: isPublic,
      networkAcls: isPublic ? undefined : { defaultAction: "Deny", bypass: "AzureServices" },
      lifecycle: { preventDestroy: props.preventDestroy !== false },
    });
  }

  private createRegistry(props: MlWorkspaceProps, registry: ContainerRegistryOptions, common: Common): ContainerRegistry {
    const premium = (registry.sku ?? "Basic") === "Premium";
    return new ContainerRegistry(this, "container-registry", {
      ...common,
      name: registry.name,
      sku: registry.sku ?? "Basic",
      adminEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccessEnabled: props.publicNetworkAccessEnabled ?? false,
      // Create-time only (changing it replaces the registry, and with it the workspace): off unless asked.
      zoneRedundancyEnabled: registry.zoneRedundancyEnabled ?? false,
      // Other SKUs take no retention policy: the attribute is left out rather than set to 0.
      retentionPolicyInDays: registry.untaggedManifestRetentionDays ?? (premium ? 7 : undefined),
      dataEndpointEnabled: registry.dataEndpointEnabled ?? premium,
      exportPolicyEnabled: registry.exportPolicyEnabled ?? true,
    });
  }

  /** Workspace ARM id. */
  get workspaceId(): string {
    return this.workspace.id;
  }
  get workspaceName(): string {
    return this.workspace.name;
  }
  /** Object id of the workspace's system-assigned identity. */
  get workspacePrincipalId(): string {
    return this.workspace.identity.principalId;
  }

  grantJobSubmit(grantee: Grantee): RoleAssignment | undefined {
    return grantTo(this, "grantJobSubmit", this.workspaceId, GRANTS.jobSubmit, grantee);
  }
}

/** What every resource the workspace creates shares. */
interface Common {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags: Record<string, string>;
}

/** The workspace a construct is given, when it is one; anything else is reported under `property`. */
export function checkWorkspace(c: Checker, property: string, value: unknown): IMlWorkspace | undefined {
  return checkReference<IMlWorkspace>(c, property, value, { strings: ["workspaceId", "workspaceName", "resourceGroupName", "location", "storageAccountId", "storageAccountName"], methods: ["grantJobSubmit"] }, "a workspace: an MlWorkspace, or MlWorkspace.fromAttributes(scope, id, { workspaceId, location, storageAccountId })");
}

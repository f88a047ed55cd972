import { Construct } from "constructs";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { LogAnalyticsWorkspace } from "@cdktf/provider-azurerm/lib/log-analytics-workspace";
import { ApplicationInsights } from "@cdktf/provider-azurerm/lib/application-insights";
import { ContainerRegistry } from "@cdktf/provider-azurerm/lib/container-registry";
import { MachineLearningWorkspace } from "@cdktf/provider-azurerm/lib/machine-learning-workspace";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { checkName } from "../core/naming";
import { Checker, isObject, reportProblems } from "../core/validation";

export const ISOLATION_MODES = ["Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];
export const STORAGE_REPLICATION_TYPES = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;
export type StorageReplicationType = (typeof STORAGE_REPLICATION_TYPES)[number];
export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;

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
  /** Storage account name (3-24 lowercase letters or digits, globally unique). */
  readonly storageAccountName: string;
  /** Key vault name (3-24 letters, digits or `-`, globally unique). */
  readonly keyVaultName: string;
  /** Log Analytics workspace name (4-63 letters, digits or `-`). */
  readonly logAnalyticsWorkspaceName: string;
  /** Application Insights name. */
  readonly applicationInsightsName: string;
  /**
   * A container registry for the workspace's environment images (admin user always off).
   * @default - none: AML creates one on the first image build
   */
  readonly containerRegistry?: ContainerRegistryOptions;
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

function validate(path: string, p: MlWorkspaceProps): Checker {
  const c = new Checker(path);
  c.nonEmptyString("location", p.location);
  checkName(c, "resourceGroupName", p.resourceGroupName, "resourceGroup");
  checkName(c, "workspaceName", p.workspaceName, "mlWorkspace");
  checkName(c, "storageAccountName", p.storageAccountName, "storageAccount");
  checkName(c, "keyVaultName", p.keyVaultName, "keyVault");
  checkName(c, "logAnalyticsWorkspaceName", p.logAnalyticsWorkspaceName, "logAnalyticsWorkspace");
  checkName(c, "applicationInsightsName", p.applicationInsightsName, "applicationInsights");
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
  return c;
}

/**
 * An Azure Machine Learning workspace with everything it depends on: resource group (or an
 * existing one), storage account, key vault, Log Analytics + workspace-based Application Insights
 * and an optional container registry. Every security-relevant attribute is set explicitly.
 */
export class MlWorkspace extends Construct {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly workspace: MachineLearningWorkspace;
  readonly storageAccount: StorageAccount;
  readonly keyVault: KeyVault;
  readonly logAnalyticsWorkspace: LogAnalyticsWorkspace;
  readonly applicationInsights: ApplicationInsights;
  readonly containerRegistry?: ContainerRegistry;

  constructor(scope: Construct, id: string, props: MlWorkspaceProps) {
    super(scope, id);
    reportProblems(this, validate(this.node.path, props).problems);

    const tags = { ...(props.tags ?? {}) };
    // Only an explicit false turns protection off (a wrong value is reported and stays protected).
    const preventDestroy = props.preventDestroy !== false;
    const lifecycle = { preventDestroy };
    this.location = props.location;

    if (props.createResourceGroup ?? true) {
      const rg = new ResourceGroup(this, "resource-group", { name: props.resourceGroupName, location: props.location, tags });
      this.resourceGroupName = rg.name;
    } else {
      this.resourceGroupName = props.resourceGroupName;
    }
    const common = { resourceGroupName: this.resourceGroupName, location: props.location, tags };
    const isPublic = props.publicNetworkAccessEnabled ?? false;
    const blobRetention = props.blobSoftDeleteRetentionDays ?? 14;
    const allowList = props.storageIpAllowList ?? [];

    this.storageAccount = new StorageAccount(this, "storage", {
      ...common,
      name: props.storageAccountName,
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
      lifecycle,
    });

    const tenantId =
      props.tenantId ?? new DataAzurermClientConfig(this, "client-config", {}).tenantId;
    this.keyVault = new KeyVault(this, "key-vault", {
      ...common,
      name: props.keyVaultName,
      tenantId,
      skuName: "standard",
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: props.purgeProtectionEnabled ?? true,
      softDeleteRetentionDays: props.keyVaultSoftDeleteRetentionDays ?? 90,
      publicNetworkAccessEnabled: isPublic,
      networkAcls: isPublic ? undefined : { defaultAction: "Deny", bypass: "AzureServices" },
      lifecycle,
    });

    this.logAnalyticsWorkspace = new LogAnalyticsWorkspace(this, "log-analytics", {
      ...common,
      name: props.logAnalyticsWorkspaceName,
      sku: "PerGB2018",
      retentionInDays: props.logRetentionDays ?? 30,
    });

    this.applicationInsights = new ApplicationInsights(this, "app-insights", {
      ...common,
      name: props.applicationInsightsName,
      applicationType: "web",
      workspaceId: this.logAnalyticsWorkspace.id,
      localAuthenticationDisabled: true,
    });

    if (isObject(props.containerRegistry)) {
      const registry = props.containerRegistry;
      const premium = (registry.sku ?? "Basic") === "Premium";
      this.containerRegistry = new ContainerRegistry(this, "container-registry", {
        ...common,
        name: registry.name,
        sku: registry.sku ?? "Basic",
        adminEnabled: false,
        anonymousPullEnabled: false,
        publicNetworkAccessEnabled: isPublic,
        // Create-time only (changing it replaces the registry, and with it the workspace): off unless asked.
        zoneRedundancyEnabled: registry.zoneRedundancyEnabled ?? false,
        // Other SKUs take no retention policy: the attribute is left out rather than set to 0.
        retentionPolicyInDays: registry.untaggedManifestRetentionDays ?? (premium ? 7 : undefined),
        dataEndpointEnabled: registry.dataEndpointEnabled ?? premium,
        exportPolicyEnabled: registry.exportPolicyEnabled ?? true,
      });
    }

    this.workspace = new MachineLearningWorkspace(this, "workspace", {
      ...common,
      name: props.workspaceName,
      applicationInsightsId: this.applicationInsights.id,
      keyVaultId: this.keyVault.id,
      storageAccountId: this.storageAccount.id,
      containerRegistryId: this.containerRegistry?.id,
      identity: { type: "SystemAssigned" },
      publicNetworkAccessEnabled: isPublic,
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
      lifecycle: { ...lifecycle, ignoreChanges: ["managed_network[0].provision_on_creation_enabled"] },
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
  get storageAccountId(): string {
    return this.storageAccount.id;
  }
  get storageAccountName(): string {
    return this.storageAccount.name;
  }
  get keyVaultId(): string {
    return this.keyVault.id;
  }
}

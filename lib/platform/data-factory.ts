import { Construct, IConstruct } from "constructs";
import { Fn } from "cdktf";
import { DataFactory as AzDataFactory } from "@cdktf/provider-azurerm/lib/data-factory";
import { DataFactoryLinkedCustomService } from "@cdktf/provider-azurerm/lib/data-factory-linked-custom-service";
import { DataFactoryLinkedServiceKeyVault } from "@cdktf/provider-azurerm/lib/data-factory-linked-service-key-vault";
import { DataFactoryIntegrationRuntimeAzure } from "@cdktf/provider-azurerm/lib/data-factory-integration-runtime-azure";
import { DataFactoryManagedPrivateEndpoint } from "@cdktf/provider-azurerm/lib/data-factory-managed-private-endpoint";
import { armIdName, armIdResourceGroup, checkArmId, checkRegion } from "../core/arm";
import { addressAt, declareMove } from "../core/moves";
import { checkName } from "../core/naming";
import { addRoleAssignments, assignRole, checkPrincipalId, checkRoleAssignments, grantOnEach, IGrantee, RoleAssignments, ROLES } from "../core/roles";
import { Checker, checkReference, isObject, reportProblems, text } from "../core/validation";
import { checkWorkspace, IMlWorkspace } from "./ml-workspace";

/** The factory authenticates to the AML workspace with its own managed identity. */
export interface MsiAuthentication {
  readonly type: "MSI";
}

/**
 * The factory authenticates with a service principal whose key is read from Key Vault at run time
 * (an `AzureKeyVaultSecret` reference): the secret never appears in configuration or state.
 */
export interface ServicePrincipalAuthentication {
  readonly type: "ServicePrincipal";
  /** Application (client) id of the service principal. */
  readonly servicePrincipalId: string;
  /** Entra tenant id of the service principal. */
  readonly tenantId: string;
  /** ARM id of the key vault that holds the key; the factory identity gets Key Vault Secrets User on it. */
  readonly keyVaultId: string;
  /** Name of the secret that holds the service principal key. */
  readonly secretName: string;
}

export type AmlAuthentication = MsiAuthentication | ServicePrincipalAuthentication;

/**
 * An Azure Data Factory as other constructs use it: created here (`DataFactory`) or existing
 * (`DataFactory.fromAttributes`). It is a grantee: a workspace or datastore grants its identity access.
 */
export interface IDataFactory extends IGrantee, IConstruct {
  /** ARM id of the factory. */
  readonly id: string;
  readonly name: string;
  readonly resourceGroupName: string;
  /** Object id of the factory's system-assigned identity. */
  readonly principalId: string;
  /** Name of its `AzureMLService` linked service (the classic invocation style runs through it). */
  readonly linkedServiceName: string;
  /** The integration runtime its Web activities run on, when not the default Azure one (a managed-VNet runtime). */
  readonly integrationRuntimeName?: string;
}

/** An existing factory, by id (`DataFactory.fromAttributes`). */
export interface DataFactoryAttributes {
  /** ARM id of the factory; its name and resource group are read from it. */
  readonly dataFactoryId: string;
  /** Object id of the factory's system-assigned identity (`az datafactory show --query identity.principalId`). */
  readonly principalId: string;
  /**
   * Its `AzureMLService` linked service to the workspace (used by the classic invocation style only).
   * @default "AzureMLService"
   */
  readonly linkedServiceName?: string;
  /**
   * The integration runtime Web activities run on (a managed-VNet runtime, when the workspace is private).
   * @default - the factory's default Azure runtime
   */
  readonly integrationRuntimeName?: string;
}

class ImportedDataFactory extends Construct implements IDataFactory {
  readonly id: string;
  readonly name: string;
  readonly resourceGroupName: string;
  readonly principalId: string;
  readonly principalType = "ServicePrincipal";
  readonly linkedServiceName: string;
  readonly integrationRuntimeName?: string;

  constructor(scope: Construct, id: string, attrs: DataFactoryAttributes) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const a: Partial<DataFactoryAttributes> = isObject(attrs) ? attrs : (c.fail("attributes", attrs, "must be an object { dataFactoryId, principalId, linkedServiceName?, integrationRuntimeName? }"), {});
    checkArmId(c, "dataFactoryId", a.dataFactoryId, "Microsoft.DataFactory/factories", "dataFactory");
    checkPrincipalId(c, "principalId", a.principalId);
    const linkedServiceName = a.linkedServiceName ?? "AzureMLService";
    checkName(c, "linkedServiceName", linkedServiceName, "dataFactoryChild");
    if (a.integrationRuntimeName !== undefined) checkName(c, "integrationRuntimeName", a.integrationRuntimeName, "dataFactoryChild");
    reportProblems(this, c.problems);
    this.id = text(a.dataFactoryId);
    this.name = armIdName(this.id);
    this.resourceGroupName = armIdResourceGroup(this.id);
    this.principalId = text(a.principalId);
    this.linkedServiceName = text(linkedServiceName);
    this.integrationRuntimeName = typeof a.integrationRuntimeName === "string" ? a.integrationRuntimeName : undefined;
  }
}

export interface DataFactoryProps {
  /** Factory name (3-63 letters, digits or single `-`, globally unique). */
  readonly name: string;
  /** Region, e.g. `westeurope`. */
  readonly location: string;
  readonly resourceGroupName: string;
  /**
   * The workspace the `AzureMLService` linked service points at; the factory identity gets AzureML
   * Data Scientist on it (`workspace.grantJobSubmit(factory)`).
   */
  readonly workspace: IMlWorkspace;
  /**
   * Whether the factory is reachable over the public internet.
   * @default false
   */
  readonly publicNetworkEnabled?: boolean;
  /**
   * Run activities in an ADF managed virtual network, on an Azure integration runtime created in it
   * (named by `integrationRuntimeName`); private resources are reached through `managedPrivateEndpoints`.
   * @default false (a managed VNet integration runtime adds cost and start-up latency)
   */
  readonly managedVirtualNetworkEnabled?: boolean;
  /**
   * Name of the managed-VNet integration runtime.
   * @default "ManagedVnetIR"
   */
  readonly integrationRuntimeName?: string;
  /**
   * Managed private endpoints from the factory's managed VNet (e.g. to the AML workspace,
   * sub-resource "amlworkspace"). Each creates a pending connection that the target's owner approves.
   * @default []
   */
  readonly managedPrivateEndpoints?: readonly ManagedPrivateEndpointOptions[];
  /**
   * How the `AzureMLService` linked service authenticates.
   * @default { type: "MSI" }
   */
  readonly authentication?: AmlAuthentication;
  /**
   * Containers (ARM ids) the factory may read (Storage Blob Data Reader), e.g. to list new input
   * folders: the grant `IBlobDatastore.grantRead(factory)` makes.
   * @default []
   */
  readonly inputContainerIds?: readonly string[];
  /**
   * Containers (ARM ids) the factory may write (Storage Blob Data Contributor): batch-endpoint jobs
   * write their outputs with the identity of their caller. The grant `IBlobDatastore.grantReadWrite(factory)` makes.
   * @default []
   */
  readonly outputContainerIds?: readonly string[];
  /**
   * Role assignments on the factory for people, groups or identities, by key (each is
   * `role-assignment-<key>`), e.g. `{ operators: { roleDefinitionIdOrName: "Data Factory Contributor",
   * principalId: "<group object id>", principalType: "Group" } }`.
   * @default {}
   */
  readonly roleAssignments?: RoleAssignments;
  /**
   * Name of the AML linked service.
   * @default "AzureMLService"
   */
  readonly linkedServiceName?: string;
  /**
   * Tags.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A managed private endpoint from the factory's managed VNet. */
export interface ManagedPrivateEndpointOptions {
  /** Its name in the factory. */
  readonly name: string;
  /** ARM id of the resource it connects to. */
  readonly targetResourceId: string;
  /** The target's sub-resource, e.g. "amlworkspace". */
  readonly subresourceName: string;
}

/**
 * Problems with how the linked service authenticates, reported under `property` (the construct:
 * `authentication`; an environment config: `dataFactoryAuthentication`). Returns it, MSI by default.
 */
export function validateAmlAuthentication(c: Checker, property: string, authentication: AmlAuthentication | undefined): AmlAuthentication {
  const auth: AmlAuthentication = authentication ?? { type: "MSI" };
  if (!isObject(auth)) {
    c.fail(property, auth, 'must be an object: { type: "MSI" } or { type: "ServicePrincipal", servicePrincipalId, tenantId, keyVaultId, secretName }');
    return { type: "MSI" };
  }
  if (c.oneOf(`${property}.type`, auth.type, ["MSI", "ServicePrincipal"] as const) && auth.type === "ServicePrincipal") {
    c.nonEmptyString(`${property}.servicePrincipalId`, auth.servicePrincipalId);
    c.nonEmptyString(`${property}.tenantId`, auth.tenantId);
    checkArmId(c, `${property}.keyVaultId`, auth.keyVaultId, "Microsoft.KeyVault/vaults");
    c.name(`${property}.secretName`, auth.secretName, /^[0-9a-zA-Z-]{1,127}$/, "must be 1-127 letters, digits or '-'");
  }
  return auth;
}

/** Every problem with the props, and what the construct builds from them. */
function validate(path: string, props: DataFactoryProps) {
  const c = new Checker(path);
  checkName(c, "name", props.name, "dataFactory");
  checkRegion(c, "location", props.location);
  checkName(c, "resourceGroupName", props.resourceGroupName, "resourceGroup");
  const workspace = checkWorkspace(c, "workspace", props.workspace);
  c.optionalBoolean("publicNetworkEnabled", props.publicNetworkEnabled);
  c.optionalBoolean("managedVirtualNetworkEnabled", props.managedVirtualNetworkEnabled);
  const linkedServiceName = props.linkedServiceName ?? "AzureMLService";
  checkName(c, "linkedServiceName", linkedServiceName, "dataFactoryChild");
  const auth = validateAmlAuthentication(c, "authentication", props.authentication);
  const inputIds = c.resourceIds("inputContainerIds", props.inputContainerIds);
  const outputIds = c.resourceIds("outputContainerIds", props.outputContainerIds);
  if (props.integrationRuntimeName !== undefined) checkName(c, "integrationRuntimeName", props.integrationRuntimeName, "dataFactoryChild");
  const managedEndpoints = c.objects("managedPrivateEndpoints", props.managedPrivateEndpoints);
  managedEndpoints.forEach((m, i) => {
    c.name(`managedPrivateEndpoints[${i}].name`, m.name, /^[A-Za-z0-9_][A-Za-z0-9_-]{0,126}$/, "must be 1-127 letters, digits, '_' or '-'");
    c.resourceId(`managedPrivateEndpoints[${i}].targetResourceId`, m.targetResourceId);
    c.nonEmptyString(`managedPrivateEndpoints[${i}].subresourceName`, m.subresourceName);
  });
  if (managedEndpoints.length > 0 && props.managedVirtualNetworkEnabled !== true) {
    c.fail("managedPrivateEndpoints", managedEndpoints.map((m) => m.name), "need managedVirtualNetworkEnabled = true");
  }
  const roleAssignments = checkRoleAssignments(c, "roleAssignments", props.roleAssignments);
  return { checker: c, workspace, linkedServiceName: text(linkedServiceName), auth, inputIds, outputIds, managedEndpoints, roleAssignments };
}

/** Fields of the `AzureMLService` linked service's typeProperties (ADF REST API 2018-06-01). */
export interface AzureMlServiceTypeProperties {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly mlWorkspaceName: string;
  readonly authentication?: "MSI";
  readonly servicePrincipalId?: string;
  readonly tenant?: string;
  readonly servicePrincipalKey?: {
    readonly type: "AzureKeyVaultSecret";
    readonly store: { readonly referenceName: string; readonly type: "LinkedServiceReference" };
    readonly secretName: string;
  };
}

/**
 * An Azure Data Factory with a system-assigned identity, the least-privilege roles it needs to run
 * AML pipelines (AzureML Data Scientist on the workspace only, data read on inputs) and an
 * `AzureMLService` linked service.
 */
export class DataFactory extends Construct implements IDataFactory {
  /** An existing factory, by id: what other constructs need of it (it can be granted access). */
  static fromAttributes(scope: Construct, id: string, attrs: DataFactoryAttributes): IDataFactory {
    return new ImportedDataFactory(scope, id, attrs);
  }

  readonly factory: AzDataFactory;
  readonly resourceGroupName: string;
  readonly principalType = "ServicePrincipal";
  readonly linkedService: DataFactoryLinkedCustomService;
  readonly keyVaultLinkedService?: DataFactoryLinkedServiceKeyVault;
  /** The managed-VNet integration runtime, when `managedVirtualNetworkEnabled`. */
  readonly integrationRuntime?: DataFactoryIntegrationRuntimeAzure;
  /** The typeProperties written to the linked service, for inspection and tests. */
  readonly linkedServiceTypeProperties: AzureMlServiceTypeProperties;

  constructor(scope: Construct, id: string, props: DataFactoryProps) {
    super(scope, id);
    const v = validate(this.node.path, props);
    reportProblems(this, v.checker.problems);
    this.resourceGroupName = props.resourceGroupName;
    this.factory = new AzDataFactory(this, "factory", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      identity: { type: "SystemAssigned" },
      publicNetworkEnabled: props.publicNetworkEnabled ?? false,
      managedVirtualNetworkEnabled: props.managedVirtualNetworkEnabled ?? false,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    if (props.managedVirtualNetworkEnabled) this.integrationRuntime = this.addManagedNetwork(props, v.managedEndpoints);

    const scientist = v.workspace?.grantJobSubmit(this);
    // Until 0.3 this grant was the factory's own child, not named by its workspace: moved, not recreated.
    if (scientist?.node.scope === this) declareMove(this, addressAt(this, "azurerm_role_assignment", "workspace-data-scientist"), `azurerm_role_assignment.${scientist.friendlyUniqueId}`);
    grantOnEach(this, "input-reader", ROLES.storageBlobDataReader, this.principalId, v.inputIds);
    grantOnEach(this, "output-writer", ROLES.storageBlobDataContributor, this.principalId, v.outputIds);

    ({ typeProperties: this.linkedServiceTypeProperties, keyVaultLinkedService: this.keyVaultLinkedService } = this.linkedServiceProperties(v.auth, v.linkedServiceName, v.workspace));
    this.linkedService = new DataFactoryLinkedCustomService(this, "aml-linked-service", {
      name: v.linkedServiceName,
      dataFactoryId: this.factory.id,
      type: "AzureMLService",
      // References inside the string become Terraform interpolations, so the JSON stays readable in cdk.tf.json.
      typePropertiesJson: JSON.stringify(this.linkedServiceTypeProperties),
      description: "Azure Machine Learning workspace used by the data-path pipelines",
    });
    addRoleAssignments(this, this.factory.id, v.roleAssignments);
  }

  /** The managed-VNet integration runtime and the managed private endpoints. */
  private addManagedNetwork(props: DataFactoryProps, endpoints: readonly ManagedPrivateEndpointOptions[]): DataFactoryIntegrationRuntimeAzure {
    const runtime = new DataFactoryIntegrationRuntimeAzure(this, "managed-vnet-ir", {
      name: props.integrationRuntimeName ?? "ManagedVnetIR",
      dataFactoryId: this.factory.id,
      location: "AutoResolve",
      virtualNetworkEnabled: true,
      timeToLiveMin: 10,
    });
    for (const m of endpoints) {
      new DataFactoryManagedPrivateEndpoint(this, `mpe-${m.name}`, {
        name: m.name,
        dataFactoryId: this.factory.id,
        targetResourceId: m.targetResourceId,
        subresourceName: m.subresourceName,
      });
    }
    return runtime;
  }

  /** The linked service's typeProperties; a service principal's key is read from Key Vault through its own linked service. */
  private linkedServiceProperties(auth: AmlAuthentication, linkedServiceName: string, workspace: IMlWorkspace | undefined): { typeProperties: AzureMlServiceTypeProperties; keyVaultLinkedService?: DataFactoryLinkedServiceKeyVault } {
    const base = {
      // ARM ids are /subscriptions/<id>/...: element 2 after splitting on "/".
      subscriptionId: Fn.element(Fn.split("/", text(workspace?.workspaceId)), 2),
      resourceGroupName: text(workspace?.resourceGroupName),
      mlWorkspaceName: text(workspace?.workspaceName),
    };
    if (auth.type !== "ServicePrincipal") return { typeProperties: { ...base, authentication: "MSI" } };
    const keyVaultLinkedService = new DataFactoryLinkedServiceKeyVault(this, "key-vault-linked-service", {
      name: `${linkedServiceName}KeyVault`,
      dataFactoryId: this.factory.id,
      keyVaultId: auth.keyVaultId,
    });
    assignRole(this, "key-vault-secrets-user", { scope: auth.keyVaultId, role: ROLES.keyVaultSecretsUser, principalId: this.principalId, principalType: "ServicePrincipal" });
    const typeProperties: AzureMlServiceTypeProperties = {
      ...base,
      servicePrincipalId: auth.servicePrincipalId,
      tenant: auth.tenantId,
      servicePrincipalKey: {
        type: "AzureKeyVaultSecret",
        store: { referenceName: keyVaultLinkedService.name, type: "LinkedServiceReference" },
        secretName: auth.secretName,
      },
    };
    return { typeProperties, keyVaultLinkedService };
  }

  get id(): string {
    return this.factory.id;
  }
  get name(): string {
    return this.factory.name;
  }
  /** Object id of the factory's system-assigned identity. */
  get principalId(): string {
    return this.factory.identity.principalId;
  }
  /** Name of the `AzureMLService` linked service. */
  get linkedServiceName(): string {
    return this.linkedService.name;
  }
  /** The managed-VNet integration runtime's name, when there is one. */
  get integrationRuntimeName(): string | undefined {
    return this.integrationRuntime?.name;
  }
}

/** The factory a construct is given, when it is one; anything else is reported under `property`. */
export function checkFactory(c: Checker, property: string, value: unknown): IDataFactory | undefined {
  return checkReference<IDataFactory>(c, property, value, { strings: ["id", "name", "resourceGroupName", "principalId", "linkedServiceName"] }, "a data factory: a DataFactory, or DataFactory.fromAttributes(scope, id, { dataFactoryId, principalId })");
}

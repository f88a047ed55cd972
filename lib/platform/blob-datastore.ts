import { Construct } from "constructs";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { MachineLearningDatastoreBlobstorage } from "@cdktf/provider-azurerm/lib/machine-learning-datastore-blobstorage";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { checkName } from "../core/naming";
import { ROLES } from "../core/roles";
import { Checker, containerIdOf, reportProblems } from "../core/validation";

export interface BlobDatastoreProps {
  /** ARM id of the Machine Learning workspace that owns the datastore. */
  readonly workspaceId: string;
  /** ARM id of the storage account that holds the container. */
  readonly storageAccountId: string;
  /** Blob container name (3-63 lowercase letters, digits or `-`). */
  readonly containerName: string;
  /** Datastore name as used in `azureml://datastores/<name>/paths/...` (lowercase letters, digits, `_`). */
  readonly datastoreName: string;
  /**
   * Create the container; `false` registers an existing container of that name.
   * @default true
   */
  readonly createContainer?: boolean;
  /**
   * Object id of the workspace's identity. When given, it gets Storage Blob Data Reader on the
   * container, which identity-based datastores need for data preview and profiling in the studio.
   * @default - no grant
   */
  readonly workspacePrincipalId?: string;
  /**
   * `lifecycle.prevent_destroy` on the container (it holds the data).
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Datastore description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Tags on the datastore.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A blob container registered as an AML datastore with identity-based access: no account key or
 * SAS token is written to the configuration or the Terraform state.
 */
export class BlobDatastore extends Construct {
  readonly datastore: MachineLearningDatastoreBlobstorage;
  readonly container?: StorageContainer;
  /** ARM (resource manager) id of the container: the scope for data-plane role assignments. */
  readonly containerId: string;
  readonly containerName: string;
  readonly datastoreName: string;

  constructor(scope: Construct, id: string, props: BlobDatastoreProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    c.resourceId("workspaceId", props.workspaceId);
    c.resourceId("storageAccountId", props.storageAccountId);
    checkName(c, "containerName", props.containerName, "storageContainer");
    checkName(c, "datastoreName", props.datastoreName, "mlDatastore");
    c.optionalBoolean("createContainer", props.createContainer);
    c.optionalBoolean("preventDestroy", props.preventDestroy);
    reportProblems(this, c.problems);

    this.containerName = props.containerName;
    this.datastoreName = props.datastoreName;
    if (props.createContainer ?? true) {
      this.container = new StorageContainer(this, "container", {
        name: props.containerName,
        // storage_account_id makes azurerm use the management plane, which works with shared keys off.
        storageAccountId: props.storageAccountId,
        containerAccessType: "private",
        lifecycle: { preventDestroy: props.preventDestroy !== false },
      });
      // Created with storage_account_id, the container's id is its ARM id (resource_manager_id, the
      // same value, is deprecated in azurerm 4.x and gone in 5.0).
      this.containerId = this.container.id;
    } else {
      this.containerId = containerIdOf(props.storageAccountId, props.containerName);
    }

    this.datastore = new MachineLearningDatastoreBlobstorage(this, "datastore", {
      name: props.datastoreName,
      workspaceId: props.workspaceId,
      storageContainerId: this.containerId,
      // Identity-based access: neither account_key nor shared_access_signature is set.
      serviceDataAuthIdentity: "WorkspaceSystemAssignedIdentity",
      description: props.description,
      tags: props.tags ? { ...props.tags } : undefined,
    });

    if (props.workspacePrincipalId !== undefined) {
      new RoleAssignment(this, "workspace-reader", {
        scope: this.containerId,
        roleDefinitionName: ROLES.storageBlobDataReader,
        principalId: props.workspacePrincipalId,
        principalType: "ServicePrincipal",
      });
    }
  }
}

import { Construct, IConstruct } from "constructs";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { MachineLearningDatastoreBlobstorage } from "@cdktf/provider-azurerm/lib/machine-learning-datastore-blobstorage";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { checkArmId, containerIdOf } from "../core/arm";
import { checkName } from "../core/naming";
import { addRoleAssignments, assignRole, checkRoleAssignments, Grantee, GRANTS, grantTo, RoleAssignments, ROLES } from "../core/roles";
import { Checker, checkReference, isObject, reportProblems, text } from "../core/validation";
import { checkWorkspace, IMlWorkspace } from "./ml-workspace";

/**
 * A blob container registered as an AML datastore, as other constructs use it: created here
 * (`BlobDatastore`) or existing (`BlobDatastore.fromAttributes`).
 */
export interface IBlobDatastore extends IConstruct {
  /** Name in `azureml://datastores/<name>/paths/...`. */
  readonly datastoreName: string;
  readonly containerName: string;
  /** ARM (resource manager) id of the container: the scope of its data-plane role assignments. */
  readonly containerId: string;
  /** ARM id of the storage account that holds the container. */
  readonly storageAccountId: string;
  /**
   * Grant Storage Blob Data Reader on the container. A cluster or factory holds the assignment
   * (`input-reader-<container>`); an object id is granted by the datastore (`reader-<principal>`).
   * Asked twice in a stack, it is granted once.
   * @returns the role assignment, or undefined when the grantee was rejected (reported at synth)
   */
  grantRead(grantee: Grantee): RoleAssignment | undefined;
  /**
   * Grant Storage Blob Data Contributor on the container (read, write, delete blobs). A cluster or
   * factory holds the assignment (`output-writer-<container>`); an object id is granted by the
   * datastore (`writer-<principal>`). Asked twice in a stack, it is granted once.
   * @returns the role assignment, or undefined when the grantee was rejected (reported at synth)
   */
  grantReadWrite(grantee: Grantee): RoleAssignment | undefined;
}

/** An existing datastore and its container (`BlobDatastore.fromAttributes`). */
export interface BlobDatastoreAttributes {
  /** Name of the datastore in its workspace. */
  readonly datastoreName: string;
  /** ARM id of the storage account that holds the container. */
  readonly storageAccountId: string;
  /** The container the datastore points at. */
  readonly containerName: string;
}

export interface BlobDatastoreProps {
  /** The Machine Learning workspace that owns the datastore. */
  readonly workspace: IMlWorkspace;
  /**
   * ARM id of the storage account that holds the container.
   * @default the workspace's storage account
   */
  readonly storageAccountId?: string;
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
   * Grant the workspace's identity Storage Blob Data Reader on the container, which identity-based
   * datastores need for data preview and profiling in the studio.
   * @default true (when the workspace's identity is known; an existing workspace given without
   * `workspacePrincipalId` gets no grant)
   */
  readonly grantWorkspaceRead?: boolean;
  /**
   * `lifecycle.prevent_destroy` on the container (it holds the data).
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Role assignments on the container for people, groups or identities, by key (each is
   * `role-assignment-<key>`), e.g. `{ analysts: { roleDefinitionIdOrName: "Storage Blob Data Reader",
   * principalId: "<group object id>", principalType: "Group" } }`.
   * @default {}
   */
  readonly roleAssignments?: RoleAssignments;
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

/** The grant methods, the same for a datastore created here and an existing one. */
abstract class DatastoreBase extends Construct implements IBlobDatastore {
  abstract readonly datastoreName: string;
  abstract readonly containerName: string;
  abstract readonly containerId: string;
  abstract readonly storageAccountId: string;

  grantRead(grantee: Grantee): RoleAssignment | undefined {
    return grantTo(this, "grantRead", this.containerId, GRANTS.read, grantee);
  }

  grantReadWrite(grantee: Grantee): RoleAssignment | undefined {
    return grantTo(this, "grantReadWrite", this.containerId, GRANTS.readWrite, grantee);
  }
}

class ImportedBlobDatastore extends DatastoreBase {
  readonly datastoreName: string;
  readonly containerName: string;
  readonly containerId: string;
  readonly storageAccountId: string;

  constructor(scope: Construct, id: string, attrs: BlobDatastoreAttributes) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const a: Partial<BlobDatastoreAttributes> = isObject(attrs) ? attrs : (c.fail("attributes", attrs, "must be an object { datastoreName, storageAccountId, containerName }"), {});
    checkName(c, "datastoreName", a.datastoreName, "mlDatastore");
    checkArmId(c, "storageAccountId", a.storageAccountId, "Microsoft.Storage/storageAccounts", "storageAccount");
    checkName(c, "containerName", a.containerName, "storageContainer");
    reportProblems(this, c.problems);
    this.datastoreName = text(a.datastoreName);
    this.containerName = text(a.containerName);
    this.storageAccountId = text(a.storageAccountId);
    this.containerId = containerIdOf(this.storageAccountId, this.containerName);
  }
}

/**
 * A blob container registered as an AML datastore with identity-based access: no account key or
 * SAS token is written to the configuration or the Terraform state.
 */
export class BlobDatastore extends DatastoreBase {
  /** An existing datastore and container, by name: what other constructs need of it, and its grant methods. */
  static fromAttributes(scope: Construct, id: string, attrs: BlobDatastoreAttributes): IBlobDatastore {
    return new ImportedBlobDatastore(scope, id, attrs);
  }

  readonly datastore: MachineLearningDatastoreBlobstorage;
  readonly container?: StorageContainer;
  /** ARM (resource manager) id of the container: the scope for data-plane role assignments. */
  readonly containerId: string;
  readonly containerName: string;
  readonly datastoreName: string;
  readonly storageAccountId: string;

  constructor(scope: Construct, id: string, props: BlobDatastoreProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const workspace = checkWorkspace(c, "workspace", props.workspace);
    if (props.storageAccountId !== undefined) checkArmId(c, "storageAccountId", props.storageAccountId, "Microsoft.Storage/storageAccounts", "storageAccount");
    checkName(c, "containerName", props.containerName, "storageContainer");
    checkName(c, "datastoreName", props.datastoreName, "mlDatastore");
    c.optionalBoolean("createContainer", props.createContainer);
    c.optionalBoolean("grantWorkspaceRead", props.grantWorkspaceRead);
    c.optionalBoolean("preventDestroy", props.preventDestroy);
    const roleAssignments = checkRoleAssignments(c, "roleAssignments", props.roleAssignments);
    reportProblems(this, c.problems);

    this.containerName = props.containerName;
    this.datastoreName = props.datastoreName;
    this.storageAccountId = props.storageAccountId ?? text(workspace?.storageAccountId);
    if (props.createContainer ?? true) {
      this.container = new StorageContainer(this, "container", {
        name: props.containerName,
        // storage_account_id makes azurerm use the management plane, which works with shared keys off.
        storageAccountId: this.storageAccountId,
        containerAccessType: "private",
        lifecycle: { preventDestroy: props.preventDestroy !== false },
      });
      // Created with storage_account_id, the container's id is its ARM id (resource_manager_id, the
      // same value, is deprecated in azurerm 4.x and gone in 5.0).
      this.containerId = this.container.id;
    } else {
      this.containerId = containerIdOf(this.storageAccountId, props.containerName);
    }

    this.datastore = new MachineLearningDatastoreBlobstorage(this, "datastore", {
      name: props.datastoreName,
      workspaceId: text(workspace?.workspaceId),
      storageContainerId: this.containerId,
      // Identity-based access: neither account_key nor shared_access_signature is set.
      serviceDataAuthIdentity: "WorkspaceSystemAssignedIdentity",
      description: props.description,
      tags: props.tags ? { ...props.tags } : undefined,
    });

    const workspaceIdentity = workspace?.workspacePrincipalId;
    if (props.grantWorkspaceRead !== false && typeof workspaceIdentity === "string") {
      assignRole(this, "workspace-reader", { scope: this.containerId, role: ROLES.storageBlobDataReader, principalId: workspaceIdentity, principalType: "ServicePrincipal" });
    }
    addRoleAssignments(this, this.containerId, roleAssignments);
  }
}

/** The datastore a construct is given, when it is one; anything else is reported under `property`. */
export function checkDatastore(c: Checker, property: string, value: unknown): IBlobDatastore | undefined {
  return checkReference<IBlobDatastore>(c, property, value, { strings: ["datastoreName", "containerName", "containerId", "storageAccountId"], methods: ["grantRead", "grantReadWrite"] }, "a datastore: a BlobDatastore, or BlobDatastore.fromAttributes(scope, id, { datastoreName, storageAccountId, containerName })");
}

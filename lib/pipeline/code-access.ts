import { Construct } from "constructs";
import { ITerraformDependable, TerraformStack } from "cdktf";
import { resolvedText } from "../core/tokens";
import { containerIdOf } from "../core/arm";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { DataAzapiResource } from "../core/azapi";
import { amlType } from "./aml-assets";
import { ROLES } from "../core/roles";
import { ensureProvider } from "../core/providers";

/**
 * How long a new role assignment is given to propagate before the same apply uses it. Entra ID and
 * storage's data plane usually honour a grant within a minute or two; Microsoft documents "up to
 * 10 minutes" in rare cases, which the blob upload cannot retry, so three minutes is the pause a
 * first deploy pays once (the wait re-runs only when the grant itself is recreated).
 */
export const ROLE_PROPAGATION_WAIT = "180s";

export interface WorkspaceCodeStoreProps {
  readonly workspaceId: string;
  /** The workspace's storage account (holds the datastore's container). */
  readonly storageAccountId: string;
  /**
   * Datastore whose container receives step code.
   * @default "workspaceblobstore" (the workspace's default, where azure-ai-ml uploads code)
   */
  readonly datastoreName?: string;
  /**
   * Grant the identity running Terraform Storage Blob Data Contributor on the container (the
   * provider uploads blobs with Entra ID) and wait `ROLE_PROPAGATION_WAIT` before uploading.
   * @default true
   */
  readonly grantDeployerUpload?: boolean;
  /**
   * Resources every upload must also wait for (e.g. the storage account's private endpoint).
   * @default []
   */
  readonly uploadDependsOn?: readonly ITerraformDependable[];
}

const STORES = new WeakMap<TerraformStack, Map<string, WorkspaceCodeStore>>();

/**
 * Where pipelines upload step code: the container of a workspace datastore, read from the workspace
 * (`azureml-blobstore-<workspace guid>` for the default), with the deployer's upload grant, the
 * wait that lets it propagate (so a first deploy succeeds in one run), and read grants for the
 * identities that fetch the code when a job starts.
 *
 * Azure refuses a second identical role assignment, so a stack has one store per workspace and
 * datastore, shared by all its pipelines (`obtain`). A pipeline in another stack that uploads into
 * a workspace whose store is granted elsewhere turns `grantDeployerUpload` off.
 */
export class WorkspaceCodeStore extends Construct {
  /** The container's name (a reference, known once the workspace exists). */
  readonly containerName: string;
  /** ARM id of the container: the scope of its grants. */
  readonly containerId: string;
  /** What an upload must depend on: the propagated grant and `uploadDependsOn`. */
  readonly uploadDependencies: readonly ITerraformDependable[];
  private readonly readers = new Set<string>();

  /** The stack's store for this workspace and datastore, created under `scope` (as `code-access`) if there is none yet. */
  static obtain(scope: Construct, props: WorkspaceCodeStoreProps): WorkspaceCodeStore {
    const stack = TerraformStack.of(scope);
    const key = [props.workspaceId, props.datastoreName ?? "workspaceblobstore"].map((v) => resolvedText(stack, v)).join("|");
    const stores = STORES.get(stack) ?? new Map<string, WorkspaceCodeStore>();
    STORES.set(stack, stores);
    const existing = stores.get(key);
    if (existing) return existing;
    const store = new WorkspaceCodeStore(scope, "code-access", props);
    stores.set(key, store);
    return store;
  }

  constructor(scope: Construct, id: string, props: WorkspaceCodeStoreProps) {
    super(scope, id);
    ensureProvider(this, "azapi");
    const datastore = new DataAzapiResource(this, "datastore", {
      type: amlType("datastores"),
      name: props.datastoreName ?? "workspaceblobstore",
      parentId: props.workspaceId,
      responseExportValues: ["properties.containerName"],
    });
    this.containerName = datastore.exported("properties.containerName");
    this.containerId = containerIdOf(props.storageAccountId, this.containerName);
    const deps: ITerraformDependable[] = [...(props.uploadDependsOn ?? [])];
    if (props.grantDeployerUpload ?? true) {
      const me = new DataAzurermClientConfig(this, "deployer", {});
      const grant = new RoleAssignment(this, "deployer-upload", {
        scope: this.containerId,
        roleDefinitionName: ROLES.storageBlobDataContributor,
        principalId: me.objectId,
      });
      ensureProvider(this, "time");
      deps.push(
        new Sleep(this, "deployer-upload-propagation", {
          createDuration: ROLE_PROPAGATION_WAIT,
          // A new grant (another deployer, a recreated workspace) waits again; an unchanged one never does.
          triggers: { grant: grant.id },
        }),
      );
    }
    this.uploadDependencies = deps;
  }

  /** Storage Blob Data Reader on the container for `principalId` (once per principal), as `<key>-reader`. */
  addReader(key: string, principalId: string | undefined): void {
    if (principalId === undefined) return;
    const identity = resolvedText(this, principalId);
    if (this.readers.has(identity)) return;
    this.readers.add(identity);
    let id = `${key}-reader`;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `${key}-reader-${n}`;
    new RoleAssignment(this, id, {
      scope: this.containerId,
      roleDefinitionName: ROLES.storageBlobDataReader,
      principalId,
      principalType: "ServicePrincipal",
    });
  }
}

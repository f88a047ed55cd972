import { Construct } from "constructs";
import { TerraformDataSource, TerraformMetaArguments, TerraformProvider, TerraformResource, TerraformResourceLifecycle } from "cdktf";

// No prebuilt azapi bindings exist on the npm registry (and `cdktf get` needs network), so these two
// small classes cover the part of Azure/azapi v2 this library uses. Only JSON synthesis is supported.

/** Azure/azapi v2: the version every azapi resource and the provider block ask for. */
const AZAPI_METADATA = { providerName: "azapi", providerVersionConstraint: "~> 2.0" };

/** What every azapi resource and data source hands to cdktf: its type, the provider and the meta-arguments. */
const base = (terraformResourceType: string, c: TerraformMetaArguments) => ({
  terraformResourceType,
  terraformGeneratorMetadata: AZAPI_METADATA,
  provider: c.provider,
  dependsOn: c.dependsOn,
  count: c.count,
  lifecycle: c.lifecycle,
  forEach: c.forEach,
});

export interface AzapiProviderConfig {
  /**
   * Subscription to use.
   * @default - from the environment, like the azurerm provider
   */
  readonly subscriptionId?: string;
  /** @default - none */
  readonly alias?: string;
}

export class AzapiProvider extends TerraformProvider {
  private readonly config: AzapiProviderConfig;

  constructor(scope: Construct, id: string, config: AzapiProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: "azapi",
      terraformGeneratorMetadata: AZAPI_METADATA,
      terraformProviderSource: "Azure/azapi",
    });
    this.config = config;
    this.alias = config.alias;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { subscription_id: this.config.subscriptionId, alias: this.config.alias };
  }
}

export interface AzapiIdentity {
  readonly type: "SystemAssigned" | "UserAssigned" | "SystemAssigned, UserAssigned";
  /** @default [] */
  readonly identityIds?: readonly string[];
}

export interface AzapiResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api version>`, e.g. `Microsoft.MachineLearningServices/workspaces/codes/versions@2024-04-01`. */
  readonly type: string;
  readonly name: string;
  /** ARM id of the parent resource (the workspace, a container, an endpoint). */
  readonly parentId: string;
  /** @default - none (child resources that inherit it) */
  readonly location?: string;
  /**
   * The request body. `${{...}}` AML bindings are written as-is: they are escaped for Terraform on synthesis.
   */
  readonly body: object;
  /**
   * Response paths to export into `output` (e.g. `properties.scoringUri`).
   * @default []
   */
  readonly responseExportValues?: readonly string[];
  /**
   * Validate the body against azapi's embedded schema at plan time.
   * @default true
   */
  readonly schemaValidationEnabled?: boolean;
  /** @default - none */
  readonly identity?: AzapiIdentity;
  /** @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly lifecycle?: TerraformResourceLifecycle;
  /**
   * Retry the ARM call while its error matches (e.g. a role assignment that has not propagated yet).
   * @default - no retry
   */
  readonly retry?: AzapiRetry;
}

/** azapi's `retry` attribute: retry while the error message matches one of the patterns. */
export interface AzapiRetry {
  /** Regular expressions (Go syntax) matched against the error message. */
  readonly errorMessageRegex: readonly string[];
  /**
   * Seconds before the first retry (1-120).
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Longest wait between retries (1-300); retries go on until the resource's timeout.
   * @default 180
   */
  readonly maxIntervalSeconds?: number;
}

const retryAttribute = (r: AzapiRetry | undefined) =>
  r ? { error_message_regex: [...r.errorMessageRegex], interval_seconds: r.intervalSeconds, max_interval_seconds: r.maxIntervalSeconds } : undefined;

/**
 * Errors ARM returns while a role assignment made in the same apply has not reached every region
 * (it takes minutes): a call that depends on the grant is retried until it succeeds or times out.
 */
export const RBAC_PROPAGATION_RETRY: AzapiRetry = {
  // Error codes only: a broad pattern such as "403" would retry a real, lasting denial until the timeout.
  errorMessageRegex: ["AuthorizationFailed", "LinkedAuthorizationFailed", "AuthorizationPermissionMismatch"],
  intervalSeconds: 15,
  maxIntervalSeconds: 60,
};

/**
 * Escape Terraform template sequences in a literal string (`${` -> `$${`, `%{` -> `%%{`), so AML's
 * `${{inputs.x}}` bindings or a script's text reach Azure verbatim. cdktf references (token markers
 * `${TfToken[...]}`) are left alone: they must become interpolations.
 */
export function escapeTemplateString(s: string): string {
  // Replacer functions: in a replacement string "$$" would itself collapse to "$".
  return s.replace(/\$\{(?!TfToken\[)/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** `escapeTemplateString` applied to every string inside a JSON value. */
export function escapeTemplates(value: unknown): unknown {
  if (typeof value === "string") return escapeTemplateString(value);
  if (Array.isArray(value)) return value.map(escapeTemplates);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeTemplates(v)]));
  }
  return value;
}

/** An `azapi_resource`: any ARM resource the azurerm provider lacks. */
export class AzapiResource extends TerraformResource {
  static readonly tfResourceType = "azapi_resource";
  readonly config: AzapiResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiResourceConfig) {
    super(scope, id, base(AzapiResource.tfResourceType, config));
    this.config = config;
  }

  /** The resource's ARM id. */
  get id(): string {
    return this.getStringAttribute("id");
  }

  /** The resource's name. */
  get name(): string {
    return this.getStringAttribute("name");
  }

  /** A value exported with `responseExportValues`, e.g. `exported("properties.scoringUri")`. */
  exported(path: string): string {
    if (!(this.config.responseExportValues ?? []).includes(path)) {
      throw new Error(`${this.node.path}: "${path}" is not in responseExportValues`);
    }
    return this.getStringAttribute(`output.${path}`);
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return {
      type: c.type,
      name: c.name,
      parent_id: c.parentId,
      location: c.location,
      body: escapeTemplates(c.body),
      response_export_values: c.responseExportValues ? [...c.responseExportValues] : undefined,
      schema_validation_enabled: c.schemaValidationEnabled,
      identity: c.identity ? { type: c.identity.type, identity_ids: [...(c.identity.identityIds ?? [])] } : undefined,
      tags: c.tags ? { ...c.tags } : undefined,
      retry: retryAttribute(c.retry),
    };
  }
}

export interface AzapiResourceActionConfig extends TerraformMetaArguments {
  /** `<resource type>@<api version>` of `resourceId`. */
  readonly type: string;
  /** ARM id the request goes to. */
  readonly resourceId: string;
  /**
   * Sub-path appended to `resourceId` (e.g. `cancel`).
   * @default - none: the request goes to the resource itself
   */
  readonly action?: string;
  readonly method: "POST" | "PATCH" | "PUT" | "DELETE" | "GET" | "HEAD";
  /** @default - no body */
  readonly body?: object;
  /**
   * `apply`: send the request when the resource is created (or its arguments change); destroying it
   * sends nothing. `destroy`: send it only on destroy.
   * @default "apply"
   */
  readonly when?: "apply" | "destroy";
  /** @default - no retry */
  readonly retry?: AzapiRetry;
}

/**
 * An `azapi_resource_action`: one ARM request. With `method: "PUT"` and `when: "apply"` it creates a
 * resource that Terraform never deletes (it is only forgotten), the lifecycle immutable AML asset
 * versions need: past jobs reference them.
 */
export class AzapiResourceAction extends TerraformResource {
  static readonly tfResourceType = "azapi_resource_action";
  readonly config: AzapiResourceActionConfig;

  constructor(scope: Construct, id: string, config: AzapiResourceActionConfig) {
    super(scope, id, base(AzapiResourceAction.tfResourceType, config));
    this.config = config;
  }

  /** `resourceId` (plus `/action`), as a reference: users of it are created after the request. */
  get id(): string {
    return this.getStringAttribute("id");
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return {
      type: c.type,
      resource_id: c.resourceId,
      action: c.action,
      method: c.method,
      body: c.body === undefined ? undefined : escapeTemplates(c.body),
      when: c.when ?? "apply",
      retry: retryAttribute(c.retry),
    };
  }
}

export interface DataAzapiResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api version>`. */
  readonly type: string;
  readonly name: string;
  readonly parentId: string;
  /** Response paths to export into `output`. */
  readonly responseExportValues: readonly string[];
}

/** A `data "azapi_resource"`: reads an existing ARM resource (e.g. a workspace's default datastore). */
export class DataAzapiResource extends TerraformDataSource {
  static readonly tfResourceType = "azapi_resource";
  readonly config: DataAzapiResourceConfig;

  constructor(scope: Construct, id: string, config: DataAzapiResourceConfig) {
    super(scope, id, base(DataAzapiResource.tfResourceType, config));
    this.config = config;
  }

  /** A value exported with `responseExportValues`. */
  exported(path: string): string {
    if (!this.config.responseExportValues.includes(path)) throw new Error(`${this.node.path}: "${path}" is not in responseExportValues`);
    return this.getStringAttribute(`output.${path}`);
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    const c = this.config;
    return { type: c.type, name: c.name, parent_id: c.parentId, response_export_values: [...c.responseExportValues] };
  }
}

export interface AzapiUpdateResourceConfig extends TerraformMetaArguments {
  /** `<resource type>@<api version>`. */
  readonly type: string;
  /** ARM id of the existing resource to patch. */
  readonly resourceId: string;
  /** The part of the body to set; azapi merges it into the resource's current body. */
  readonly body: object;
}

/** An `azapi_update_resource`: sets properties on a resource managed elsewhere (e.g. an endpoint's default deployment). */
export class AzapiUpdateResource extends TerraformResource {
  static readonly tfResourceType = "azapi_update_resource";
  readonly config: AzapiUpdateResourceConfig;

  constructor(scope: Construct, id: string, config: AzapiUpdateResourceConfig) {
    super(scope, id, base(AzapiUpdateResource.tfResourceType, config));
    this.config = config;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { type: this.config.type, resource_id: this.config.resourceId, body: escapeTemplates(this.config.body) };
  }
}

import { Construct } from "constructs";
import { TerraformMetaArguments, TerraformProvider, TerraformResource, TerraformResourceLifecycle } from "cdktf";

// No prebuilt azapi bindings exist on the npm registry (and `cdktf get` needs network), so these two
// small classes cover the part of Azure/azapi v2 this library uses. Only JSON synthesis is supported.

/** Azure/azapi v2: the version every azapi resource and the provider block ask for. */
const AZAPI_METADATA = { providerName: "azapi", providerVersionConstraint: "~> 2.0" };

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
}

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
    super(scope, id, {
      terraformResourceType: AzapiResource.tfResourceType,
      terraformGeneratorMetadata: AZAPI_METADATA,
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach,
    });
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
    };
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
    super(scope, id, {
      terraformResourceType: AzapiUpdateResource.tfResourceType,
      terraformGeneratorMetadata: AZAPI_METADATA,
      provider: config.provider,
      dependsOn: config.dependsOn,
    });
    this.config = config;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { type: this.config.type, resource_id: this.config.resourceId, body: escapeTemplates(this.config.body) };
  }
}

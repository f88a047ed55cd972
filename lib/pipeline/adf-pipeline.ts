import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AzapiResource } from "../core/azapi";
import { ensureProvider } from "../core/providers";
import { WireActivity } from "./adf-activities";

/** Data Factory REST API version of pipelines (the only GA version). */
export const ADF_API_VERSION = "2018-06-01";
export const ADF_PIPELINE_TYPE = `Microsoft.DataFactory/factories/pipelines@${ADF_API_VERSION}`;

/** A pipeline parameter or variable as the REST API declares it. */
export interface AdfStringDeclaration {
  readonly type: "String";
  readonly defaultValue: string;
}

/** The body of `Microsoft.DataFactory/factories/pipelines` (REST wire format). */
export interface AdfPipelineBody {
  readonly properties: {
    readonly description?: string;
    readonly activities: readonly WireActivity[];
    readonly parameters?: Readonly<Record<string, AdfStringDeclaration>>;
    readonly variables?: Readonly<Record<string, AdfStringDeclaration>>;
    readonly concurrency?: number;
    readonly annotations?: readonly string[];
  };
}

export interface AdfPipelineProps {
  /** ARM id of the data factory. */
  readonly dataFactoryId: string;
  /** Pipeline name (unique in the factory). */
  readonly name: string;
  /** The activities, in REST wire format (`toWire`). */
  readonly activities: readonly WireActivity[];
  /**
   * String parameters and their defaults: ordinary, visible run parameters.
   * @default {}
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * String variables and their initial values.
   * @default {}
   */
  readonly variables?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly description?: string;
  /**
   * Runs allowed at the same time.
   * @default - ADF's default (no limit)
   */
  readonly concurrency?: number;
  /** @default [] */
  readonly annotations?: readonly string[];
  /**
   * What the pipeline must be created or updated after (e.g. the deployment its activities name).
   * @default []
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

const strings = (m: Readonly<Record<string, string>> | undefined): Record<string, AdfStringDeclaration> | undefined =>
  m && Object.keys(m).length > 0 ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { type: "String" as const, defaultValue: v }])) : undefined;

/**
 * A Data Factory pipeline sent as its REST body through azapi. azurerm's `activities_json` is
 * decoded into typed Go models before it is sent, which rejects ADF expressions in fields typed as
 * numbers (a Wait's `waitTimeInSeconds`) and reads back `null`s that show a diff on every plan;
 * azapi sends the JSON unchanged and ignores what the service adds on read.
 */
export class AdfPipeline extends Construct {
  readonly resource: AzapiResource;
  readonly body: AdfPipelineBody;

  constructor(scope: Construct, id: string, props: AdfPipelineProps) {
    super(scope, id);
    ensureProvider(this, "azapi");
    this.body = {
      properties: {
        description: props.description,
        activities: props.activities,
        parameters: strings(props.parameters),
        variables: strings(props.variables),
        concurrency: props.concurrency,
        annotations: props.annotations && props.annotations.length > 0 ? props.annotations : undefined,
      },
    };
    this.resource = new AzapiResource(this, "pipeline", {
      type: ADF_PIPELINE_TYPE,
      name: props.name,
      parentId: props.dataFactoryId,
      body: dropUndefined(this.body),
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
  }

  /** The pipeline's name, as a reference: triggers that use it are created after it. */
  get name(): string {
    return this.resource.name;
  }

  get id(): string {
    return this.resource.id;
  }
}

/** A copy without undefined members: they would reach the JSON as nulls. */
export function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, dropUndefined(v)]),
    ) as T;
  }
  return value;
}

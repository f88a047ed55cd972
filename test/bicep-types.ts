/**
 * Offline re-implementation of the body validation that the azapi Terraform provider runs at plan time
 * (`schemaValidate` in terraform-provider-azapi internal/services/resource.go, with the per-type rules of
 * internal/azure/types/*.go), driven by a Bicep `types.json` from Azure/bicep-types-az.
 *
 * The rules mirror azapi; every place where this module deliberately differs is marked "DEVIATION".
 * Values are Terraform JSON-syntax values (what cdktf synthesizes): strings are templates, so `${...}` /
 * `%{...}` make a value unknown until plan/apply, and `$${` / `%%{` are escapes for a literal `${` / `%{`.
 *
 * Library only (no I/O apart from `BicepTypes.load`); the CLI is scripts/check-azapi-bodies.ts.
 */
import * as fs from "fs";

// ---------------------------------------------------------------------------------------------------------------
// Types of types.json entries

export interface TypeRef {
  $ref: string;
}

export interface PropertyDef {
  type: TypeRef;
  flags?: number;
  description?: string;
}

/** ObjectTypePropertyFlags of bicep-types (and azapi's ObjectPropertyFlag). */
export const PropertyFlags = {
  None: 0,
  Required: 1 << 0,
  ReadOnly: 1 << 1,
  /** Sent on PUT, never returned by GET (secrets). Accepted in a body; azapi's validation ignores it. */
  WriteOnly: 1 << 2,
  /** Must be known when the deployment starts (name, location, ...). azapi's validation ignores it. */
  DeployTimeConstant: 1 << 3,
  Identifier: 1 << 4,
} as const;

export interface StringTypeDef {
  $type: "StringType";
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  sensitive?: boolean;
}
export interface StringLiteralTypeDef {
  $type: "StringLiteralType";
  value: string;
}
export interface IntegerTypeDef {
  $type: "IntegerType";
  minValue?: number;
  maxValue?: number;
}
export interface BooleanTypeDef {
  $type: "BooleanType";
}
export interface AnyTypeDef {
  $type: "AnyType";
}
export interface NullTypeDef {
  $type: "NullType";
}
export interface ArrayTypeDef {
  $type: "ArrayType";
  itemType?: TypeRef;
  minLength?: number;
  maxLength?: number;
}
export interface ObjectTypeDef {
  $type: "ObjectType";
  name?: string;
  properties?: Record<string, PropertyDef>;
  additionalProperties?: TypeRef;
  sensitive?: boolean;
}
export interface DiscriminatedObjectTypeDef {
  $type: "DiscriminatedObjectType";
  name?: string;
  discriminator: string;
  baseProperties?: Record<string, PropertyDef>;
  elements: Record<string, TypeRef>;
}
export interface UnionTypeDef {
  $type: "UnionType";
  elements: TypeRef[];
}
export interface ResourceTypeDef {
  $type: "ResourceType";
  name: string;
  body?: TypeRef;
  readableScopes?: number;
  writableScopes?: number;
  /** Legacy format. */
  scopeType?: number;
  flags?: number;
}
export interface OtherTypeDef {
  $type: "ResourceFunctionType" | "FunctionType" | "UnknownTypeKind";
  [key: string]: unknown;
}

export type BicepType =
  | StringTypeDef
  | StringLiteralTypeDef
  | IntegerTypeDef
  | BooleanTypeDef
  | AnyTypeDef
  | NullTypeDef
  | ArrayTypeDef
  | ObjectTypeDef
  | DiscriminatedObjectTypeDef
  | UnionTypeDef
  | ResourceTypeDef
  | OtherTypeDef;

// ---------------------------------------------------------------------------------------------------------------
// Findings

export type Severity = "error" | "warning" | "info";

export type FindingCode =
  | "resource-type" // the resource type / api version is not in the types file, or cannot be written
  | "mismatch" // wrong JSON kind for the slot (string vs number vs boolean vs object vs array)
  | "unknown-property" // not declared and the object has no additionalProperties
  | "required" // a required property is missing
  | "read-only" // a read-only property is present
  | "enum" // a string literal / union of literals does not match
  | "discriminator" // unknown discriminator value
  | "range" // IntegerType minValue/maxValue
  | "length" // StringType / ArrayType minLength/maxLength
  | "pattern" // StringType pattern
  | "union" // no alternative of a (non-literal) union matches
  | "not-integer" // a fractional number in an IntegerType slot
  | "unchecked" // value is only known at plan/apply (Terraform reference): not checked
  | "ignored" // a value that azapi replaces or drops
  | "unsupported"; // a type kind or pattern this checker cannot evaluate

export interface Finding {
  /** JSON path in the body, e.g. `properties.activities[1].typeProperties.httpRequestTimeout`; "" = the body. */
  path: string;
  severity: Severity;
  code: FindingCode;
  message: string;
}

type PathSegment = string | number;

/** `a.b[1].c`; keys that are not plain identifiers are written `["..."]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Terraform strings

export interface TerraformString {
  /** True when the string contains an interpolation `${` or a directive `%{`: its value is known only later. */
  dynamic: boolean;
  /** The string with `$${` -> `${` and `%%{` -> `%{` unescaped (meaningful when !dynamic). */
  literal: string;
}

/** Reads a Terraform JSON-syntax string (a template): finds interpolations and unescapes `$${` and `%%{`. */
export function parseTerraformString(raw: string): TerraformString {
  let literal = "";
  let dynamic = false;
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith("$${", i) || raw.startsWith("%%{", i)) {
      literal += raw[i] + "{";
      i += 3;
    } else if (raw.startsWith("${", i) || raw.startsWith("%{", i)) {
      dynamic = true;
      literal += raw.slice(i, i + 2);
      i += 2;
    } else {
      literal += raw[i];
      i += 1;
    }
  }
  return { dynamic, literal };
}

/** `$${` -> `${`, `%%{` -> `%{` (a literal Terraform string's value). */
export function unescapeTerraformString(raw: string): string {
  return parseTerraformString(raw).literal;
}

// ---------------------------------------------------------------------------------------------------------------
// The types table

const KNOWN_KINDS = new Set([
  "StringType",
  "StringLiteralType",
  "IntegerType",
  "BooleanType",
  "AnyType",
  "NullType",
  "ArrayType",
  "ObjectType",
  "DiscriminatedObjectType",
  "UnionType",
  "ResourceType",
  "ResourceFunctionType",
  "FunctionType",
]);

export class BicepTypes {
  readonly types: readonly BicepType[];

  constructor(types: readonly unknown[]) {
    types.forEach((entry, index) => {
      if (!isPlainObject(entry) || typeof entry.$type !== "string") {
        throw new Error(`types.json entry #/${index} has no "$type"`);
      }
    });
    this.types = types as BicepType[];
  }

  /** Parses the text of a types.json (a JSON array of type entries). */
  static parse(text: string, source = "types.json"): BicepTypes {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${source}: not JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(json)) throw new Error(`${source}: expected a JSON array of type entries`);
    return new BicepTypes(json);
  }

  static load(file: string): BicepTypes {
    return BicepTypes.parse(fs.readFileSync(file, "utf8"), file);
  }

  resolve(ref: TypeRef | undefined): BicepType | undefined {
    if (!ref || typeof ref.$ref !== "string") return undefined;
    const m = /^#\/(\d+)$/.exec(ref.$ref);
    if (!m) throw new Error(`unsupported type reference ${JSON.stringify(ref.$ref)} (only "#/N" is supported)`);
    const entry = this.types[Number(m[1])];
    if (!entry) throw new Error(`type reference ${ref.$ref} is out of range (${this.types.length} entries)`);
    return entry;
  }

  resourceTypes(): ResourceTypeDef[] {
    return this.types.filter((t): t is ResourceTypeDef => t.$type === "ResourceType");
  }

  /**
   * The ResourceType named `<resourceType>@<apiVersion>`. Like azapi, the resource type is matched
   * case-insensitively and the api version exactly; a writable definition wins over a read-only one.
   */
  findResource(resourceType: string, apiVersion: string): ResourceTypeDef | undefined {
    const matches = this.resourceTypes().filter((r) => {
      const at = r.name.lastIndexOf("@");
      return at > 0 && r.name.slice(0, at).toLowerCase() === resourceType.toLowerCase() && r.name.slice(at + 1) === apiVersion;
    });
    return matches.find((r) => !isReadOnlyResource(r)) ?? matches[0];
  }
}

/** As azapi's ResourceType.IsReadOnly: no writable scope. Legacy entries without writableScopes count as writable. */
export function isReadOnlyResource(resource: ResourceTypeDef): boolean {
  return resource.writableScopes !== undefined && resource.writableScopes === 0;
}

/** Splits azapi's `type` attribute, `Microsoft.X/y/z@2024-04-01`. */
export function parseAzapiType(type: string): { resourceType: string; apiVersion: string; namespace: string } {
  const at = type.lastIndexOf("@");
  if (at <= 0 || at === type.length - 1) throw new Error(`"${type}" is not of the form <resource type>@<api version>`);
  const resourceType = type.slice(0, at);
  const apiVersion = type.slice(at + 1);
  const namespace = resourceType.split("/")[0];
  if (!namespace || !resourceType.includes("/")) throw new Error(`"${type}": "${resourceType}" is not a resource type`);
  return { resourceType, apiVersion, namespace };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

export interface ValidateOptions {
  /**
   * A partial body (azapi_update_resource): required properties, and the discriminator of a discriminated
   * object, may be left out. azapi itself validates only azapi_resource; this is an extension.
   */
  partial?: boolean;
  /** Treat strings as Terraform templates (default true). False: plain JSON, no `${`/`$${` handling. */
  terraformStrings?: boolean;
}

/** Validates `value` against the type `ref` points to; `path` is where `value` sits in the body. */
export function validateValue(
  types: BicepTypes,
  ref: TypeRef,
  value: unknown,
  options: ValidateOptions = {},
  path: readonly PathSegment[] = [],
): Finding[] {
  return new Validator(types, options).check(types.resolve(ref), value, path);
}

export interface ResourceBodyInput {
  /** azapi's `type` attribute: `<resource type>@<api version>`. */
  type: string;
  /** The body without the top-level properties azapi fills in (name, type, apiVersion, id). */
  body: unknown;
  /** azapi_resource's `name`, `location`, `tags`, `identity` attributes: azapi merges them into the body. */
  name?: unknown;
  location?: unknown;
  tags?: unknown;
  /** Terraform identity block ({type, identity_ids}, or a one-element list of it), or an ARM identity object. */
  identity?: unknown;
  partial?: boolean;
  terraformStrings?: boolean;
}

/**
 * Validates a resource body the way azapi_resource does at plan time:
 * the top-level `name`/`location`/`tags`/`identity` attributes are merged into the body, the body is validated
 * against the ResourceType's body type from the root, and "`location` is required" / "`tags` is required" are
 * dropped (azapi drops them because of its default-location feature); the top-level `name` is never required.
 *
 * Top-level `type`, `apiVersion` and `id` are never required (they are read-only in every Bicep resource body);
 * present in a body they are reported as read-only errors, which is what azapi does. A `name` in the body is
 * replaced by the resource's name attribute (warning "ignored").
 */
export function validateResourceBody(types: BicepTypes, input: ResourceBodyInput): Finding[] {
  const { resourceType, apiVersion } = parseAzapiType(input.type);
  const resource = types.findResource(resourceType, apiVersion);
  if (!resource) {
    return [
      finding(
        [],
        "error",
        "resource-type",
        `resource type ${resourceType} with api version ${apiVersion} is not defined in this types file`,
      ),
    ];
  }
  const findings: Finding[] = [];
  if (isReadOnlyResource(resource)) {
    findings.push(finding([], "error", "resource-type", `${resource.name} is read-only: it has no writable scope`));
  }
  const validator = new Validator(types, { partial: input.partial, terraformStrings: input.terraformStrings });
  if (input.body === undefined || input.body === null) {
    // azapi: a null body is not validated.
    findings.push(finding([], "info", "unchecked", "no body: nothing to check"));
    return findings;
  }
  const bodyType = types.resolve(resource.body);
  if (!bodyType) return findings;

  let body = input.body;
  if (isPlainObject(body)) {
    const merged: Record<string, unknown> = { ...body };
    if (input.name !== undefined && input.name !== null) {
      if ("name" in body && !sameValue(body.name, input.name)) {
        findings.push(finding(["name"], "warning", "ignored", "azapi replaces the body's name with the resource's name attribute"));
      }
      merged.name = input.name;
    }
    if (input.location !== undefined && input.location !== null) merged.location = input.location;
    if (input.tags !== undefined && input.tags !== null) merged.tags = input.tags;
    const identity = armIdentity(input.identity);
    if (identity !== undefined) merged.identity = identity;
    body = merged;
  }
  for (const f of validator.check(bodyType, body, [])) {
    if (f.code === "required" && (f.path === "location" || f.path === "tags")) continue;
    findings.push(f);
  }
  return findings;
}

/** azapi turns the identity block {type, identity_ids} into {type, userAssignedIdentities: {<id>: null}}. */
function armIdentity(identity: unknown): unknown {
  let block = identity;
  if (Array.isArray(block)) {
    if (block.length === 0) return undefined;
    block = block[0];
  }
  if (!isPlainObject(block)) return block === null ? undefined : block;
  if (!("identity_ids" in block)) return block;
  const out: Record<string, unknown> = { type: block.type };
  const ids = block.identity_ids;
  if (Array.isArray(ids)) {
    if (ids.length > 0) out.userAssignedIdentities = Object.fromEntries(ids.map((id) => [String(id), null]));
  } else if (ids !== undefined && ids !== null) {
    out.userAssignedIdentities = ids; // an expression: reported as unchecked
  }
  return out;
}

/** Recursive merge of `overlay` into `base` (objects merged key by key, anything else replaced), as azapi merges sensitive_body into body. */
export function mergeBodies(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined || overlay === null) return base;
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) out[key] = key in out ? mergeBodies(out[key], value) : value;
  return out;
}

function finding(path: readonly PathSegment[], severity: Severity, code: FindingCode, message: string): Finding {
  return { path: formatPath(path), severity, code, message };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function describe(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}

function errorCount(findings: readonly Finding[]): number {
  return findings.filter((f) => f.severity === "error").length;
}

/** UTF-8 length, as Go's len(string) that azapi uses for minLength/maxLength. */
function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest option, when it is close enough to be a plausible typo (azapi always suggests the closest). */
function suggestion(value: string, options: readonly string[]): string {
  let best = "";
  let bestDistance = Infinity;
  for (const option of options) {
    const d = editDistance(value.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = option;
    }
  }
  return best !== "" && bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? ` Did you mean "${best}"?` : "";
}

function typeLabel(t: BicepType): string {
  switch (t.$type) {
    case "StringLiteralType":
      return JSON.stringify(t.value);
    case "ObjectType":
    case "DiscriminatedObjectType":
      return t.name ? `${t.$type} ${t.name}` : t.$type;
    default:
      return t.$type;
  }
}

/** The JSON kind a type expects, for messages. */
function expectedKind(t: BicepType): string {
  switch (t.$type) {
    case "StringType":
    case "StringLiteralType":
      return "string";
    case "IntegerType":
      return "integer";
    case "BooleanType":
      return "boolean";
    case "ArrayType":
      return "array";
    case "ObjectType":
    case "DiscriminatedObjectType":
      return "object";
    case "NullType":
      return "null";
    default:
      return t.$type;
  }
}

type Interpreted =
  | { kind: "dynamic"; raw: string }
  | { kind: "string"; value: string }
  | { kind: "other"; value: unknown };

class Validator {
  private readonly partial: boolean;
  private readonly terraformStrings: boolean;
  private readonly patterns = new Map<string, RegExp | Error>();

  constructor(
    private readonly types: BicepTypes,
    options: ValidateOptions,
  ) {
    this.partial = options.partial ?? false;
    this.terraformStrings = options.terraformStrings ?? true;
  }

  private interpret(value: unknown): Interpreted {
    if (typeof value !== "string") return { kind: "other", value };
    if (!this.terraformStrings) return { kind: "string", value };
    const parsed = parseTerraformString(value);
    return parsed.dynamic ? { kind: "dynamic", raw: value } : { kind: "string", value: parsed.literal };
  }

  check(type: BicepType | undefined, value: unknown, path: readonly PathSegment[]): Finding[] {
    // azapi: a missing type reference, a null and an unknown value are not validated.
    if (type === undefined || value === null || value === undefined) return [];
    if (type.$type === "AnyType") return [];
    const v = this.interpret(value);
    if (v.kind === "dynamic") return this.checkDynamic(type, path);

    switch (type.$type) {
      case "StringType":
        return this.checkString(type, v, value, path);
      case "StringLiteralType":
        if (v.kind !== "string") return [this.mismatch(path, "string", value)];
        return v.value === type.value
          ? []
          : [finding(path, "error", "enum", `value ${JSON.stringify(v.value)} is invalid: expected ${JSON.stringify(type.value)}`)];
      case "IntegerType":
        return this.checkInteger(type, value, path);
      case "BooleanType":
        // DEVIATION: azapi's BooleanType.Validate accepts anything; a non-boolean is reported here (ARM rejects it).
        return typeof value === "boolean" ? [] : [this.mismatch(path, "boolean", value)];
      case "NullType":
        return [this.mismatch(path, "null", value)];
      case "ArrayType":
        return this.checkArray(type, value, path);
      case "ObjectType":
        return this.checkObject(type, value, path);
      case "DiscriminatedObjectType":
        return this.checkDiscriminated(type, value, path);
      case "UnionType":
        return this.checkUnion(type, value, path);
      case "ResourceType":
        return this.check(this.types.resolve(type.body), value, path);
      default:
        // azapi: ResourceFunctionType validates nothing.
        if (type.$type === "ResourceFunctionType" || type.$type === "FunctionType") return [];
        return KNOWN_KINDS.has(type.$type)
          ? []
          : [finding(path, "warning", "unsupported", `type kind ${String(type.$type)} is not supported: not checked`)];
    }
  }

  /**
   * A value that contains `${...}`/`%{...}`: Terraform knows it at plan time at best, and azapi skips unknown
   * values. It is accepted silently in an unconstrained string slot, and reported as info ("unchecked
   * reference") anywhere else - never as an error.
   * DEVIATION: azapi checks a reference that Terraform can resolve at plan time (e.g. a variable); this
   * checker cannot tell, so it checks none.
   */
  private checkDynamic(type: BicepType, path: readonly PathSegment[]): Finding[] {
    const unchecked = (what: string): Finding[] => [finding(path, "info", "unchecked", `unchecked reference: ${what}`)];
    switch (type.$type) {
      case "StringType": {
        const constraints = [
          type.pattern !== undefined && type.pattern !== "" ? `pattern ${type.pattern}` : "",
          type.minLength !== undefined ? `minLength ${type.minLength}` : "",
          type.maxLength !== undefined ? `maxLength ${type.maxLength}` : "",
        ].filter((c) => c !== "");
        return constraints.length === 0 ? [] : unchecked(`string not checked against ${constraints.join(", ")}`);
      }
      case "StringLiteralType":
        return unchecked(`expected ${JSON.stringify(type.value)}`);
      case "UnionType": {
        const elements = type.elements.map((e) => this.types.resolve(e)).filter((e): e is BicepType => e !== undefined);
        const openString = (e: BicepType): boolean =>
          e.$type === "AnyType" || (e.$type === "StringType" && !e.pattern && e.minLength === undefined && e.maxLength === undefined);
        if (elements.some(openString)) return [];
        const literals = elements.filter((e): e is StringLiteralTypeDef => e.$type === "StringLiteralType").map((e) => e.value);
        return literals.length === elements.length
          ? unchecked(`expected one of [${literals.join(", ")}]`)
          : unchecked(`expected ${elements.map(typeLabel).join(" | ")}`);
      }
      case "ResourceType":
        return this.checkDynamic(this.types.resolve(type.body) ?? { $type: "AnyType" }, path);
      default:
        return unchecked(`${expectedKind(type)} expected, value known only at plan/apply`);
    }
  }

  private mismatch(path: readonly PathSegment[], expected: string, value: unknown): Finding {
    return finding(path, "error", "mismatch", `expected ${expected}, got ${jsonKind(value)} ${describe(value)}`);
  }

  private checkString(type: StringTypeDef, v: Interpreted, value: unknown, path: readonly PathSegment[]): Finding[] {
    if (v.kind !== "string") return [this.mismatch(path, "string", value)];
    const s = v.value;
    // azapi reports only the first failed string constraint.
    if (type.minLength !== undefined && byteLength(s) < type.minLength) {
      return [finding(path, "error", "length", `string length ${byteLength(s)} is less than minLength ${type.minLength}`)];
    }
    if (type.maxLength !== undefined && byteLength(s) > type.maxLength) {
      return [finding(path, "error", "length", `string length ${byteLength(s)} is greater than maxLength ${type.maxLength}`)];
    }
    if (type.pattern !== undefined && type.pattern !== "") {
      const re = this.pattern(type.pattern);
      if (re instanceof Error) {
        // azapi logs a warning and accepts the value when Go cannot compile the pattern.
        return [finding(path, "warning", "unsupported", `pattern ${type.pattern} cannot be compiled (${re.message}): not checked`)];
      }
      if (!re.test(s)) {
        return [finding(path, "error", "pattern", `string ${describe(s)} does not match pattern ${type.pattern}`)];
      }
    }
    return [];
  }

  /** Go's regexp.Match (unanchored search, RE2 syntax) approximated by a JavaScript RegExp. */
  private pattern(source: string): RegExp | Error {
    let re = this.patterns.get(source);
    if (!re) {
      try {
        re = new RegExp(source, "u");
      } catch {
        try {
          re = new RegExp(source);
        } catch (e) {
          re = e as Error;
        }
      }
      this.patterns.set(source, re);
    }
    return re;
  }

  private checkInteger(type: IntegerTypeDef, value: unknown, path: readonly PathSegment[]): Finding[] {
    if (typeof value !== "number") return [this.mismatch(path, "integer", value)];
    if (!Number.isInteger(value)) {
      // azapi skips floats here: bicep-types-az declares some number properties as integers (bicep-types-az#1404).
      return [finding(path, "warning", "not-integer", `${value} is not an integer (azapi does not check this: bicep-types-az#1404)`)];
    }
    // DEVIATION: azapi receives Terraform numbers as types.Number and so never applies minValue/maxValue at plan
    // time; ARM rejects such values at apply, so they are errors here.
    if (type.minValue !== undefined && value < type.minValue) {
      return [finding(path, "error", "range", `value ${value} is less than minValue ${type.minValue}`)];
    }
    if (type.maxValue !== undefined && value > type.maxValue) {
      return [finding(path, "error", "range", `value ${value} is greater than maxValue ${type.maxValue}`)];
    }
    return [];
  }

  private checkArray(type: ArrayTypeDef, value: unknown, path: readonly PathSegment[]): Finding[] {
    if (!Array.isArray(value)) return [this.mismatch(path, "array", value)];
    const findings: Finding[] = [];
    if (type.minLength !== undefined && value.length < type.minLength) {
      findings.push(finding(path, "error", "length", `array length ${value.length} is less than minLength ${type.minLength}`));
    }
    if (type.maxLength !== undefined && value.length > type.maxLength) {
      findings.push(finding(path, "error", "length", `array length ${value.length} is greater than maxLength ${type.maxLength}`));
    }
    const itemType = this.types.resolve(type.itemType);
    value.forEach((item, index) => findings.push(...this.check(itemType, item, [...path, index])));
    return findings;
  }

  /**
   * Object keys are templates too in Terraform JSON syntax: unescaped; a key with an interpolation is unchecked.
   * Returns the literal keys with their values.
   */
  private entries(obj: Record<string, unknown>, path: readonly PathSegment[], findings: Finding[]): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [rawKey, value] of Object.entries(obj)) {
      const key = this.interpret(rawKey);
      if (key.kind === "dynamic") {
        findings.push(finding([...path, rawKey], "info", "unchecked", "unchecked reference: property name known only at plan/apply"));
      } else {
        out.push([key.kind === "string" ? key.value : rawKey, value]);
      }
    }
    return out;
  }

  private checkProperties(
    properties: Record<string, PropertyDef>,
    entries: [string, unknown][],
    path: readonly PathSegment[],
    findings: Finding[],
  ): [string, unknown][] {
    const rest: [string, unknown][] = [];
    for (const [key, value] of entries) {
      const def = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
      if (!def) {
        rest.push([key, value]);
        continue;
      }
      const flags = def.flags ?? 0;
      if (flags & PropertyFlags.ReadOnly) {
        // azapi: a read-only property that is also required is accepted (and not checked).
        if (!(flags & PropertyFlags.Required)) {
          findings.push(finding([...path, key], "error", "read-only", "read-only property: must not be set"));
        }
        continue;
      }
      findings.push(...this.check(this.types.resolve(def.type), value, [...path, key]));
    }
    return rest;
  }

  private checkRequired(
    properties: Record<string, PropertyDef>,
    present: ReadonlySet<string>,
    path: readonly PathSegment[],
    findings: Finding[],
  ): void {
    if (this.partial) return;
    for (const [key, def] of Object.entries(properties)) {
      const flags = def.flags ?? 0;
      if (!(flags & PropertyFlags.Required) || flags & PropertyFlags.ReadOnly || present.has(key)) continue;
      // azapi sets the top-level name itself (and type, apiVersion, id are read-only).
      if (path.length === 0 && ["name", "type", "apiVersion", "id"].includes(key)) continue;
      findings.push(finding([...path, key], "error", "required", "required property is missing"));
    }
  }

  private checkObject(type: ObjectTypeDef, value: unknown, path: readonly PathSegment[]): Finding[] {
    if (!isPlainObject(value)) return [this.mismatch(path, "object", value)];
    const findings: Finding[] = [];
    const properties = type.properties ?? {};
    const entries = this.entries(value, path, findings);
    const rest = this.checkProperties(properties, entries, path, findings);
    const additional = this.types.resolve(type.additionalProperties);
    for (const [key, item] of rest) {
      if (additional) {
        findings.push(...this.check(additional, item, [...path, key]));
      } else {
        const names = Object.keys(properties);
        findings.push(
          finding(
            [...path, key],
            "error",
            "unknown-property",
            `property is not defined by ${typeLabel(type)}.${suggestion(key, names)}`,
          ),
        );
      }
    }
    this.checkRequired(properties, new Set(entries.map(([k]) => k)), path, findings);
    return findings;
  }

  /**
   * As azapi: base properties are checked against baseProperties (read-only ones are errors there), the others -
   * including the discriminator - against the element the discriminator selects.
   * DEVIATION: azapi requires a required+read-only base property; it is not required here (as in ObjectType).
   */
  private checkDiscriminated(type: DiscriminatedObjectTypeDef, value: unknown, path: readonly PathSegment[]): Finding[] {
    if (!isPlainObject(value)) return [this.mismatch(path, "object", value)];
    const findings: Finding[] = [];
    const base = type.baseProperties ?? {};
    const entries = this.entries(value, path, findings);
    const rest: [string, unknown][] = [];
    for (const [key, item] of entries) {
      const def = Object.prototype.hasOwnProperty.call(base, key) ? base[key] : undefined;
      if (!def) rest.push([key, item]);
      else if ((def.flags ?? 0) & PropertyFlags.ReadOnly) {
        findings.push(finding([...path, key], "error", "read-only", "read-only property: must not be set"));
      } else findings.push(...this.check(this.types.resolve(def.type), item, [...path, key]));
    }
    this.checkRequired(base, new Set(entries.map(([k]) => k)), path, findings);

    const discriminatorPath = [...path, type.discriminator];
    const options = Object.keys(type.elements);
    const found = rest.find(([k]) => k === type.discriminator);
    if (!found || found[1] === null) {
      findings.push(
        this.partial
          ? finding(discriminatorPath, "info", "unchecked", `no ${type.discriminator}: the ${typeLabel(type)} variant is not checked`)
          : finding(discriminatorPath, "error", "required", `required discriminator is missing (one of [${options.join(", ")}])`),
      );
      return findings;
    }
    const d = this.interpret(found[1]);
    if (d.kind === "dynamic") {
      findings.push(finding(discriminatorPath, "info", "unchecked", `unchecked reference: discriminator, so the variant is not checked (one of [${options.join(", ")}])`));
      return findings;
    }
    if (d.kind !== "string") {
      findings.push(this.mismatch(discriminatorPath, "string", found[1]));
      return findings;
    }
    const elementRef = Object.prototype.hasOwnProperty.call(type.elements, d.value) ? type.elements[d.value] : undefined;
    if (!elementRef) {
      findings.push(
        finding(
          discriminatorPath,
          "error",
          "discriminator",
          `unknown ${type.discriminator} ${JSON.stringify(d.value)}: expected one of [${options.join(", ")}].${suggestion(d.value, options)}`,
        ),
      );
      return findings;
    }
    // Keep the raw (still escaped) keys: `check` unescapes them again.
    const restKeys = new Set(rest.map(([k]) => k));
    const restObject = Object.fromEntries(
      Object.entries(value).filter(([rawKey]) => {
        const k = this.interpret(rawKey);
        return k.kind === "string" && restKeys.has(k.value);
      }),
    );
    findings.push(...this.check(this.types.resolve(elementRef), restObject, path));
    return findings;
  }

  private checkUnion(type: UnionTypeDef, value: unknown, path: readonly PathSegment[]): Finding[] {
    const elements = type.elements.map((e) => this.types.resolve(e)).filter((e): e is BicepType => e !== undefined);
    if (elements.length === 0) return [];
    const results = elements.map((element) => ({ element, findings: this.check(element, value, path) }));
    const match = results.find((r) => !hasErrors(r.findings));
    const literals = elements.filter((e): e is StringLiteralTypeDef => e.$type === "StringLiteralType").map((e) => e.value);
    const v = this.interpret(value);
    if (match) {
      // An "extensible enum" (known literals | string): azapi accepts any string. An unknown value is often a
      // typo the service rejects at apply, so it is a warning here (an addition to azapi's rules).
      if (match.element.$type === "StringType" && v.kind === "string" && literals.length > 0 && !literals.includes(v.value)) {
        const caseOnly = literals.find((l) => l.toLowerCase() === v.value.toLowerCase());
        return [
          ...match.findings,
          finding(
            path,
            "warning",
            "enum",
            caseOnly !== undefined
              ? `value ${JSON.stringify(v.value)} differs only in case from the known value ${JSON.stringify(caseOnly)}`
              : `value ${JSON.stringify(v.value)} is not one of the known values [${literals.join(", ")}] (accepted: the type also allows any string).${suggestion(v.value, literals)}`,
          ),
        ];
      }
      return match.findings;
    }

    if (literals.length === elements.length) {
      // A closed enum.
      return [
        v.kind === "string"
          ? finding(path, "error", "enum", `value ${JSON.stringify(v.value)} is not one of [${literals.join(", ")}].${suggestion(v.value, literals)}`)
          : finding(path, "error", "enum", `expected one of [${literals.join(", ")}], got ${jsonKind(value)} ${describe(value)}`),
      ];
    }
    if (v.kind === "string" && literals.length > 0 && !elements.some((e) => e.$type === "StringType")) {
      const others = elements.filter((e) => e.$type !== "StringLiteralType").map(typeLabel);
      return [
        finding(
          path,
          "error",
          "enum",
          `value ${JSON.stringify(v.value)} is not one of [${literals.join(", ")}, ${others.join(", ")}].${suggestion(v.value, literals)}`,
        ),
      ];
    }
    // Report the alternative of the right JSON kind with the fewest errors, as the most likely intended one.
    const here = formatPath(path);
    const candidates = results.filter((r) => !r.findings.some((f) => f.code === "mismatch" && f.path === here));
    const summary = finding(path, "error", "union", `matches none of ${elements.map(typeLabel).join(" | ")}`);
    if (candidates.length === 0) return [summary];
    const closest = candidates.reduce((a, b) => (errorCount(b.findings) < errorCount(a.findings) ? b : a));
    summary.message += `; closest is ${typeLabel(closest.element)}, which reports:`;
    return [summary, ...closest.findings];
  }
}

/**
 * Checks the bodies of the azapi resources in synthesized stacks against Azure's Bicep type definitions, the
 * way the azapi provider does at plan time (see scripts/bicep-check.ts), without Terraform or Azure.
 *
 *   node --require ts-node/register scripts/check-azapi-bodies.ts --types <dir> [stacks dir | cdk.tf.json ...]
 *
 * <dir> holds <namespace lowercase>/<api version>/types.json files copied from Azure/bicep-types-az
 * (e.g. microsoft.machinelearningservices/2024-04-01/types.json). The stacks dir defaults to cdktf.out/stacks;
 * every cdk.tf.json under it is read. Checked:
 *   - azapi_resource: the body, with the name/location/tags/identity attributes merged in as azapi does;
 *   - azapi_update_resource: the body as a partial body (required properties may be left out);
 *   - azapi_resource_action with method PUT and no action: the body as a full resource body of `type`
 *     (the type of resource_id).
 * Prints `<stack> <address>: <path>: <severity>: <problem>` lines, the skipped resources and a summary.
 * Exit status: 1 when there is an error, 0 otherwise, 2 on a usage or input problem.
 * Options: --quiet hides info lines (unchecked references).
 */
import * as fs from "fs";
import * as path from "path";
import {
  BicepTypes,
  Finding,
  mergeBodies,
  parseAzapiType,
  parseTerraformString,
  validateResourceBody,
} from "../test/bicep-types";

export class UsageError extends Error {}

export interface CliOptions {
  typesDir: string;
  inputs: string[];
  quiet: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  let typesDir: string | undefined;
  const inputs: string[] = [];
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--types") {
      typesDir = argv[++i];
      if (typesDir === undefined) throw new UsageError("--types needs a directory");
    } else if (arg.startsWith("--types=")) typesDir = arg.slice("--types=".length);
    else if (arg === "--quiet" || arg === "-q") quiet = true;
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else inputs.push(arg);
  }
  if (!typesDir) throw new UsageError("--types <dir> is required");
  return { typesDir, inputs: inputs.length > 0 ? inputs : [path.join("cdktf.out", "stacks")], quiet };
}

const USAGE = "usage: check-azapi-bodies --types <types dir> [--quiet] [stacks dir | cdk.tf.json ...] (default cdktf.out/stacks)";

/** The cdk.tf.json files under `input` (or `input` itself), each with a stack label, sorted. */
export function findStackFiles(input: string): { stack: string; file: string }[] {
  if (!fs.existsSync(input)) throw new UsageError(`${input} not found (run npm run synth first?)`);
  if (fs.statSync(input).isFile()) return [{ stack: path.basename(path.dirname(path.resolve(input))), file: input }];
  const out: { stack: string; file: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(full);
      else if (entry.isFile() && entry.name === "cdk.tf.json") {
        const rel = path.relative(input, dir);
        out.push({ stack: rel === "" ? path.basename(path.resolve(input)) : rel.split(path.sep).join("/"), file: full });
      }
    }
  };
  walk(input);
  return out;
}

export interface ResourceReport {
  stack: string;
  address: string;
  findings: Finding[];
}

export interface SkippedResource {
  stack: string;
  address: string;
  reason: string;
}

export interface CheckResult {
  checked: ResourceReport[];
  skipped: SkippedResource[];
}

const KINDS = ["azapi_resource", "azapi_update_resource", "azapi_resource_action"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A literal Terraform string attribute (unescaped), or undefined when absent or an expression. */
function literalString(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  const parsed = parseTerraformString(v);
  return parsed.dynamic ? undefined : parsed.literal;
}

export class TypesDirectory {
  private readonly cache = new Map<string, BicepTypes>();
  private index: Record<string, { apiVersions?: string[] }> | undefined | null = null;

  constructor(readonly dir: string) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`types directory ${dir} not found`);
  }

  fileFor(namespace: string, apiVersion: string): string {
    return path.join(this.dir, namespace.toLowerCase(), apiVersion, "types.json");
  }

  load(file: string): BicepTypes {
    let types = this.cache.get(file);
    if (!types) {
      types = BicepTypes.load(file);
      this.cache.set(file, types);
    }
    return types;
  }

  /** Api versions index.json lists for a resource type, if the directory has an index.json. */
  apiVersions(resourceType: string): string[] | undefined {
    if (this.index === null) {
      this.index = undefined;
      const file = path.join(this.dir, "index.json");
      if (fs.existsSync(file)) {
        try {
          const json = JSON.parse(fs.readFileSync(file, "utf8")) as { resourceTypes?: Record<string, { apiVersions?: string[] }> };
          this.index = json.resourceTypes;
        } catch {
          this.index = undefined;
        }
      }
    }
    return this.index?.[resourceType.toLowerCase()]?.apiVersions;
  }
}

/** Checks one synthesized stack (the parsed cdk.tf.json). */
export function checkStack(stack: string, tfJson: unknown, typesDir: TypesDirectory): CheckResult {
  const result: CheckResult = { checked: [], skipped: [] };
  const resources = isObject(tfJson) && isObject(tfJson.resource) ? tfJson.resource : {};
  for (const kind of KINDS) {
    const blocks = resources[kind];
    if (!isObject(blocks)) continue;
    for (const [name, block] of Object.entries(blocks)) {
      const address = `${kind}.${name}`;
      const skip = (reason: string): void => {
        result.skipped.push({ stack, address, reason });
      };
      if (!isObject(block)) {
        skip("not an object");
        continue;
      }
      if (kind === "azapi_resource_action") {
        const method = block.method === undefined ? "POST" : literalString(block.method);
        if (method === undefined) {
          skip("method is an expression");
          continue;
        }
        if (method.toUpperCase() !== "PUT") {
          skip(`method ${method}: an action call, not a resource body`);
          continue;
        }
        const action = block.action === undefined || block.action === null ? "" : literalString(block.action);
        if (action !== "") {
          skip(action === undefined ? "action is an expression" : `action ${action}: not a resource body`);
          continue;
        }
      }
      const type = literalString(block.type);
      if (type === undefined) {
        skip("type is missing or an expression");
        continue;
      }
      let parsed: ReturnType<typeof parseAzapiType>;
      try {
        parsed = parseAzapiType(type);
      } catch (e) {
        result.checked.push({ stack, address, findings: [{ path: "", severity: "error", code: "resource-type", message: `type: ${(e as Error).message}` }] });
        continue;
      }
      const file = typesDir.fileFor(parsed.namespace, parsed.apiVersion);
      if (!fs.existsSync(file)) {
        skip(`no types file for ${type} (${path.relative(typesDir.dir, file)})`);
        continue;
      }
      let body: unknown = block.body;
      if (typeof body === "string") {
        // azapi 1.x took the body as a JSON string (jsonencode).
        const text = parseTerraformString(body);
        if (text.dynamic) {
          skip("body is an expression");
          continue;
        }
        try {
          body = JSON.parse(text.literal);
        } catch (e) {
          result.checked.push({ stack, address, findings: [{ path: "", severity: "error", code: "mismatch", message: `body is a string but not JSON: ${(e as Error).message}` }] });
          continue;
        }
      }
      if (isObject(block.sensitive_body)) body = mergeBodies(body, block.sensitive_body);

      let findings = validateResourceBody(typesDir.load(file), {
        type,
        body,
        partial: kind === "azapi_update_resource",
        ...(kind === "azapi_resource"
          ? { name: block.name, location: block.location, tags: block.tags, identity: block.identity }
          : {}),
      });
      if (findings.some((f) => f.code === "resource-type" && f.severity === "error")) {
        const versions = typesDir.apiVersions(parsed.resourceType);
        if (versions) {
          findings = findings.map((f) =>
            f.code === "resource-type" ? { ...f, message: `${f.message}; index.json lists: ${versions.join(", ")}` } : f,
          );
        }
      }
      if (block.schema_validation_enabled === false) {
        // azapi skips its check for this resource; ARM may still reject the body at apply.
        findings = findings.map((f) =>
          f.severity === "error" ? { ...f, severity: "warning", message: `${f.message} (schema_validation_enabled = false)` } : f,
        );
      }
      result.checked.push({ stack, address, findings });
    }
  }
  return result;
}

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the CLI; returns the exit status. */
export function run(argv: readonly string[], output: Output = { out: console.log, err: console.error }): number {
  let options: CliOptions;
  let typesDir: TypesDirectory;
  let files: { stack: string; file: string }[];
  try {
    options = parseArgs(argv);
    typesDir = new TypesDirectory(options.typesDir);
    files = options.inputs.flatMap(findStackFiles);
    if (files.length === 0) throw new UsageError(`no cdk.tf.json under ${options.inputs.join(", ")}`);
  } catch (e) {
    output.err(`check-azapi-bodies: ${(e as Error).message}`);
    if (e instanceof UsageError) output.err(USAGE);
    return 2;
  }

  const all: CheckResult = { checked: [], skipped: [] };
  for (const { stack, file } of files) {
    try {
      const r = checkStack(stack, JSON.parse(fs.readFileSync(file, "utf8")), typesDir);
      all.checked.push(...r.checked);
      all.skipped.push(...r.skipped);
    } catch (e) {
      output.err(`check-azapi-bodies: ${file}: ${(e as Error).message}`);
      return 2;
    }
  }

  const counts = { error: 0, warning: 0, info: 0 };
  for (const report of all.checked) {
    for (const f of report.findings) {
      counts[f.severity] += 1;
      if (options.quiet && f.severity === "info") continue;
      output.out(`${report.stack} ${report.address}: ${f.path === "" ? "(body)" : f.path}: ${f.severity}: ${f.message}`);
    }
  }
  for (const s of all.skipped) output.out(`${s.stack} ${s.address}: skipped: ${s.reason}`);
  const failing = all.checked.filter((r) => r.findings.some((f) => f.severity === "error")).length;
  output.out(
    `check-azapi-bodies: ${all.checked.length} resource(s) checked in ${files.length} stack(s), ${all.skipped.length} skipped; ` +
      `${counts.error} error(s) in ${failing} resource(s), ${counts.warning} warning(s), ${counts.info} info`,
  );
  return counts.error > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2));
}

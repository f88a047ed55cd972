/**
 * The synthesized stack (`cdktf.out/stacks/<env>/cdk.tf.json`) read as a description of what must
 * exist in Azure: the ARM ids of the resources it names, and its Terraform references resolved, from
 * the stack alone where it determines them, else by reading the live resource that owns the value
 * (`verify`; offline, as when the CLI reads a pipeline's manifest, such a value stays unresolved).
 * What can be resolved neither way becomes an `Unresolved` saying why; nothing is guessed.
 */
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./context";

export type Block = Record<string, unknown>;

/** The parts of cdk.tf.json this reads. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly output?: Record<string, { readonly value?: unknown; readonly description?: string }>;
  /** Provider configurations by name (a list: aliases). */
  readonly provider?: Record<string, Block[]>;
}

/** How an app's stacks come to exist, for the messages that need them. */
export const SYNTH_HINT = "synthesize the app first (`npx cdktf synth`; in the aml-datapath-pipeline repository `npm run synth`)";

/** The stack in `dir`; a usage error when there is none (nothing was synthesized yet). */
export function readStack(dir: string, env: string): StackJson {
  const file = path.join(dir, "cdk.tf.json");
  if (!fs.existsSync(file)) {
    throw new UsageError(`no synthesized stack for "${env}" (${file} does not exist): ${SYNTH_HINT}, or point --stack-dir at the folder with cdk.tf.json`);
  }
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON (${(e as Error).message}): synthesize the app again`);
  }
}

/** The literal value of a provider's argument (the first, unaliased configuration), if it is one. */
export function providerSetting(json: StackJson, provider: string, argument: string): string | undefined {
  const blocks = json.provider?.[provider] ?? [];
  const value = (blocks.find((b) => b.alias === undefined) ?? blocks[0])?.[argument];
  return typeof value === "string" && value !== "" && !/[$%]\{/.test(value) ? value : undefined;
}

/** A value that cannot be known here, and why. */
export class Unresolved {
  constructor(readonly why: string) {}
}

/** A plain Terraform reference: `[data.]<type>.<name>.<attribute path>`. */
export interface Ref {
  readonly data: boolean;
  readonly type: string;
  readonly name: string;
  /** Attribute path, list indexes as strings: `identity[0].principal_id` is ["identity", "0", "principal_id"]. */
  readonly attr: readonly string[];
  readonly text: string;
}

const REF = /^(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[\d+\])+)$/;

/** The reference in `expr`, or undefined for anything else (a function call, an operator, ...). */
export function parseRef(expr: string): Ref | undefined {
  const m = REF.exec(expr.trim());
  if (!m) return undefined;
  const attr = [...m[4].matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)].map((x) => x[1] ?? x[2]);
  return { data: Boolean(m[1]), type: m[2], name: m[3], attr, text: expr.trim() };
}

export const addressOf = (r: { data: boolean; type: string; name: string }): string => `${r.data ? "data." : ""}${r.type}.${r.name}`;

type Part = { readonly literal: string } | { readonly expr: string };

/**
 * A Terraform template string split into literal text (escapes `$${` and `%%{` undone) and `${...}`
 * interpolations; a `%{...}` directive cannot be evaluated here.
 */
export function templateParts(s: string): Part[] | Unresolved {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < s.length; ) {
    if (s.startsWith("$${", i) || s.startsWith("%%{", i)) {
      literal += `${s[i]}{`;
      i += 3;
    } else if (s.startsWith("%{", i)) {
      return new Unresolved(`a Terraform template directive (${s.slice(i, i + 30)}...)`);
    } else if (s.startsWith("${", i)) {
      const end = s.indexOf("}", i + 2);
      if (end < 0) return new Unresolved(`an unterminated interpolation in "${s}"`);
      if (literal) parts.push({ literal });
      literal = "";
      parts.push({ expr: s.slice(i + 2, end) });
      i = end + 1;
    } else {
      literal += s[i++];
    }
  }
  if (literal || parts.length === 0) parts.push({ literal });
  return parts;
}

/** Reads a live resource: its JSON, or undefined when ARM answers 404. */
export type LiveGet = (id: string, apiVersion: string) => Promise<Block | undefined>;

const isBlock = (v: unknown): v is Block => typeof v === "object" && v !== null && !Array.isArray(v);

/** Joins id parts; the first part that is not known makes the whole unknown. */
function joinId(...parts: unknown[]): string | Unresolved {
  const unknown = parts.find((p) => p instanceof Unresolved);
  if (unknown) return unknown as Unresolved;
  const bad = parts.find((p) => typeof p !== "string");
  return bad === undefined ? parts.join("") : new Unresolved(`an id part is not text (${JSON.stringify(bad)})`);
}

interface ArmShape {
  /** The resource's (or data source's) ARM id, from its arguments. */
  readonly id: (b: Block, m: StackModel) => Promise<string | Unresolved>;
  /** `<resource type>@<api version>` to read it live (e.g. for its managed identity). */
  readonly read?: string;
}

const inResourceGroup = (provider: string, read?: string): ArmShape => ({
  id: async (b, m) => joinId("/subscriptions/", m.subscription(), "/resourceGroups/", await m.value(b.resource_group_name), `/providers/${provider}/`, await m.value(b.name)),
  read,
});
const below = (parentArgument: string, segment: string, read?: string): ArmShape => ({
  id: async (b, m) =>
    b[parentArgument] === undefined ? new Unresolved(`it has no ${parentArgument}`) : joinId(await m.value(b[parentArgument]), `/${segment}/`, await m.value(b.name)),
  read,
});
const TRIGGER = below("data_factory_id", "triggers", "Microsoft.DataFactory/factories/triggers@2018-06-01");

/** ARM ids of the azurerm resource types the stacks reference or verify checks (see cdk.tf.json). */
export const AZURERM: Readonly<Record<string, ArmShape>> = {
  azurerm_resource_group: { id: async (b, m) => joinId("/subscriptions/", m.subscription(), "/resourceGroups/", await m.value(b.name)) },
  azurerm_data_factory: inResourceGroup("Microsoft.DataFactory/factories", "Microsoft.DataFactory/factories@2018-06-01"),
  azurerm_machine_learning_workspace: inResourceGroup("Microsoft.MachineLearningServices/workspaces", "Microsoft.MachineLearningServices/workspaces@2024-04-01"),
  azurerm_storage_account: inResourceGroup("Microsoft.Storage/storageAccounts"),
  azurerm_private_endpoint: inResourceGroup("Microsoft.Network/privateEndpoints"),
  azurerm_machine_learning_compute_cluster: below("machine_learning_workspace_id", "computes", "Microsoft.MachineLearningServices/workspaces/computes@2024-04-01"),
  // azurerm 4 with storage_account_id: the container's Resource Manager id (with a name, a data-plane URL).
  azurerm_storage_container: below("storage_account_id", "blobServices/default/containers"),
  azurerm_data_factory_trigger_schedule: TRIGGER,
  azurerm_data_factory_trigger_blob_event: TRIGGER,
  azurerm_data_factory_trigger_tumbling_window: TRIGGER,
  azurerm_data_factory_trigger_custom_event: TRIGGER,
};

/** ARM ids of the azurerm data sources an app may pass to the constructs (e.g. an existing factory's id). */
export const AZURERM_DATA: Readonly<Record<string, ArmShape>> = {
  azurerm_resource_group: AZURERM.azurerm_resource_group,
  azurerm_data_factory: AZURERM.azurerm_data_factory,
  azurerm_machine_learning_workspace: AZURERM.azurerm_machine_learning_workspace,
  azurerm_storage_account: AZURERM.azurerm_storage_account,
};

/** `Microsoft.X/a/b@2024-04-01` -> ["Microsoft.X/a/b", "2024-04-01"]. */
export function splitType(type: unknown): [string, string] | undefined {
  const m = /^([^@]+)@(.+)$/.exec(String(type));
  return m ? [m[1], m[2]] : undefined;
}

/** The id of an azapi resource: under its parent, or a top-level type under a resource group or subscription. */
function azapiId(type: string, parent: unknown, name: unknown): string | Unresolved {
  const segments = type.split("/");
  return joinId(parent, segments.length === 2 ? `/providers/${type}/` : `/${segments[segments.length - 1]}/`, name);
}

/** The stack, with its references resolved on demand (each at most once). */
export class StackModel {
  private readonly cache = new Map<string, Promise<unknown>>();
  /** Whether an id was built with the subscription given (rather than taken whole from the stack). */
  subscriptionUsed = false;

  /**
   * `subscriptionId`: the one the stack deploys to (an `Unresolved` when it is not known; ids that
   * need it are then unresolved too). `live`: reads a resource from Azure; without it (offline),
   * values only Azure knows stay unresolved.
   */
  constructor(readonly json: StackJson, private readonly subscriptionId: string | Unresolved, private readonly live?: LiveGet) {}

  /** The subscription, for ids built from arguments. */
  subscription(): string | Unresolved {
    this.subscriptionUsed = true;
    return this.subscriptionId;
  }

  /** Resources of one type, in the stack's order. */
  resources(type: string): [string, Block][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }

  /** All resource types in the stack. */
  resourceTypes(): string[] {
    return Object.keys(this.json.resource ?? {});
  }

  block(r: { data: boolean; type: string; name: string }): Block | undefined {
    return (r.data ? this.json.data : this.json.resource)?.[r.type]?.[r.name];
  }

  /** `s` with each `${<type>.<name>.<attribute>}` replaced by the name of that resource (for labels). */
  named(s: string): string {
    return s.replace(/\$\{([^}]*)\}/g, (whole, expr: string) => {
      const ref = parseRef(expr);
      const name = ref ? this.block(ref)?.name : undefined;
      return typeof name === "string" ? name : whole;
    });
  }

  /** `v` with every reference in it resolved; a string that cannot be becomes an `Unresolved`. */
  async value(v: unknown): Promise<unknown> {
    if (typeof v === "string") return this.text(v);
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.value(x)));
    if (isBlock(v)) {
      const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await this.value(x)] as const));
      return Object.fromEntries(entries);
    }
    return v;
  }

  private async text(s: string): Promise<unknown> {
    if (!/[$%]\{/.test(s)) return s;
    const parts = templateParts(s);
    if (parts instanceof Unresolved) return parts;
    const values = await Promise.all(parts.map((p) => ("literal" in p ? p.literal : this.expression(p.expr))));
    // A string that is one whole reference takes the referenced value as it is (a number stays one).
    if (values.length === 1) return values[0];
    const unknown = values.find((x) => x instanceof Unresolved);
    if (unknown) return unknown;
    const notText = values.find((x) => typeof x === "object" || x === undefined);
    return notText === undefined ? values.join("") : new Unresolved(`a reference in "${s}" is not text`);
  }

  private expression(expr: string): Promise<unknown> {
    const ref = parseRef(expr);
    if (!ref) return Promise.resolve(new Unresolved(`\${${expr}} is a Terraform expression, not evaluated here`));
    let known = this.cache.get(ref.text);
    if (!known) {
      known = this.attribute(ref);
      this.cache.set(ref.text, known);
    }
    return known;
  }

  /** The value of a referenced attribute. */
  private async attribute(ref: Ref): Promise<unknown> {
    const block = this.block(ref);
    const address = addressOf(ref);
    if (!block) return new Unresolved(`${address} is not in the stack`);
    const [first, ...rest] = ref.attr;
    if (ref.data && ref.type === "azurerm_client_config") {
      if (first === "subscription_id") return this.subscription();
      return new Unresolved(`${ref.text} is the identity that runs terraform apply, not known here`);
    }
    if (first === "id" && rest.length === 0) return this.idOf(ref);
    // Read back from the live resource: exported response values and managed identities.
    if ((first === "output" && rest.length > 0) || (first === "identity" && rest.join(".") === "0.principal_id")) {
      const live = await this.liveOf(ref);
      if (live instanceof Unresolved) return live;
      const livePath = first === "output" ? rest : ["identity", "principalId"];
      const found = livePath.reduce<unknown>((v, k) => (isBlock(v) ? v[k] : undefined), live);
      return found === undefined ? new Unresolved(`the live ${address} has no ${livePath.join(".")}`) : found;
    }
    if (rest.length === 0 && block[first] !== undefined) return this.value(block[first]);
    return new Unresolved(`${ref.text} is known only after apply`);
  }

  /** The ARM id of a resource or data source of the stack. */
  idOf(r: { data: boolean; type: string; name: string }): Promise<string | Unresolved> {
    const key = `id:${addressOf(r)}`;
    let known = this.cache.get(key) as Promise<string | Unresolved> | undefined;
    if (!known) {
      known = this.computeId(r);
      this.cache.set(key, known);
    }
    return known;
  }

  private async computeId(r: { data: boolean; type: string; name: string }): Promise<string | Unresolved> {
    const b = this.block(r);
    const address = addressOf(r);
    if (!b) return new Unresolved(`${address} is not in the stack`);
    if (b.count !== undefined || b.for_each !== undefined) return new Unresolved(`${address} uses count/for_each`);
    const type = splitType(b.type)?.[0];
    switch (r.type) {
      case "azapi_resource":
        return type ? azapiId(type, await this.value(b.parent_id), await this.value(b.name)) : new Unresolved(`${address} has no type`);
      case "azapi_resource_action":
        return joinId(await this.value(b.resource_id), ...(b.action ? ["/", await this.value(b.action)] : []));
      case "azapi_update_resource":
        return b.resource_id !== undefined
          ? joinId(await this.value(b.resource_id))
          : type
          ? azapiId(type, await this.value(b.parent_id), await this.value(b.name))
          : new Unresolved(`${address} has no type`);
    }
    const shape = r.data ? AZURERM_DATA[r.type] : AZURERM[r.type];
    return shape ? shape.id(b, this) : new Unresolved(`the id of ${r.data ? "data source " : ""}${r.type} is not derived here`);
  }

  /** The live resource (read once), or why it cannot be read. */
  liveOf(r: { data: boolean; type: string; name: string }): Promise<Block | Unresolved> {
    const key = `live:${addressOf(r)}`;
    let known = this.cache.get(key) as Promise<Block | Unresolved> | undefined;
    if (!known) {
      known = this.readLive(r);
      this.cache.set(key, known);
    }
    return known;
  }

  private async readLive(r: { data: boolean; type: string; name: string }): Promise<Block | Unresolved> {
    const b = this.block(r);
    const address = addressOf(r);
    const typed = r.type.startsWith("azapi_") ? splitType(b?.type) : splitType(r.data ? undefined : AZURERM[r.type]?.read);
    if (!typed) return new Unresolved(`reading a ${r.type} is not supported here`);
    const id = await this.idOf(r);
    if (id instanceof Unresolved) return id;
    if (!this.live) return new Unresolved(`${address} is read from Azure, not offline`);
    const live = await this.live(id, typed[1]);
    return live ?? new Unresolved(`${address} (${id}) does not exist`);
  }
}

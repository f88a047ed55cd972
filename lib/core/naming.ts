import { Token } from "cdktf";
import { Checker } from "./validation";

/**
 * Azure naming rules for the resources this library creates. Each entry is the provider's (or the
 * service's, where stricter) rule, with the phrase used in error messages.
 */
export const NAME_RULES = {
  resourceGroup: {
    pattern: /^[-\w.()]{0,89}[-\w()]$/,
    rule: "must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and not end with '.'",
  },
  storageAccount: { pattern: /^[a-z0-9]{3,24}$/, rule: "must be 3-24 lowercase letters or digits" },
  keyVault: {
    pattern: /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/,
    rule: "must be 3-24 letters, digits or '-', start with a letter, end with a letter or digit, with no '--'",
  },
  mlWorkspace: {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/,
    rule: "must be 3-33 letters, digits, '_' or '-', starting with a letter or digit",
  },
  logAnalyticsWorkspace: {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]{2,61}[a-zA-Z0-9]$/,
    rule: "must be 4-63 letters, digits or '-', starting and ending with a letter or digit",
  },
  applicationInsights: {
    pattern: /^[^%&\\?/]{1,260}$/,
    rule: "must be 1-260 characters without % & \\ ? /",
  },
  containerRegistry: { pattern: /^[a-zA-Z0-9]{5,50}$/, rule: "must be 5-50 letters or digits" },
  storageContainer: {
    pattern: /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    rule: "must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'",
  },
  // azurerm accepts '-' too, but the name ends up in azureml://datastores/<name>/... URIs and ADF
  // parameters; AML's own tooling uses lowercase letters, digits and '_'.
  mlDatastore: {
    pattern: /^[a-z0-9][a-z0-9_]{0,254}$/,
    rule: "must be 1-255 lowercase letters, digits or '_', starting with a letter or digit",
  },
  computeCluster: {
    pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/,
    rule: "must be 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit",
  },
  dataFactory: {
    pattern: /^(?=.{3,63}$)[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/,
    rule: "must be 3-63 letters, digits or single '-' between them",
  },
  /** Batch endpoints are unique per region. */
  batchEndpoint: {
    pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/,
    rule: "must be 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit",
  },
  dataFactoryChild: {
    pattern: /^(?=.{1,260}$)[a-zA-Z0-9_][^.+?/<>*%&:\\]*$/,
    rule: "must be 1-260 characters, start with a letter, digit or '_', without . + ? / < > * % & : \\",
  },
  /** Project prefix: the seed of every derived name, kept short so derived names fit. */
  projectPrefix: {
    pattern: /^[a-z][a-z0-9]{1,11}$/,
    rule: "must be 2-12 lowercase letters or digits, starting with a letter",
  },
} as const;

export type NameKind = keyof typeof NAME_RULES;

/** Check `value` against the rule for `kind`; unresolved tokens (references) are accepted. */
export function checkName(c: Checker, property: string, value: unknown, kind: NameKind): boolean {
  if (typeof value === "string" && Token.isUnresolved(value)) return true;
  const { pattern, rule } = NAME_RULES[kind];
  return c.name(property, value, pattern, rule);
}

/** Names derived from a project prefix and an environment, all within Azure's limits for a valid prefix. */
export interface DerivedNames {
  readonly resourceGroup: string;
  readonly storageAccount: string;
  readonly keyVault: string;
  readonly mlWorkspace: string;
  readonly logAnalyticsWorkspace: string;
  readonly applicationInsights: string;
  readonly containerRegistry: string;
  readonly computeCluster: string;
  readonly dataFactory: string;
  readonly batchEndpoint: string;
}

/**
 * Derive every resource name from `prefix` and `env`. Globally unique names (storage, key vault,
 * registry, factory) get `suffix` too, so two organisations using the same prefix do not collide.
 */
export function deriveNames(prefix: string, env: string, suffix = ""): DerivedNames {
  const compact = `${prefix}${env}${suffix}`.toLowerCase().replace(/[^a-z0-9]/g, "");
  const dashed = [prefix, env, suffix].filter((s) => s !== "").join("-");
  return {
    resourceGroup: `rg-${dashed}`,
    storageAccount: `st${compact}`,
    keyVault: `kv-${dashed}`,
    mlWorkspace: `mlw-${dashed}`,
    logAnalyticsWorkspace: `log-${dashed}`,
    applicationInsights: `appi-${dashed}`,
    containerRegistry: `cr${compact}`,
    computeCluster: `cpu-${env}`,
    dataFactory: `adf-${dashed}`,
    batchEndpoint: `ep-${dashed}`,
  };
}

import { IConstruct } from "constructs";
import { TerraformResource, Token } from "cdktf";

/** `unknown`: the value is a reference resolved only at apply time, so the rule cannot judge it at synth. */
export type RuleResult = "compliant" | "non-compliant" | "not-applicable" | "unknown";

// A platform concept the rules depend on (some rules apply only to one profile).
import { NetworkProfile } from "../platform/network-profiles";
export type { NetworkProfile } from "../platform/network-profiles";

/** What the rules may depend on besides the resource itself. */
export interface RuleContext {
  readonly profile: NetworkProfile;
  /**
   * Require customer-managed keys where a rule asks for them.
   * @default false
   */
  readonly requireCustomerManagedKeys?: boolean;
  /**
   * Production: stateful resources need `prevent_destroy`, storage needs geo-redundancy.
   * @default false
   */
  readonly production?: boolean;
}

/**
 * One security or data-safety rule: a pure function of a construct. It names what it checks, the
 * public rule ids it mirrors (checkov, trivy, Azure Policy) and how to fix a finding.
 */
export interface Rule {
  /** Our id, named after what it checks, e.g. `storage-min-tls-1-2`. */
  readonly id: string;
  /** Public rule ids this rule mirrors, e.g. `CKV_AZURE_44`, `AZU-0011`, `Azure Policy fe83a0eb`. */
  readonly mirrors: readonly string[];
  /** The attribute (path) it reads, as written to cdk.tf.json. */
  readonly attribute: string;
  /** How to fix a finding. */
  readonly fix: string;
  check(node: IConstruct, ctx: RuleContext): RuleResult;
}

// toTerraform() is costly and rules ask for the same resource many times during one visit.
let memo: WeakMap<IConstruct, Record<string, unknown> | undefined> | undefined;

/** Within `fn`, each resource's attributes are computed once (the pack wraps each visit in it). */
export function withAttributeCache<T>(fn: () => T): T {
  const outer = memo;
  memo = outer ?? new WeakMap();
  try {
    return fn();
  } finally {
    memo = outer;
  }
}

/** The attributes of a resource as they will be written to cdk.tf.json (snake_case, tokens unresolved). */
export function attributesOf(node: IConstruct, type: string): Record<string, unknown> | undefined {
  if (!TerraformResource.isTerraformResource(node) || node.terraformResourceType !== type) return undefined;
  if (memo?.has(node)) return memo.get(node);
  const tf = node.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const attrs = tf.resource ? Object.values(tf.resource[type])[0] : undefined;
  memo?.set(node, attrs);
  return attrs;
}

/** Follow a dotted path; blocks written as one-element lists are entered transparently. */
export function get(attrs: Record<string, unknown>, path: string): unknown {
  let cur: unknown = attrs;
  for (const key of path.split(".")) {
    if (Array.isArray(cur)) cur = cur.length === 1 ? cur[0] : undefined;
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return Array.isArray(cur) && cur.length === 1 && typeof cur[0] === "object" ? cur[0] : cur;
}

export const isToken = (v: unknown): boolean => typeof v === "string" && Token.isUnresolved(v);

/** A value that is nothing but references (no literal part a rule could read), e.g. `${var.x}`. */
export const isOnlyReference = (v: unknown): boolean =>
  (typeof v === "string" && isToken(v) && v.replace(/\$\{TfToken\[[^\]]*\]\}/g, "").trim() === "") || (typeof v === "number" && Token.isUnresolved(v));

/**
 * A rule that checks one attribute of one resource type: compliant when `ok(value)`.
 * `when` narrows it (e.g. to the private profile); otherwise it is not applicable.
 */
export function attributeRule(
  spec: Omit<Rule, "check"> & {
    readonly resourceType: string;
    readonly ok: (value: unknown, attrs: Record<string, unknown>) => boolean;
    readonly when?: (ctx: RuleContext, attrs: Record<string, unknown>) => boolean;
  },
): Rule & { readonly resourceType: string } {
  return {
    id: spec.id,
    mirrors: spec.mirrors,
    attribute: spec.attribute,
    fix: spec.fix,
    resourceType: spec.resourceType,
    check(node, ctx) {
      const attrs = attributesOf(node, spec.resourceType);
      if (!attrs) return "not-applicable";
      if (spec.when && !spec.when(ctx, attrs)) return "not-applicable";
      const value = get(attrs, spec.attribute);
      if (isOnlyReference(value)) return "unknown";
      return spec.ok(value, attrs) ? "compliant" : "non-compliant";
    },
  };
}

export const privateOnly = (ctx: RuleContext): boolean => ctx.profile === "private";

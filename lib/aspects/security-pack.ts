import { IConstruct } from "constructs";
import { Annotations, IAspect, TerraformResource } from "cdktf";
import { ALL_RULES } from "./all-rules";
import { Rule, RuleContext, RuleResult, withAttributeCache } from "./rule";
import { ConfigValidationError, MIN_REASON_LENGTH, reasonTooShort } from "../core/validation";

export type FindingSeverity = "error" | "warning";

/** One non-compliant resource, suppressed or not. */
export interface Finding {
  readonly ruleId: string;
  readonly path: string;
  readonly resourceType: string;
  readonly attribute: string;
  readonly mirrors: readonly string[];
  readonly fix: string;
  /** The reason, when the finding is suppressed. */
  readonly suppressedBecause?: string;
}

// Suppressions live on the constructs they apply to (node metadata), for them and everything below.
const SUPPRESSION = "aml-datapath/suppression";
type Suppression = { readonly ruleId: string; readonly reason: string };
const KNOWN_RULES = new Set(ALL_RULES.map((r) => r.id));

/**
 * Accept a finding of `ruleId` on `scope` and everything below it. A reason is mandatory (at least
 * a sentence): it is printed with every synth and kept in the manifest.
 */
export function suppressRule(scope: IConstruct, ruleId: string, reason: string): void {
  const problems = [];
  if (!KNOWN_RULES.has(ruleId)) problems.push({ path: scope.node.path, property: "ruleId", value: ruleId, rule: "must name a rule of the pack" });
  if (reasonTooShort(reason)) {
    problems.push({ path: scope.node.path, property: `suppression of ${ruleId}`, value: reason, rule: `needs a reason of at least ${MIN_REASON_LENGTH} characters` });
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  scope.node.addMetadata(SUPPRESSION, { ruleId, reason: reason.trim() });
}

/** The reason of the nearest suppression of `ruleId` on `node` or a scope above it (the last one given wins). */
function suppressionFor(node: IConstruct, ruleId: string): string | undefined {
  for (const s of [...node.node.scopes].reverse()) {
    const mine = s.node.metadata.filter((m) => m.type === SUPPRESSION && (m.data as Suppression).ruleId === ruleId);
    if (mine.length > 0) return (mine[mine.length - 1].data as Suppression).reason;
  }
  return undefined;
}

/** Where a finding is: what a pack's `fixFor` is asked about. */
export interface FindingSite {
  readonly ruleId: string;
  /** Construct path of the resource. */
  readonly path: string;
  readonly resourceType: string;
}

export interface SecurityRulePackOptions {
  readonly context: RuleContext;
  /** How unsuppressed findings are reported: `error` fails the synth (prod), `warning` only reports (dev). */
  readonly severity: FindingSeverity;
  /**
   * Severity of a rule's unsuppressed findings by rule id, where it differs from `severity` (as
   * cdk-nag gives each rule of a pack its own level), e.g. `{ "alert-receiver-configured": "warning" }`.
   * @default {} (every rule at `severity`)
   */
  readonly ruleSeverity?: Readonly<Record<string, FindingSeverity>>;
  /**
   * The fix to report for a finding, in the words of whoever configures the scope (a config field,
   * the suppression to add): `DatapathStack` names its environment config's fields. Undefined keeps
   * the rule's own fix, which names the Terraform attribute.
   * @default - every rule's own `fix`
   */
  readonly fixFor?: (site: FindingSite) => string | undefined;
  /** @default ALL_RULES */
  readonly rules?: readonly Rule[];
}

/**
 * Applies every rule to every resource of the scope it is added to (`Aspects.of(stack).add(pack)`)
 * and reports each finding on the offending resource, naming the rule, the resource, the attribute
 * and the fix. Suppressed findings are reported as info, with their reason.
 */
export class SecurityRulePack implements IAspect {
  readonly findings: Finding[] = [];
  private readonly rules: readonly Rule[];

  constructor(private readonly options: SecurityRulePackOptions) {
    this.rules = options.rules ?? ALL_RULES;
    const ids = new Set(this.rules.map((r) => r.id));
    const problems = [
      ...(["error", "warning"].includes(options.severity) ? [] : [{ path: "SecurityRulePack", property: "severity", value: options.severity, rule: 'must be "error" or "warning"' }]),
      ...Object.entries(options.ruleSeverity ?? {}).flatMap(([ruleId, severity]) => [
        ...(ids.has(ruleId) ? [] : [{ path: "SecurityRulePack", property: `ruleSeverity.${ruleId}`, value: severity, rule: "must be keyed by a rule of the pack" }]),
        ...(["error", "warning"].includes(severity) ? [] : [{ path: "SecurityRulePack", property: `ruleSeverity.${ruleId}`, value: severity, rule: 'must be "error" or "warning"' }]),
      ]),
    ];
    if (problems.length > 0) throw new ConfigValidationError(problems);
  }

  /** How unsuppressed findings of `ruleId` are reported. */
  severityOf(ruleId: string): FindingSeverity {
    return this.options.ruleSeverity?.[ruleId] ?? this.options.severity;
  }

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    withAttributeCache(() => this.checkAll(node));
  }

  private checkAll(node: TerraformResource): void {
    for (const rule of this.rules) {
      let result: RuleResult;
      try {
        result = rule.check(node, this.options.context);
      } catch (e) {
        // A broken rule must not abort the synth (nor pass silently): it becomes a finding of its own.
        this.report(node, rule, `the rule failed on this resource (${e instanceof Error ? e.message : String(e)}), so it was not checked`);
        continue;
      }
      if (result === "unknown") {
        Annotations.of(node).addInfo(`[${rule.id}] ${node.terraformResourceType} ${node.node.path}: ${rule.attribute} is a reference known only at apply time: cannot check at synth`);
        continue;
      }
      if (result !== "non-compliant") continue;
      this.report(node, rule);
    }
  }

  private report(node: TerraformResource, rule: Rule, problem?: string): void {
    const because = suppressionFor(node, rule.id);
    const site: FindingSite = { ruleId: rule.id, path: node.node.path, resourceType: node.terraformResourceType };
    const finding: Finding = {
      ruleId: rule.id,
      path: node.node.path,
      resourceType: node.terraformResourceType,
      attribute: problem ? `${rule.attribute}: ${problem}` : rule.attribute,
      mirrors: rule.mirrors,
      fix: problem ? "fix the rule (lib/aspects/rules), or suppress it here with a reason" : (this.options.fixFor?.(site) ?? rule.fix),
      suppressedBecause: because,
    };
    this.findings.push(finding);
    const text = formatFinding(finding);
    if (because !== undefined) Annotations.of(node).addInfo(text);
    else if (this.severityOf(rule.id) === "error") Annotations.of(node).addError(text);
    else Annotations.of(node).addWarning(text);
  }
}

export function formatFinding(f: Finding): string {
  const mirrors = f.mirrors.length > 0 ? ` (mirrors ${f.mirrors.join(", ")})` : "";
  const head = `[${f.ruleId}] ${f.resourceType} ${f.path}: ${f.attribute}${mirrors}`;
  return f.suppressedBecause !== undefined ? `${head} suppressed: ${f.suppressedBecause}` : `${head}. Fix: ${f.fix}`;
}

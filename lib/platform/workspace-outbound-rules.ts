import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { MachineLearningWorkspaceNetworkOutboundRuleFqdn } from "@cdktf/provider-azurerm/lib/machine-learning-workspace-network-outbound-rule-fqdn";
import { MachineLearningWorkspaceNetworkOutboundRulePrivateEndpoint } from "@cdktf/provider-azurerm/lib/machine-learning-workspace-network-outbound-rule-private-endpoint";
import { Checker, reportProblems } from "../core/validation";

/**
 * Hosts the pipeline's environment build needs under "AllowOnlyApprovedOutbound": conda-forge and
 * PyPI (conda.yaml installs from both). AML adds the rules for its own dependencies (its service
 * tags, the workspace's storage, key vault and registry) by itself.
 */
export const PIPELINE_OUTBOUND_FQDNS = ["conda.anaconda.org", "pypi.org", "files.pythonhosted.org"] as const;

export interface WorkspaceOutboundRulesProps {
  readonly workspaceId: string;
  /** @default PIPELINE_OUTBOUND_FQDNS */
  readonly fqdns?: readonly string[];
  /**
   * Private-endpoint rules from the managed network to a resource's sub-resources. Batch endpoints
   * and parallel steps need the workspace storage's `queue` and `table` (AML adds blob and file).
   * @default []
   */
  readonly privateEndpoints?: readonly { readonly name: string; readonly serviceResourceId: string; readonly subResourceTarget: string }[];
}

/**
 * FQDN outbound rules of a workspace's managed network. Note: FQDN rules make Azure provision a
 * managed Azure Firewall (billed per hour) for the workspace.
 */
export class WorkspaceOutboundRules extends Construct {
  constructor(scope: Construct, id: string, props: WorkspaceOutboundRulesProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const fqdns = props.fqdns === undefined ? PIPELINE_OUTBOUND_FQDNS : c.list("fqdns", props.fqdns);
    const privateEndpoints = c.objects("privateEndpoints", props.privateEndpoints);
    c.resourceId("workspaceId", props.workspaceId);
    // Only valid host names are built (each names a construct); the others are reported.
    const hosts = fqdns.filter((f, i) => c.name(`fqdns[${i}]`, f, /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a host name, optionally starting with '*.'"));
    privateEndpoints.forEach((pe, i) => {
      c.name(`privateEndpoints[${i}].name`, pe.name, /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/, "must be 1-64 letters, digits, '_' or '-'");
      c.resourceId(`privateEndpoints[${i}].serviceResourceId`, pe.serviceResourceId);
      c.nonEmptyString(`privateEndpoints[${i}].subResourceTarget`, pe.subResourceTarget);
    });
    reportProblems(this, c.problems);
    // One at a time: concurrent rule updates on a workspace are known to drop rules (azapi issue #453).
    let previous: ITerraformDependable | undefined;
    const chain = () => (previous ? [previous] : undefined);
    for (const pe of privateEndpoints) {
      previous = new MachineLearningWorkspaceNetworkOutboundRulePrivateEndpoint(this, `pe-${pe.name}`, {
        name: pe.name,
        workspaceId: props.workspaceId,
        serviceResourceId: pe.serviceResourceId,
        subResourceTarget: pe.subResourceTarget,
        dependsOn: chain(),
      });
    }
    for (const fqdn of hosts) {
      previous = new MachineLearningWorkspaceNetworkOutboundRuleFqdn(this, fqdn, {
        name: `allow-${fqdn.replace(/^\*\./, "wildcard-").replace(/\./g, "-")}`,
        workspaceId: props.workspaceId,
        destinationFqdn: fqdn,
        dependsOn: chain(),
      });
    }
  }
}

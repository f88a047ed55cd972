import { Construct } from "constructs";
import { MachineLearningWorkspaceNetworkOutboundRuleFqdn } from "@cdktf/provider-azurerm/lib/machine-learning-workspace-network-outbound-rule-fqdn";
import { Checker, reportProblems } from "./validation";

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
}

/**
 * FQDN outbound rules of a workspace's managed network. Note: FQDN rules make Azure provision a
 * managed Azure Firewall (billed per hour) for the workspace.
 */
export class WorkspaceOutboundRules extends Construct {
  constructor(scope: Construct, id: string, props: WorkspaceOutboundRulesProps) {
    super(scope, id);
    const fqdns = props.fqdns ?? PIPELINE_OUTBOUND_FQDNS;
    const c = new Checker(this.node.path);
    c.resourceId("workspaceId", props.workspaceId);
    fqdns.forEach((f, i) => c.name(`fqdns[${i}]`, f, /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a host name, optionally starting with '*.'"));
    reportProblems(this, c.problems);
    for (const fqdn of fqdns) {
      new MachineLearningWorkspaceNetworkOutboundRuleFqdn(this, fqdn, {
        name: `allow-${fqdn.replace(/^\*\./, "wildcard-").replace(/\./g, "-")}`,
        workspaceId: props.workspaceId,
        destinationFqdn: fqdn,
      });
    }
  }
}

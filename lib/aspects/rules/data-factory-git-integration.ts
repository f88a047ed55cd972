import { attributeRule } from "../rule";

/**
 * The factory's definitions are kept in git. Mirrors checkov CKV_AZURE_103, Azure Policy 77d40665.
 * This library keeps them in git as Terraform code instead, so stacks suppress it with that reason.
 */
export const dataFactoryGitIntegration = attributeRule({
  id: "data-factory-git-integration",
  mirrors: ["CKV_AZURE_103", "Azure Policy 77d40665"],
  resourceType: "azurerm_data_factory",
  attribute: "github_configuration",
  fix: "add github_configuration or vsts_configuration, or suppress with the reason the pipelines are deployed as code",
  // As CKV_AZURE_103: a repository name in either block.
  ok: (v, attrs) =>
    Boolean((v as { repository_name?: string } | undefined)?.repository_name) ||
    Boolean((attrs.vsts_configuration as { repository_name?: string } | undefined)?.repository_name),
});

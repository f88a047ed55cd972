import { IConstruct } from "constructs";
import { attributesOf, isToken, Rule } from "../rule";

const BROAD_ROLES = ["Owner", "Contributor", "User Access Administrator"];
const BROAD_ROLE_IDS = ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"];

/**
 * Workload identities get narrow data-plane or ML roles on specific resources: never Owner,
 * Contributor or User Access Administrator, and never at subscription (or management group) scope.
 * Our own rule; checkov has none for role assignments.
 */
export const roleAssignmentLeastPrivilege: Rule = {
  id: "role-assignment-least-privilege",
  mirrors: [],
  attribute: "role_definition_name / role_definition_id / scope",
  fix: "grant a narrow built-in role (e.g. Storage Blob Data Reader) on the resource that needs it",
  check(node: IConstruct) {
    const a = attributesOf(node, "azurerm_role_assignment");
    if (!a) return "not-applicable";
    const name = String(a.role_definition_name ?? "");
    const id = String(a.role_definition_id ?? "").toLowerCase();
    const scope = String(a.scope ?? "");
    if (BROAD_ROLES.includes(name) || BROAD_ROLE_IDS.some((r) => id.endsWith(r))) return "non-compliant";
    if (!isToken(scope) && (/^\/subscriptions\/[^/]+\/?$/i.test(scope) || /^\/providers\/Microsoft\.Management\//i.test(scope) || scope === "/")) {
      return "non-compliant";
    }
    return "compliant";
  },
};

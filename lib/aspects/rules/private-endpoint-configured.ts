import { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { attributesOf, Rule } from "../rule";

const TARGETS = ["azurerm_machine_learning_workspace", "azurerm_storage_account", "azurerm_key_vault", "azurerm_data_factory", "azurerm_container_registry"];

/**
 * In the private profile every workspace, storage account, key vault, factory and registry is the
 * target of a private endpoint in the same stack. Mirrors checkov CKV2_AZURE_33 (storage) and
 * CKV2_AZURE_32 (key vault), Azure Policy 45e05259 (ML workspace) and 8b0323be (Data Factory).
 */
export const privateEndpointConfigured: Rule = {
  id: "private-endpoint-configured",
  mirrors: ["CKV2_AZURE_33", "CKV2_AZURE_32", "Azure Policy 45e05259", "Azure Policy 8b0323be"],
  attribute: "(an azurerm_private_endpoint whose private_connection_resource_id is this resource's id)",
  fix: "network profile 'private' adds the endpoints (PrivateEndpoints construct)",
  check(node: IConstruct, ctx) {
    if (ctx.profile !== "private" || !TerraformResource.isTerraformResource(node) || !TARGETS.includes(node.terraformResourceType)) {
      return "not-applicable";
    }
    const stack = TerraformStack.of(node);
    // References are tokens: resolve both sides to their Terraform expressions before comparing.
    const resolve = (v: unknown) => Tokenization.resolve(v, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }) as unknown;
    const myId = `\${${node.terraformResourceType}.${node.friendlyUniqueId}.id}`;
    const targeted = stack.node
      .findAll()
      .map((c) => attributesOf(c, "azurerm_private_endpoint"))
      .some((pe) => pe !== undefined && resolve((pe.private_service_connection as { private_connection_resource_id?: string } | undefined)?.private_connection_resource_id) === myId);
    return targeted ? "compliant" : "non-compliant";
  },
};

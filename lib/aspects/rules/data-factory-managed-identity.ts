import { attributeRule } from "../rule";

/** The factory has a managed identity, so linked services and Web activities need no secrets. Our own rule. */
export const dataFactoryManagedIdentity = attributeRule({
  id: "data-factory-managed-identity",
  mirrors: [],
  resourceType: "azurerm_data_factory",
  attribute: "identity.type",
  fix: 'add identity { type = "SystemAssigned" }',
  ok: (v) => typeof v === "string" && v.includes("Assigned"),
});

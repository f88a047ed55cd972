import { attributeRule } from "../rule";

/**
 * The AML linked service authenticates with the factory's managed identity.
 * Mirrors the intent of Azure Policy f78ccdb4 ("Azure Data Factory linked services should use system-assigned
 * managed identity authentication when it is supported"), which lists other linked-service types.
 */
export const dataFactoryLinkedServiceMsi = attributeRule({
  id: "data-factory-linked-service-msi",
  mirrors: ["Azure Policy f78ccdb4"],
  resourceType: "azurerm_data_factory_linked_custom_service",
  attribute: "type_properties_json",
  fix: 'use authentication { type: "MSI" } on the DataFactory construct',
  ok: (v) => typeof v === "string" && /"authentication":"MSI"/.test(v),
  when: (_ctx, attrs) => attrs.type === "AzureMLService",
});

import { attributeRule } from "../rule";

/** Telemetry is accepted with Entra ID only (no instrumentation-key ingestion). Our own rule; checkov has none. */
export const appInsightsLocalAuthDisabled = attributeRule({
  id: "app-insights-local-auth-disabled",
  mirrors: [],
  resourceType: "azurerm_application_insights",
  attribute: "local_authentication_disabled",
  fix: "set local_authentication_disabled = true (azurerm 4.55 name)",
  ok: (v) => v === true,
});

import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { Target } from "./target";

/**
 * Only the CLI's own tests set this: a fixed bearer token for their local ARM stand-in.
 * Real use always goes through DefaultAzureCredential (az login, managed identity, AZURE_* variables).
 */
export const TEST_TOKEN_VARIABLE = "AML_DATAPATH_TEST_TOKEN";
/** Resource Manager endpoint: another cloud (or, in the tests, a local stand-in). */
export const ARM_ENDPOINT_VARIABLE = "AML_DATAPATH_ARM_ENDPOINT";

class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

export interface Clients {
  readonly factory: DataFactoryManagementClient;
  /** For creating runs only: no automatic re-sends (a re-sent POST could start a second run). */
  readonly factoryNoRetry: DataFactoryManagementClient;
  readonly ml: AzureMachineLearningWorkspaces;
  /** Resource Manager endpoint the clients talk to (for requests the SDKs do not model). */
  readonly armEndpoint: string;
}

export function createClients(t: Target, vars: NodeJS.ProcessEnv = process.env): Clients {
  const testToken = vars[TEST_TOKEN_VARIABLE];
  const credential: TokenCredential = testToken ? new StaticTokenCredential(testToken) : new DefaultAzureCredential();
  const endpoint = vars[ARM_ENDPOINT_VARIABLE];
  const options = endpoint ? { endpoint, credentialScopes: [`${endpoint.replace(/\/$/, "")}/.default`] } : {};
  return {
    factory: new DataFactoryManagementClient(credential, t.subscriptionId, options),
    factoryNoRetry: new DataFactoryManagementClient(credential, t.subscriptionId, { ...options, retryOptions: { maxRetries: 0 } }),
    ml: new AzureMachineLearningWorkspaces(credential, t.subscriptionId, options),
    armEndpoint: (endpoint ?? "https://management.azure.com").replace(/\/$/, ""),
  };
}

// What @azure/identity throws when no credential works (no az login, a bad secret, ...).
const SIGN_IN_ERRORS = ["CredentialUnavailableError", "AuthenticationRequiredError", "AggregateAuthenticationError", "AuthenticationError"];

/** A sign-in or permission failure (exit code 5), as opposed to a run that failed. */
export function isAuthError(e: unknown): boolean {
  const err = e as { statusCode?: number; name?: string };
  return SIGN_IN_ERRORS.includes(String(err?.name)) || err?.statusCode === 401 || err?.statusCode === 403;
}

/** What the request was, for the messages that depend on it. */
export type RequestKind = "create" | "read";

/** One sentence on what went wrong and what to do, for the errors a user can act on. */
export function explain(e: unknown, t: Target, requestTimeoutSeconds: number, kind: RequestKind = "read"): string {
  const err = e as { statusCode?: number; name?: string; message?: string; code?: string };
  const where = `factory ${t.factory} (resource group ${t.resourceGroup}, subscription ${t.subscriptionId})`;
  if (SIGN_IN_ERRORS.includes(String(err?.name)) || err?.statusCode === 401) {
    const why = SIGN_IN_ERRORS.includes(String(err?.name)) ? "no usable credential" : `HTTP ${err.statusCode}`;
    return `Azure did not accept your sign-in (${why}): run \`az login\` (and \`az account set --subscription ${t.subscriptionId}\`), or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET for a service principal.`;
  }
  if (err?.statusCode === 403) {
    return `Access denied (HTTP 403) on ${where}: the signed-in identity needs the "Data Factory Contributor" role on the factory to start runs (or "Reader" to watch them).`;
  }
  if (err?.statusCode === 404) {
    return kind === "create"
      ? `Not found (HTTP 404): ${where} or its pipeline ${t.pipeline}. Is the ${t.env} environment deployed (npx cdktf deploy ${t.env})?`
      : `Not found (HTTP 404) in ${where}: check the run id, or that the ${t.env} environment is deployed.`;
  }
  if (err?.name === "AbortError" || err?.name === "TimeoutError") {
    return kind === "create"
      ? `No answer from Azure within ${requestTimeoutSeconds}s (--request-timeout): the run may still have started, check \`aml-datapath runs --env ${t.env}\` before starting it again.`
      : `No answer from Azure within ${requestTimeoutSeconds}s (--request-timeout).`;
  }
  if (err?.statusCode === 429) return `Azure is throttling requests (HTTP 429) even after waiting as asked; try again in a few minutes.`;
  const status = err?.statusCode ? ` (HTTP ${err.statusCode})` : "";
  return `Azure request failed${status}: ${err?.message ?? String(e)}`;
}

import type { TokenCredential } from "@azure/core-auth";
import type { PipelineOptions } from "@azure/core-rest-pipeline";
import { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createPipelineFromOptions, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { Target, targetOptions } from "./target";

export interface Clients {
  readonly factory: DataFactoryManagementClient;
  /** For creating runs only: no automatic re-sends (a re-sent POST could start a second run). */
  readonly factoryNoRetry: DataFactoryManagementClient;
  readonly ml: AzureMachineLearningWorkspaces;
  /** Resource Manager endpoint the clients talk to (for requests the SDKs do not model). */
  readonly armEndpoint: string;
  /** AML's regional API of the target's workspace (run history); undefined when not known for its cloud. */
  readonly amlEndpoint?: string;
  /** Blob storage's data plane, signed in with a token for `https://storage.azure.com/` (backfill's listing). */
  readonly storage: HttpSender;
  /** A storage account's blob endpoint; undefined when not known for the target's cloud. */
  readonly blobEndpoint: (account: string) => string | undefined;
  /** Requests that must carry no token (the public Azure Retail Prices API). */
  readonly anonymous: HttpSender;
}

/** Sends requests through a pipeline with the SDKs' retries (429 and transient errors) and no response parsing. */
export interface HttpSender {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** A sender with the clients' HTTP settings, signed in for `scope` when given. */
function sender(o: ClientOptions["pipeline"], credential: TokenCredential | undefined, scope?: string): HttpSender {
  const pipeline = createPipelineFromOptions({ ...(o ?? {}) });
  if (credential && scope) pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
  const http = createDefaultHttpClient();
  return { sendRequest: (request) => pipeline.sendRequest(http, request) };
}

/** The scope of storage's data-plane tokens (the same in every cloud). */
export const STORAGE_SCOPE = "https://storage.azure.com/.default";

export interface ClientOptions {
  /** Default: DefaultAzureCredential (az login, a managed identity, AZURE_* variables; AZURE_TOKEN_CREDENTIALS picks one). */
  readonly credential?: TokenCredential;
  /** HTTP settings passed to every client (e.g. the tests' certificate authority, shorter retry delays). */
  readonly pipeline?: Pick<PipelineOptions, "agent" | "tlsOptions" | "retryOptions">;
}

/** Clients for the target's subscription in the target's cloud (tokens for `<Resource Manager>/.default`). */
export function createClients(t: Target, o: ClientOptions = {}): Clients {
  let credential = o.credential;
  if (!credential) {
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    credential = new DefaultAzureCredential();
  }
  const endpoint = t.cloud.arm;
  const options = { ...(o.pipeline ?? {}), endpoint, credentialScopes: [`${endpoint}/.default`] };
  return {
    factory: new DataFactoryManagementClient(credential, t.subscriptionId, options),
    factoryNoRetry: new DataFactoryManagementClient(credential, t.subscriptionId, { ...options, retryOptions: { ...(options.retryOptions ?? {}), maxRetries: 0 } }),
    ml: new AzureMachineLearningWorkspaces(credential, t.subscriptionId, options),
    armEndpoint: endpoint,
    amlEndpoint: t.cloud.aml?.replace("{region}", t.location),
    storage: sender(o.pipeline, credential, STORAGE_SCOPE),
    blobEndpoint: (account) => t.cloud.blob?.replace("{account}", account),
    anonymous: sender(o.pipeline, undefined),
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
      ? `No answer from Azure within ${requestTimeoutSeconds}s (--request-timeout): the run may still have started, check \`aml-datapath runs ${targetOptions(t)}\` before starting it again.`
      : `No answer from Azure within ${requestTimeoutSeconds}s (--request-timeout).`;
  }
  if (err?.statusCode === 429) return `Azure is throttling requests (HTTP 429) even after waiting as asked; try again in a few minutes.`;
  const status = err?.statusCode ? ` (HTTP ${err.statusCode})` : "";
  return `Azure request failed${status}: ${err?.message ?? String(e)}`;
}

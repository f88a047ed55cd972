import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { findUp } from "../core/paths";
import { LogAnalyticsSavedSearch } from "@cdktf/provider-azurerm/lib/log-analytics-saved-search";
import { Checker, reportProblems } from "../core/validation";
import { DiagnosticTargetKind } from "./diagnostics";

/**
 * The Log Analytics tables the saved queries (and the long-run alert) read, which diagnostic
 * setting of `Diagnostics` produces each, and their columns. Only what the queries need; columns
 * from Microsoft's table reference (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>,
 * read 2026 for this project; see docs/security.md, sources):
 * - ADFPipelineRun, ADFActivityRun: the factory's setting with `log_analytics_destination_type =
 *   "Dedicated"` (otherwise ADF writes to AzureDiagnostics), categories PipelineRuns and ActivityRuns
 *   (in `allLogs`). No duration column: End - Start, End is 1601-01-01 while a run is unfinished.
 * - AmlRunStatusChangedEvent: the ML workspace's setting, category AmlRunStatusChangedEvent (in
 *   `allLogs`; AML logs go to resource-specific tables). No step-name column: RunId/ParentRunId/RootRunId.
 * - AmlComputeJobEvent: the same setting, category AmlComputeJobEvent: events of jobs on AML compute
 *   (EventType JobSubmitted, JobRunning, JobSucceeded, JobFailed), the node they ran on (NodeId) and
 *   the job's name (JobName: the step's run id, an assumption; see docs/deploy-assumptions.md).
 */
export const LOG_TABLES = {
  ADFPipelineRun: {
    source: "dataFactory",
    category: "PipelineRuns",
    columns: [
      "Annotations", "_BilledSize", "Category", "CorrelationId", "End", "ErrorCode", "ErrorMessage", "EventMessage",
      "FailureType", "Input", "_IsBillable", "Level", "Location", "OperationName", "Output", "Parameters",
      "PipelineName", "Predecessors", "ResourceId", "_ResourceId", "RunId", "SourceSystem", "Start", "Status",
      "_SubscriptionId", "SystemParameters", "Tags", "TenantId", "TimeGenerated", "Type", "UserProperties",
    ],
  },
  ADFActivityRun: {
    source: "dataFactory",
    category: "ActivityRuns",
    columns: [
      "ActivityIterationCount", "ActivityName", "ActivityRunId", "ActivityType", "Annotations", "_BilledSize",
      "Category", "CorrelationId", "EffectiveIntegrationRuntime", "End", "Error", "ErrorCode", "ErrorMessage",
      "EventMessage", "FailureType", "Input", "_IsBillable", "Level", "LinkedServiceName", "Location",
      "OperationName", "Output", "PipelineName", "PipelineRunId", "ResourceId", "_ResourceId", "SourceSystem",
      "Start", "Status", "_SubscriptionId", "Tags", "TenantId", "TimeGenerated", "Type", "UserProperties",
    ],
  },
  AmlRunStatusChangedEvent: {
    source: "mlWorkspace",
    category: "AmlRunStatusChangedEvent",
    columns: [
      "_BilledSize", "CallerIpAddress", "CorrelationId", "DurationMs", "Identity", "_IsBillable", "Level",
      "Location", "Message", "OperationName", "OperationVersion", "ParentRunId", "_ResourceId",
      "ResultDescription", "ResultSignature", "ResultType", "RootRunId", "RunId", "SourceSystem", "Status",
      "_SubscriptionId", "TenantId", "TimeGenerated", "Type",
    ],
  },
  AmlComputeJobEvent: {
    source: "mlWorkspace",
    category: "AmlComputeJobEvent",
    columns: [
      "_BilledSize", "ClusterId", "ClusterName", "ClusterResourceGroupName", "CreationApiVersion",
      "CustomerSubscriptionId", "ErrorDetails", "EventType", "ExecutionState", "ExperimentId", "ExperimentName",
      "InternalOperationName", "_IsBillable", "JobErrorMessage", "JobId", "JobName", "NodeId", "OperationName",
      "ProvisioningState", "ResourceGroupName", "_ResourceId", "ResultSignature", "RunInContainer", "SourceSystem",
      "_SubscriptionId", "TenantId", "TFParameterServerCount", "TFWorkerCount", "TimeGenerated", "ToolType", "Type",
      "WorkspaceName",
    ],
  },
} as const satisfies Record<string, { readonly source: DiagnosticTargetKind; readonly category: string; readonly columns: readonly string[] }>;

export type LogTableName = keyof typeof LOG_TABLES;

/** One saved query: its KQL file under the package's queries/ folder and how it shows in the portal. */
export interface SavedQueryDefinition {
  /** File name under queries/, e.g. `runs-by-data-path.kql`; also the saved search's name (without `.kql`). */
  readonly file: string;
  /** Name shown in Log Analytics' query explorer. */
  readonly displayName: string;
}

/** The queries shipped with the library. */
export const SAVED_QUERIES: readonly SavedQueryDefinition[] = [
  { file: "runs-by-data-path.kql", displayName: "Data-path runs: status and duration by data path" },
  { file: "failed-activities.kql", displayName: "Data-path runs: failed activities and their errors" },
  { file: "aml-step-durations.kql", displayName: "Data-path runs: AML job durations per step" },
  { file: "compute-by-data-path.kql", displayName: "Data-path runs: node-hours and run count per data path per day" },
];

/**
 * The package's queries/ folder, found from here whether this runs as TypeScript (lib/platform/)
 * or compiled (dist/lib/platform/). Looked up when a construct is built, not on import.
 */
export function queriesDirectory(): string {
  return path.join(findUp(__dirname, path.join("queries", SAVED_QUERIES[0].file)) ?? path.join(__dirname, "..", ".."), "queries");
}

/** The KQL of a shipped query, as it is saved. */
export function readQuery(file: string): string {
  return fs.readFileSync(path.join(queriesDirectory(), file), "utf8").trimEnd();
}

export interface SavedQueriesProps {
  /** ARM id of the Log Analytics workspace the queries are saved in (the one the diagnostics send to). */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * Category the queries are grouped under in the query explorer.
   * @default "AML data path"
   */
  readonly category?: string;
  /**
   * Prefix of each saved search's name (`<prefix>-<file without .kql>`), unique in the workspace.
   * @default "aml-datapath"
   */
  readonly namePrefix?: string;
  /**
   * The queries to save (files under the package's queries/ folder).
   * @default SAVED_QUERIES
   */
  readonly queries?: readonly SavedQueryDefinition[];
}

/**
 * Saved searches in a Log Analytics workspace: runs by data path, failed activities with their
 * error, AML job durations per step, node-hours and runs per data path per day. Their KQL is read from queries/ when the construct is built;
 * every query and column they use is listed in `LOG_TABLES` (checked by the tests).
 */
export class SavedQueries extends Construct {
  /** The saved searches, by file name. */
  readonly searches: Readonly<Record<string, LogAnalyticsSavedSearch>>;

  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    const queries = props.queries ?? SAVED_QUERIES;
    const prefix = props.namePrefix ?? "aml-datapath";
    const category = props.category ?? "AML data path";
    const c = new Checker(this.node.path);
    c.resourceId("logAnalyticsWorkspaceId", props.logAnalyticsWorkspaceId);
    c.name("namePrefix", prefix, /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/, "must be 1-63 letters, digits or '-', starting with a letter or digit");
    c.nonEmptyString("category", category);
    const texts = queries.map((q, i) => {
      if (!c.name(`queries[${i}].file`, q.file, /^[a-z0-9][a-z0-9-]*\.kql$/, "must be a lowercase file name ending in .kql")) return "";
      c.nonEmptyString(`queries[${i}].displayName`, q.displayName);
      try {
        return readQuery(q.file);
      } catch {
        c.fail(`queries[${i}].file`, q.file, `must exist in ${queriesDirectory()}`);
        return "";
      }
    });
    reportProblems(this, c.problems);

    const searches: Record<string, LogAnalyticsSavedSearch> = {};
    queries.forEach((q, i) => {
      const base = q.file.replace(/\.kql$/, "");
      // Every attribute of a saved search is ForceNew: a changed query replaces it, which is harmless.
      searches[q.file] = new LogAnalyticsSavedSearch(this, base, {
        name: `${prefix}-${base}`,
        logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
        category,
        displayName: q.displayName,
        query: texts[i],
      });
    });
    this.searches = searches;
  }
}

// ---------------------------------------------------------------------------------------------
// A tokenizer-level check that a query reads only known tables and columns.

// Operators, their parameters and literals: never columns.
const KQL_KEYWORDS = new Set([
  "where", "project", "project-away", "project-keep", "project-rename", "project-reorder", "extend", "summarize",
  "join", "lookup", "union", "order", "sort", "by", "asc", "desc", "nulls", "first", "last", "take", "limit", "top",
  "distinct", "count", "let", "on", "kind", "inner", "innerunique", "leftouter", "rightouter", "fullouter",
  "leftanti", "rightanti", "leftsemi", "rightsemi", "as", "and", "or", "not", "in", "has", "has_any", "contains",
  "startswith", "endswith", "matches", "regex", "between", "true", "false", "null", "with", "parse", "mv-expand",
  "render", "print", "range", "step", "from", "to", "$left", "$right",
]);

/** One KQL token. */
export interface KqlToken {
  readonly kind: "ident" | "string" | "number" | "punct";
  readonly text: string;
}

/** Splits KQL into tokens; comments are dropped, string literals kept as one token. */
export function tokenizeKql(query: string): KqlToken[] {
  const tokens: KqlToken[] = [];
  const re =
    /\s+|\/\/[^\n]*|@?"(?:[^"\\\n]|\\.)*"|@?'(?:[^'\\\n]|\\.)*'|(project-(?:away|keep|rename|reorder)|mv-expand)\b|(\$?[A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d+)?[A-Za-z]*)|(==|!=|=~|!~|<=|>=|[=|(),.;:<>+\-*/%[\]!{}])/y;
  for (let at = 0; at < query.length; at = re.lastIndex) {
    re.lastIndex = at;
    const m = re.exec(query);
    if (m === null) throw new Error(`cannot tokenize KQL at: ${query.slice(at, at + 20)}`);
    const [text, hyphenOp, ident, num, punct] = m;
    if (hyphenOp || ident) tokens.push({ kind: "ident", text });
    else if (num) tokens.push({ kind: "number", text });
    else if (punct) tokens.push({ kind: "punct", text });
    else if (/^@?["']/.test(text)) tokens.push({ kind: "string", text });
  }
  return tokens;
}

/**
 * What is wrong with a query's references, checked at the level of tokens (not a KQL parser):
 * - a table is an identifier that starts a pipeline (at the start, after `(` or `;`, followed by
 *   `|`) and must be in `tables`;
 * - every other identifier must be an operator keyword, a function (followed by `(`), a member
 *   (after `.`), a name the query defines (`Name = ...` in `let`, `extend`, `project`,
 *   `summarize`), or a column of one of the tables the query reads.
 * Columns are checked against all the tables the query reads, not per pipeline stage.
 */
export function kqlReferenceProblems(query: string, tables: Readonly<Record<string, { readonly columns: readonly string[] }>> = LOG_TABLES): string[] {
  const tokens = tokenizeKql(query);
  const problems: string[] = [];
  const defined = new Set<string>();
  const read = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.kind === "ident" && tokens[i + 1]?.text === "=") defined.add(t.text);
  });
  const isTable = (i: number) => {
    const prev = tokens[i - 1];
    return (prev === undefined || prev.text === "(" || prev.text === ";") && tokens[i + 1]?.text === "|";
  };
  tokens.forEach((t, i) => {
    if (t.kind !== "ident" || !isTable(i)) return;
    if (Object.prototype.hasOwnProperty.call(tables, t.text)) read.add(t.text);
    else problems.push(`table ${t.text} is not one the diagnostic settings produce`);
  });
  if (read.size === 0 && problems.length === 0) problems.push("reads no table");
  const columns = new Set([...read].flatMap((name) => tables[name].columns));
  tokens.forEach((t, i) => {
    if (t.kind !== "ident" || isTable(i) || KQL_KEYWORDS.has(t.text)) return;
    if (tokens[i + 1]?.text === "(" || tokens[i - 1]?.text === ".") return;
    if (defined.has(t.text) || columns.has(t.text)) return;
    problems.push(`column ${t.text} is not in ${[...read].join(", ") || "any table read"} and not defined by the query`);
  });
  return [...new Set(problems)];
}

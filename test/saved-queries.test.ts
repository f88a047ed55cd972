import * as fs from "fs";
import * as path from "path";
import { kqlReferenceProblems, LOG_TABLES, LogTableName, queriesDirectory, readQuery, SAVED_QUERIES, SavedQueries, tokenizeKql } from "../lib/platform/saved-queries";
import { Diagnostics } from "../lib/platform/diagnostics";
import { BATCH_ACTIVITY } from "../lib/pipeline/adf-activities";
import { bareStack, problemsOf, resourcesOf, synthJson } from "./helpers";

const rg = "/subscriptions/5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f/resourceGroups/rg-demo/providers";
const logAnalytics = `${rg}/Microsoft.OperationalInsights/workspaces/log-demo`;
const ROOT = path.resolve(__dirname, "..");

/** The tables a query reads (the identifiers that start a pipeline). */
function tablesRead(query: string): string[] {
  const t = tokenizeKql(query);
  return [...new Set(t.filter((x, i) => x.kind === "ident" && (i === 0 || ["(", ";"].includes(t[i - 1].text)) && t[i + 1]?.text === "|").map((x) => x.text))].sort();
}

describe("saved queries", () => {
  test("the shipped files are the repository's queries/ folder", () => {
    expect(queriesDirectory()).toBe(path.join(ROOT, "queries"));
    expect(fs.readdirSync(path.join(ROOT, "queries")).filter((f) => f.endsWith(".kql")).sort()).toEqual(SAVED_QUERIES.map((q) => q.file).sort());
  });

  test("one saved search per query, its KQL read from the file", () => {
    const stack = bareStack();
    new SavedQueries(stack, "queries", { logAnalyticsWorkspaceId: logAnalytics });
    const searches = Object.fromEntries(Object.values(resourcesOf(synthJson(stack), "azurerm_log_analytics_saved_search")).map((s) => [String(s.name), s]));
    expect(Object.values(searches).map((s) => [s.name, s.category, s.display_name, s.log_analytics_workspace_id]).sort()).toEqual([
      ["aml-datapath-aml-step-durations", "AML data path", "Data-path runs: AML job durations per step", logAnalytics],
      ["aml-datapath-compute-by-data-path", "AML data path", "Data-path runs: node-hours and run count per data path per day", logAnalytics],
      ["aml-datapath-failed-activities", "AML data path", "Data-path runs: failed activities and their errors", logAnalytics],
      ["aml-datapath-runs-by-data-path", "AML data path", "Data-path runs: status and duration by data path", logAnalytics],
    ]);
    for (const q of SAVED_QUERIES) {
      expect(searches[`aml-datapath-${q.file.replace(/\.kql$/, "")}`].query).toBe(fs.readFileSync(path.join(ROOT, "queries", q.file), "utf8").trimEnd());
    }
  });

  test("each query reads the tables it is about", () => {
    expect(Object.fromEntries(SAVED_QUERIES.map((q) => [q.file, tablesRead(readQuery(q.file))]))).toEqual({
      "runs-by-data-path.kql": ["ADFPipelineRun"],
      "failed-activities.kql": ["ADFActivityRun", "ADFPipelineRun"],
      "aml-step-durations.kql": ["AmlRunStatusChangedEvent"],
      "compute-by-data-path.kql": ["ADFActivityRun", "ADFPipelineRun", "AmlComputeJobEvent", "AmlRunStatusChangedEvent"],
    });
    // What each is for: the data path from the run's parameters, the error of the failed activity, durations per run.
    expect(readQuery("runs-by-data-path.kql")).toMatch(/parse_json\(tostring\(Parameters\)\)[\s\S]*relative_path[\s\S]*Duration = /);
    expect(readQuery("failed-activities.kql")).toMatch(/Status == "Failed"[\s\S]*on PipelineRunId[\s\S]*ErrorCode, ErrorMessage/);
    expect(readQuery("aml-step-durations.kql")).toMatch(/by RunId[\s\S]*Duration = Ended - Started/);
    expect(readQuery("compute-by-data-path.kql")).toContain(`ActivityName == "${BATCH_ACTIVITY.invoke}"`);
    // Node-hours per data path per day: the invoke's output names the job, its steps' compute events give nodes x time.
    expect(readQuery("compute-by-data-path.kql")).toMatch(
      /relative_path[\s\S]*Day = startofday\(Start\)[\s\S]*ActivityName == "Invoke batch endpoint"[\s\S]*Output[\s\S]*ParentRunId[\s\S]*dcountif\(NodeId[\s\S]*EventType == "JobRunning"[\s\S]*\/ 1h[\s\S]*Runs = dcount\(RunId\)[\s\S]*NodeHours = [\s\S]*by Day, DataPath/,
    );
  });

  test.each(SAVED_QUERIES.map((q) => [q.file]))("%s references only tables and columns the diagnostic settings produce", (file) => {
    expect(kqlReferenceProblems(readQuery(file))).toEqual([]);
  });

  test("every table the queries read is produced by a diagnostic setting of Diagnostics, into that table", () => {
    const stack = bareStack();
    const targets = {
      mlWorkspaceId: `${rg}/Microsoft.MachineLearningServices/workspaces/mlw-demo`,
      dataFactoryId: `${rg}/Microsoft.DataFactory/factories/adf-demo`,
      keyVaultId: `${rg}/Microsoft.KeyVault/vaults/kv-demo`,
      storageAccountId: `${rg}/Microsoft.Storage/storageAccounts/stdemo01`,
    };
    const d = new Diagnostics(stack, "diagnostics", { logAnalyticsWorkspaceId: logAnalytics, targets });
    const json = synthJson(stack);
    const settings = resourcesOf(json, "azurerm_monitor_diagnostic_setting");
    const read = new Set(SAVED_QUERIES.flatMap((q) => tablesRead(readQuery(q.file))));
    expect([...read].sort()).toEqual(Object.keys(LOG_TABLES).sort());
    for (const table of read as Set<LogTableName>) {
      const { source, category } = LOG_TABLES[table];
      const setting = settings[d.settings[source]!.friendlyUniqueId];
      const logs = setting.enabled_log as { category?: string; category_group?: string }[];
      // allLogs holds every category of the resource, the table's included.
      expect([table, logs.some((l) => l.category_group === "allLogs" || l.category === category)]).toEqual([table, true]);
      // ADF writes its resource-specific tables (ADFPipelineRun, ...) only when told to; otherwise AzureDiagnostics.
      if (table.startsWith("ADF")) expect([table, setting.log_analytics_destination_type]).toEqual([table, "Dedicated"]);
    }
  });

  test("the check finds unknown tables and columns, and accepts what a query defines", () => {
    expect(kqlReferenceProblems('ADFPipelineRun | where Status == "Failed" | project RunId, DataPath')).toEqual([
      "column DataPath is not in ADFPipelineRun and not defined by the query",
    ]);
    expect(kqlReferenceProblems("ADFTriggerRun | project TriggerName")).toEqual([
      "table ADFTriggerRun is not one the diagnostic settings produce",
      "column TriggerName is not in any table read and not defined by the query",
    ]);
    // ADFActivityRun has no Parameters: only a join to ADFPipelineRun brings them.
    expect(kqlReferenceProblems("ADFActivityRun | project ActivityName, Parameters")).toEqual([
      "column Parameters is not in ADFActivityRun and not defined by the query",
    ]);
    // Defined names, functions, members, strings and comments are not columns.
    expect(kqlReferenceProblems('// Foo\nAmlRunStatusChangedEvent | extend X = parse_json(Message) | where X.anything == "Bar" and ago(1d) < TimeGenerated | project X')).toEqual([]);
    expect(kqlReferenceProblems("print 1")).toEqual(["reads no table"]);
  });

  test("reports invalid props, including a query file that does not exist", () => {
    expect(
      problemsOf(() =>
        new SavedQueries(bareStack(), "queries", {
          logAnalyticsWorkspaceId: "log",
          namePrefix: "bad prefix",
          queries: [{ file: "missing.kql", displayName: "Missing" }, { file: "Bad Name.txt", displayName: "" }],
        }),
      ),
    ).toEqual([
      `test/queries: logAnalyticsWorkspaceId "log" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/queries: namePrefix "bad prefix" must be 1-63 letters, digits or '-', starting with a letter or digit`,
      `test/queries: queries[0].file "missing.kql" must exist in ${path.join(ROOT, "queries")}`,
      `test/queries: queries[1].file "Bad Name.txt" must be a lowercase file name ending in .kql`,
    ]);
  });
});

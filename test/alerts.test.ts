import { Alerts, AlertsProps, longRunQuery } from "../lib/platform/alerts";
import { kqlReferenceProblems } from "../lib/platform/saved-queries";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson, TfJson } from "./helpers";

const rg = "/subscriptions/5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f/resourceGroups/rg-demo/providers";
const ids = {
  logAnalytics: `${rg}/Microsoft.OperationalInsights/workspaces/log-demo`,
  workspace: `${rg}/Microsoft.MachineLearningServices/workspaces/mlw-demo`,
  factory: `${rg}/Microsoft.DataFactory/factories/adf-demo`,
};
const props: AlertsProps = {
  namePrefix: "amldp-prod",
  resourceGroupName: "rg-demo",
  location: "westeurope",
  dataFactoryId: ids.factory,
  mlWorkspaceId: ids.workspace,
  logAnalyticsWorkspaceId: ids.logAnalytics,
};

const metricAlert = (json: TfJson, metricName: string) =>
  single(json, "azurerm_monitor_metric_alert", (r) => (r.criteria as { metric_name: string }[])[0].metric_name === metricName);

describe("Alerts", () => {
  test("with receivers: an action group e-mails them, and every rule notifies it", () => {
    const stack = bareStack();
    new Alerts(stack, "alerts", { ...props, emailReceivers: ["ops@example.com", "ml-team@example.com"] });
    const json = synthJson(stack);
    const group = single(json, "azurerm_monitor_action_group");
    expect(group).toMatchObject({
      name: "amldp-prod-alerts",
      resource_group_name: "rg-demo",
      short_name: "amldpprod",
      email_receiver: [
        { name: "ops@example.com", email_address: "ops@example.com", use_common_alert_schema: true },
        { name: "ml-team@example.com", email_address: "ml-team@example.com", use_common_alert_schema: true },
      ],
    });
    const groupId = refTo(json, "azurerm_monitor_action_group", "id");

    expect(metricAlert(json, "PipelineFailedRuns")).toEqual(
      expect.objectContaining({
        name: "amldp-prod-adf-pipeline-run-failed",
        scopes: [ids.factory],
        severity: 1,
        frequency: "PT1M",
        window_size: "PT5M",
        auto_mitigate: true,
        criteria: [
          {
            metric_namespace: "Microsoft.DataFactory/factories",
            metric_name: "PipelineFailedRuns",
            aggregation: "Total",
            operator: "GreaterThan",
            threshold: 0,
            // Split by pipeline: the dimension is "Name", not "PipelineName", on pipeline metrics.
            dimension: [{ name: "Name", operator: "Include", values: ["*"] }],
          },
        ],
        action: [{ action_group_id: groupId }],
      }),
    );

    expect(metricAlert(json, "Failed Runs")).toEqual(
      expect.objectContaining({
        name: "amldp-prod-aml-job-failed",
        scopes: [ids.workspace],
        severity: 3,
        criteria: [{ metric_namespace: "Microsoft.MachineLearningServices/workspaces", metric_name: "Failed Runs", aggregation: "Total", operator: "GreaterThan", threshold: 0 }],
        action: [{ action_group_id: groupId }],
      }),
    );

    const longRun = single(json, "azurerm_monitor_scheduled_query_rules_alert_v2");
    expect(longRun).toMatchObject({
      name: "amldp-prod-adf-run-too-long",
      location: "westeurope",
      scopes: [ids.logAnalytics],
      severity: 2,
      evaluation_frequency: "PT15M",
      window_duration: "P1D",
      auto_mitigation_enabled: true,
      skip_query_validation: true,
      criteria: [
        {
          query: expect.any(String),
          time_aggregation_method: "Count",
          operator: "GreaterThan",
          threshold: 0,
          dimension: [
            { name: "PipelineName", operator: "Include", values: ["*"] },
            { name: "RunId", operator: "Include", values: ["*"] },
          ],
          failing_periods: { minimum_failing_periods_to_trigger_alert: 1, number_of_evaluation_periods: 1 },
        },
      ],
      action: { action_groups: [groupId] },
    });
    // The rule's query, checked for what it must do rather than against the function that builds it.
    const query = String((longRun.criteria as { query: string }[])[0].query);
    expect(query).toContain(`_ResourceId =~ "${ids.factory}"`);
    expect(query).toMatch(/DurationMinutes > 240\b/);
    expect(query).toContain("ago(30m)"); // twice the 15-minute evaluation: a finished run is seen once
    const projected = /\| project ([^\n]+)$/.exec(query)![1].split(",").map((c) => c.trim());
    for (const d of ["PipelineName", "RunId"]) expect(projected).toContain(d);
  });

  test("the long-run query: this factory's runs, still going past the threshold or finished recently after taking longer", () => {
    const q = longRunQuery(ids.factory, 240, 15);
    const lines = q.split("\n");
    expect(lines[0]).toBe("ADFPipelineRun");
    // Scoped to this factory; one row per run, its latest state (each status change writes a row).
    expect(lines).toContain(`| where _ResourceId =~ "${ids.factory}"`);
    expect(q).toMatch(/\| summarize arg_max\(TimeGenerated, [^)]*\bStatus\b[^)]*\bStart\b[^)]*\bEnd\b[^)]*\) by RunId, PipelineName/);
    // Unfinished runs (End is 1601-01-01 until then) are measured to now, finished ones to their End.
    expect(q).toContain("iff(Finished, End - Start, now() - Start)");
    // The threshold and a look-back of twice the evaluation frequency follow the arguments.
    expect(longRunQuery(ids.factory, 90, 5)).toMatch(/DurationMinutes > 90 and \(not\(Finished\) or TimeGenerated > ago\(10m\)\)/);
    // Only tables and columns the factory's diagnostic setting produces.
    expect(kqlReferenceProblems(q)).toEqual([]);
    // The dimensions the rule splits by are columns of the result.
    expect(q).toMatch(/\| project RunId, PipelineName,/);
  });

  test("without receivers: no action group, and the rules exist without an action", () => {
    const stack = bareStack();
    new Alerts(stack, "alerts", props);
    const json = synthJson(stack);
    expect(json.resource).not.toHaveProperty("azurerm_monitor_action_group");
    expect(Object.keys(resourcesOf(json, "azurerm_monitor_metric_alert"))).toHaveLength(2);
    for (const r of Object.values(resourcesOf(json, "azurerm_monitor_metric_alert"))) expect(r).not.toHaveProperty("action");
    expect(single(json, "azurerm_monitor_scheduled_query_rules_alert_v2")).not.toHaveProperty("action");
  });

  test("severities and thresholds come from settings", () => {
    const stack = bareStack();
    new Alerts(stack, "alerts", {
      ...props,
      emailReceivers: ["ops@example.com"],
      actionGroupShortName: "datapath",
      settings: { failedPipelineRunSeverity: 0, failedPipelineRunThreshold: 2, failedAmlJobSeverity: 1, failedAmlJobThreshold: 3, longRunSeverity: 4, longRunThresholdMinutes: 90, longRunEvaluationMinutes: 60 },
    });
    const json = synthJson(stack);
    expect(single(json, "azurerm_monitor_action_group").short_name).toBe("datapath");
    expect(metricAlert(json, "PipelineFailedRuns")).toMatchObject({ severity: 0, criteria: [{ threshold: 2 }] });
    expect(metricAlert(json, "Failed Runs")).toMatchObject({ severity: 1, criteria: [{ threshold: 3 }] });
    expect(single(json, "azurerm_monitor_scheduled_query_rules_alert_v2")).toMatchObject({
      severity: 4,
      evaluation_frequency: "PT1H",
      criteria: [{ query: longRunQuery(ids.factory, 90, 60) }],
    });
    expect(longRunQuery(ids.factory, 90, 60)).toContain("| where DurationMinutes > 90 and (not(Finished) or TimeGenerated > ago(120m))");
  });

  test("reports every invalid prop at once", () => {
    expect(
      problemsOf(() =>
        new Alerts(bareStack(), "alerts", {
          ...props,
          namePrefix: "-bad",
          dataFactoryId: "adf",
          emailReceivers: ["ops@example.com", "not-an-address", "OPS@example.com"],
          actionGroupShortName: "much-too-long-name",
          settings: { failedPipelineRunSeverity: 5, failedAmlJobThreshold: -1, longRunThresholdMinutes: 2000, longRunEvaluationMinutes: 7 as never },
        }),
      ),
    ).toEqual([
      `test/alerts: namePrefix "-bad" must be 1-60 letters, digits, '_', '.' or '-', starting with a letter or digit`,
      `test/alerts: dataFactoryId "adf" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/alerts: emailReceivers[1] "not-an-address" must be an e-mail address`,
      `test/alerts: emailReceivers[2] "OPS@example.com" must be listed once`,
      `test/alerts: actionGroupShortName "much-too-long-name" must be 1-12 characters`,
      `test/alerts: settings.failedPipelineRunSeverity 5 must be an integer from 0 to 4`,
      `test/alerts: settings.failedAmlJobThreshold -1 must be an integer from 0 to 1000`,
      `test/alerts: settings.longRunThresholdMinutes 2000 must be an integer from 5 to 1380`,
      `test/alerts: settings.longRunEvaluationMinutes 7 must be one of 5, 10, 15, 30, 60`,
    ]);
  });
});

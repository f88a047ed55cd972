import { Construct } from "constructs";
import { MonitorActionGroup } from "@cdktf/provider-azurerm/lib/monitor-action-group";
import { MonitorMetricAlert } from "@cdktf/provider-azurerm/lib/monitor-metric-alert";
import { MonitorScheduledQueryRulesAlertV2 } from "@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2";
import { Checker, isObject, reportProblems, under } from "../core/validation";
import { checkRegion } from "../core/arm";
import { checkName } from "../core/naming";

/** How often the long-run query runs, in minutes (the provider's evaluation frequencies up to an hour). */
export const LONG_RUN_EVALUATION_MINUTES = [5, 10, 15, 30, 60] as const;
export type LongRunEvaluationMinutes = (typeof LONG_RUN_EVALUATION_MINUTES)[number];

/** Severities and thresholds of the alert rules (0 = critical ... 4 = verbose). */
export interface AlertSettings {
  /**
   * Severity of "an ADF pipeline run failed" (Azure Monitor baseline alerts use 1).
   * @default 1
   */
  readonly failedPipelineRunSeverity?: number;
  /**
   * Alert when more ADF pipeline runs than this (0-1000) failed within 5 minutes, per pipeline.
   * @default 0
   */
  readonly failedPipelineRunThreshold?: number;
  /**
   * Severity of "an AML job failed" (Azure Monitor baseline alerts use 3; the ADF run that started
   * the job fails too and carries severity 1).
   * @default 3
   */
  readonly failedAmlJobSeverity?: number;
  /**
   * Alert when more AML runs (jobs or steps) than this (0-1000) failed within 5 minutes.
   * @default 0
   */
  readonly failedAmlJobThreshold?: number;
  /**
   * Severity of "a pipeline run takes longer than expected".
   * @default 2
   */
  readonly longRunSeverity?: number;
  /**
   * Expected duration of a run in minutes: a run still going after this long, or one that took
   * longer, raises the long-run alert. At most 1,380 (the query looks back one day, and the
   * pipeline's own wait loop gives up after 12 hours).
   * @default 240
   */
  readonly longRunThresholdMinutes?: number;
  /**
   * How often the long-run query runs, in minutes.
   * @default 15
   */
  readonly longRunEvaluationMinutes?: LongRunEvaluationMinutes;
}

export interface AlertsProps {
  /** Prefix of every alert rule's and the action group's name, e.g. `amldp-prod`. */
  readonly namePrefix: string;
  /** Resource group of the alert rules and the action group. */
  readonly resourceGroupName: string;
  /** Region of the log alert rule (metric alerts and action groups are global). */
  readonly location: string;
  /** ARM id of the data factory whose pipeline runs are watched. */
  readonly dataFactoryId: string;
  /** ARM id of the ML workspace whose jobs are watched. */
  readonly mlWorkspaceId: string;
  /** ARM id of the Log Analytics workspace that receives the factory's ADFPipelineRun table (see `Diagnostics`). */
  readonly logAnalyticsWorkspaceId: string;
  /**
   * E-mail addresses notified by every alert. None: no action group; the alerts still fire and show
   * in the portal (Monitor > Alerts), but nobody is told.
   * @default []
   */
  readonly emailReceivers?: readonly string[];
  /**
   * Short name of the action group (1-12 characters; it is the sender shown in e-mails and SMS).
   * @default - the letters and digits of namePrefix, up to 12
   */
  readonly actionGroupShortName?: string;
  /**
   * Severities and thresholds.
   * @default - the defaults of each AlertSettings field
   */
  readonly settings?: AlertSettings;
  /**
   * Tags for the alert rules and the action group.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

const EMAIL = /^[^@\s"'<>,;]+@[^@\s"'<>,;]+\.[^@\s"'<>,;]+$/;

/** The defaults of `AlertSettings`. */
export const DEFAULT_ALERT_SETTINGS: Required<AlertSettings> = {
  failedPipelineRunSeverity: 1,
  failedPipelineRunThreshold: 0,
  failedAmlJobSeverity: 3,
  failedAmlJobThreshold: 0,
  longRunSeverity: 2,
  longRunThresholdMinutes: 240,
  longRunEvaluationMinutes: 15,
};

/**
 * Problems with alert settings, reported under `prefix` (the construct: `settings`; an environment
 * config: `monitoring.alerts`). Returns the settings with their defaults filled in.
 */
export function validateAlertSettings(c: Checker, prefix: string, settings: AlertSettings | undefined): Required<AlertSettings> {
  if (settings !== undefined && !isObject(settings)) {
    c.fail(prefix, settings, "must be an object of alert settings");
    return DEFAULT_ALERT_SETTINGS;
  }
  const r = { ...DEFAULT_ALERT_SETTINGS, ...Object.fromEntries(Object.entries(settings ?? {}).filter(([, v]) => v !== undefined)) } as Required<AlertSettings>;
  for (const key of ["failedPipelineRunSeverity", "failedAmlJobSeverity", "longRunSeverity"] as const) c.integer(under(prefix, key), r[key], 0, 4);
  c.integer(under(prefix, "failedPipelineRunThreshold"), r.failedPipelineRunThreshold, 0, 1000);
  c.integer(under(prefix, "failedAmlJobThreshold"), r.failedAmlJobThreshold, 0, 1000);
  c.integer(under(prefix, "longRunThresholdMinutes"), r.longRunThresholdMinutes, 5, 1380);
  if (!(LONG_RUN_EVALUATION_MINUTES as readonly unknown[]).includes(r.longRunEvaluationMinutes)) {
    c.fail(under(prefix, "longRunEvaluationMinutes"), r.longRunEvaluationMinutes, `must be one of ${LONG_RUN_EVALUATION_MINUTES.join(", ")}`);
  }
  const unknown = Object.keys(settings ?? {}).filter((k) => !(k in DEFAULT_ALERT_SETTINGS));
  for (const key of unknown) c.fail(under(prefix, key), (settings as Record<string, unknown>)[key], `is not an alert setting (${Object.keys(DEFAULT_ALERT_SETTINGS).join(", ")})`);
  return r;
}

/**
 * Problems with a list of e-mail receivers, reported under `property` (the construct:
 * `emailReceivers`; an environment config: `monitoring.alertEmailReceivers`). Returns the list (none
 * when it is not a list).
 */
export function validateEmailReceivers(c: Checker, property: string, receivers: readonly string[] | undefined): readonly string[] {
  const list = c.list(property, receivers);
  const seen = new Set<string>();
  list.forEach((r, i) => {
    if (!c.name(`${property}[${i}]`, r, EMAIL, "must be an e-mail address")) return;
    if (seen.has(r.toLowerCase())) c.fail(`${property}[${i}]`, r, "must be listed once");
    seen.add(r.toLowerCase());
  });
  return list;
}

/**
 * The KQL of the long-run alert: runs of the factory still going after `thresholdMinutes`, and runs
 * that finished within the last two evaluation periods after taking longer. One result row per
 * run; the rule splits by PipelineName and RunId, so each run is one alert that resolves by itself.
 * ADFPipelineRun has one row per status change: the latest row tells the current status, and a run
 * still going has only its Queued/InProgress rows (End is 1601-01-01), so its age is now() - Start.
 */
export function longRunQuery(dataFactoryId: string, thresholdMinutes: number, evaluationMinutes: number): string {
  return [
    "ADFPipelineRun",
    // The workspace may hold other factories' logs.
    `| where _ResourceId =~ "${dataFactoryId}"`,
    "| summarize arg_max(TimeGenerated, Status, Start, End) by RunId, PipelineName",
    '| extend Finished = Status in ("Succeeded", "Failed", "Cancelled")',
    "| extend DurationMinutes = iff(Finished, End - Start, now() - Start) / 1m",
    `| where DurationMinutes > ${thresholdMinutes} and (not(Finished) or TimeGenerated > ago(${2 * evaluationMinutes}m))`,
    "| project RunId, PipelineName, Status, Start, DurationMinutes",
  ].join("\n");
}

/**
 * Alerting for the data-path platform: an action group that e-mails `emailReceivers` (only when
 * there are any) and three alert rules that exist either way:
 * - an ADF pipeline run failed: metric `PipelineFailedRuns` of the factory, split by pipeline (`Name`);
 * - an AML job failed: metric `Failed Runs` of the workspace;
 * - a run takes longer than expected: a log query on ADFPipelineRun in Log Analytics.
 */
export class Alerts extends Construct {
  /** The action group, when there are receivers. */
  readonly actionGroup?: MonitorActionGroup;
  readonly failedPipelineRun: MonitorMetricAlert;
  readonly failedAmlJob: MonitorMetricAlert;
  readonly longRun: MonitorScheduledQueryRulesAlertV2;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    c.name("namePrefix", props.namePrefix, /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,59}$/, "must be 1-60 letters, digits, '_', '.' or '-', starting with a letter or digit");
    checkName(c, "resourceGroupName", props.resourceGroupName, "resourceGroup");
    checkRegion(c, "location", props.location);
    c.resourceId("dataFactoryId", props.dataFactoryId);
    c.resourceId("mlWorkspaceId", props.mlWorkspaceId);
    c.resourceId("logAnalyticsWorkspaceId", props.logAnalyticsWorkspaceId);
    const receivers = validateEmailReceivers(c, "emailReceivers", props.emailReceivers);
    const shortName = props.actionGroupShortName ?? String(props.namePrefix).replace(/[^a-zA-Z0-9]/g, "").slice(0, 12);
    if (receivers.length > 0 || props.actionGroupShortName !== undefined) {
      c.name("actionGroupShortName", shortName, /^.{1,12}$/, "must be 1-12 characters");
    }
    const {
      failedPipelineRunSeverity: pipelineSeverity,
      failedAmlJobSeverity: amlSeverity,
      longRunSeverity,
      failedPipelineRunThreshold: pipelineThreshold,
      failedAmlJobThreshold: amlThreshold,
      longRunThresholdMinutes: longRunMinutes,
      longRunEvaluationMinutes: evaluationMinutes,
    } = validateAlertSettings(c, "settings", props.settings);
    reportProblems(this, c.problems);

    const tags = props.tags ? { ...props.tags } : undefined;
    if (receivers.length > 0) {
      this.actionGroup = new MonitorActionGroup(this, "action-group", {
        name: `${props.namePrefix}-alerts`,
        resourceGroupName: props.resourceGroupName,
        shortName,
        // The address is the receiver's name: unique in the group, and stable when the list is reordered.
        emailReceiver: receivers.map((address) => ({ name: address, emailAddress: address, useCommonAlertSchema: true })),
        tags,
      });
    }
    const metricAction = this.actionGroup ? [{ actionGroupId: this.actionGroup.id }] : undefined;

    // Baseline shape (Azure Monitor baseline alerts): Total over 5 minutes, evaluated every minute.
    // ADF emits these metrics for completed triggered runs only (not debug runs).
    this.failedPipelineRun = new MonitorMetricAlert(this, "failed-pipeline-run", {
      name: `${props.namePrefix}-adf-pipeline-run-failed`,
      resourceGroupName: props.resourceGroupName,
      description: "An ADF pipeline run failed: see the factory's Monitor > Pipeline runs, or the saved query of failed activities.",
      scopes: [props.dataFactoryId],
      severity: pipelineSeverity,
      frequency: "PT1M",
      windowSize: "PT5M",
      autoMitigate: true,
      criteria: [
        {
          metricNamespace: "Microsoft.DataFactory/factories",
          metricName: "PipelineFailedRuns",
          aggregation: "Total",
          operator: "GreaterThan",
          threshold: pipelineThreshold,
          // "Name" is the pipeline-name dimension of the pipeline metrics (PipelineName exists on activity metrics only).
          dimension: [{ name: "Name", operator: "Include", values: ["*"] }],
        },
      ],
      action: metricAction,
      tags,
    });

    this.failedAmlJob = new MonitorMetricAlert(this, "failed-aml-job", {
      name: `${props.namePrefix}-aml-job-failed`,
      resourceGroupName: props.resourceGroupName,
      description: "An Azure ML job or step failed: see the workspace's Jobs, or the saved query of AML step durations.",
      scopes: [props.mlWorkspaceId],
      severity: amlSeverity,
      frequency: "PT1M",
      windowSize: "PT5M",
      autoMitigate: true,
      criteria: [
        {
          metricNamespace: "Microsoft.MachineLearningServices/workspaces",
          metricName: "Failed Runs",
          aggregation: "Total",
          operator: "GreaterThan",
          threshold: amlThreshold,
        },
      ],
      action: metricAction,
      tags,
    });

    this.longRun = new MonitorScheduledQueryRulesAlertV2(this, "long-run", {
      name: `${props.namePrefix}-adf-run-too-long`,
      displayName: `${props.namePrefix}: pipeline run longer than ${longRunMinutes} minutes`,
      description: `An ADF pipeline run has been going, or went, for more than ${longRunMinutes} minutes.`,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      scopes: [props.logAnalyticsWorkspaceId],
      severity: longRunSeverity,
      evaluationFrequency: `PT${evaluationMinutes === 60 ? "1H" : `${evaluationMinutes}M`}`,
      // A run still going has written nothing since it started: look back a whole day to see it.
      windowDuration: "P1D",
      criteria: [
        {
          query: longRunQuery(props.dataFactoryId, longRunMinutes, evaluationMinutes),
          timeAggregationMethod: "Count",
          operator: "GreaterThan",
          threshold: 0,
          dimension: [
            { name: "PipelineName", operator: "Include", values: ["*"] },
            { name: "RunId", operator: "Include", values: ["*"] },
          ],
          failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 },
        },
      ],
      // Stateful: one notification per run, resolved when the run no longer matches.
      autoMitigationEnabled: true,
      // ADFPipelineRun exists only after the factory's first logs arrive; validation would fail a first deploy.
      skipQueryValidation: true,
      action: this.actionGroup ? { actionGroups: [this.actionGroup.id] } : undefined,
      tags,
    });
  }
}

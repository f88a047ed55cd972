import { Checker, isObject, text, under } from "../core/validation";
import { Construct } from "constructs";
import { DataFactoryTriggerSchedule } from "@cdktf/provider-azurerm/lib/data-factory-trigger-schedule";
import { DataFactoryTriggerBlobEvent } from "@cdktf/provider-azurerm/lib/data-factory-trigger-blob-event";
import { escapeTemplateString } from "../core/azapi";
import { PARAMS } from "./adf-activities";

export const SCHEDULE_FREQUENCIES = ["Minute", "Hour", "Day", "Week", "Month"] as const;

/** Run on a schedule with a fixed data path. */
export interface ScheduleTriggerOptions {
  readonly frequency: (typeof SCHEDULE_FREQUENCIES)[number];
  readonly interval: number;
  /** Data path passed to every scheduled run. */
  readonly relativePath: string;
  /**
   * First run, RFC 3339 (e.g. "2026-12-01T06:00:00Z").
   * @default - when the trigger is created
   */
  readonly startTime?: string;
  /** @default "UTC" */
  readonly timeZone?: string;
  /** @default true */
  readonly activated?: boolean;
}

/** Run when a producer finishes a folder: a marker blob created in the input container starts a run on its folder. */
export interface BlobTriggerOptions {
  /** ARM id of the storage account that holds the input container. */
  readonly storageAccountId: string;
  /** Input container name. */
  readonly containerName: string;
  /** Only folders under this prefix (relative to the container) trigger runs. */
  readonly pathPrefix: string;
  /**
   * The blob whose creation marks a folder as complete. Triggering on every data file would start
   * one run per file, each over the whole folder.
   * @default "_SUCCESS"
   */
  readonly markerFileName?: string;
  /** @default true */
  readonly activated?: boolean;
}

/**
 * Problems with a schedule, reported under `prefix` (the pipeline construct: `scheduleTrigger`; an
 * environment config: `pipeline.schedule`).
 */
export function validateScheduleTrigger(c: Checker, prefix: string, t: ScheduleTriggerOptions): void {
  if (!isObject(t)) {
    c.fail(prefix, t, "must be an object { frequency, interval, relativePath, startTime?, timeZone?, activated? }");
    return;
  }
  const at = (key: keyof ScheduleTriggerOptions) => under(prefix, key);
  c.oneOf(at("frequency"), t.frequency, SCHEDULE_FREQUENCIES);
  c.integer(at("interval"), t.interval, 1, 1000);
  c.relativePath(at("relativePath"), t.relativePath);
  if (t.startTime !== undefined) c.time(at("startTime"), t.startTime);
  if (t.timeZone !== undefined) c.name(at("timeZone"), t.timeZone, TIME_ZONE, 'must be a time zone id such as "UTC" or "W. Europe Standard Time"');
  c.optionalBoolean(at("activated"), t.activated);
}

/** Windows time zone ids (what ADF schedules take): letters, digits, spaces, '.', '+', '-', '(', ')'. */
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9 .+()-]{0,63}$/;

/**
 * Problems with where a blob trigger looks, reported under `prefix` (the pipeline construct:
 * `blobTrigger`; an environment config: `pipeline.blobTrigger`).
 */
export function validateBlobTriggerPath(c: Checker, prefix: string, t: Pick<BlobTriggerOptions, "pathPrefix" | "markerFileName">): void {
  c.relativePath(under(prefix, "pathPrefix"), t.pathPrefix);
  if (t.markerFileName !== undefined) c.name(under(prefix, "markerFileName"), t.markerFileName, /^[^/\\"']{1,255}$/, "must be a file name (no '/', '\\' or quotes)");
}

export interface PipelineTriggersProps {
  readonly dataFactoryId: string;
  /** The ADF pipeline's name, as a reference (triggers are created after it). */
  readonly pipelineName: string;
  /** Prefix of the trigger names (the pipeline's literal name). */
  readonly namePrefix: string;
  /** Datastore every triggered run reads. */
  readonly datastoreName: string;
  /** @default - no schedule */
  readonly schedule?: ScheduleTriggerOptions;
  /** @default - no blob trigger */
  readonly blobTrigger?: BlobTriggerOptions;
}

/** The optional schedule and blob-event triggers of a data-path pipeline; both pass the data path as a parameter. */
export class PipelineTriggers extends Construct {
  readonly schedule?: DataFactoryTriggerSchedule;
  readonly blobEvent?: DataFactoryTriggerBlobEvent;

  constructor(scope: Construct, id: string, props: PipelineTriggersProps) {
    super(scope, id);
    if (props.schedule) {
      const t = props.schedule;
      this.schedule = new DataFactoryTriggerSchedule(this, "schedule", {
        name: `${props.namePrefix}-schedule`,
        dataFactoryId: props.dataFactoryId,
        frequency: t.frequency,
        interval: t.interval,
        startTime: t.startTime,
        timeZone: t.timeZone ?? "UTC",
        activated: t.activated ?? true,
        pipeline: [{ name: props.pipelineName, parameters: { [PARAMS.relativePath]: escapeTemplateString(text(t.relativePath)), [PARAMS.datastoreName]: props.datastoreName } }],
      });
    }
    if (props.blobTrigger) {
      const t = props.blobTrigger;
      const prefix = t.pathPrefix.replace(/\/?$/, "/");
      this.blobEvent = new DataFactoryTriggerBlobEvent(this, "blob-event", {
        name: `${props.namePrefix}-on-new-folder`,
        dataFactoryId: props.dataFactoryId,
        storageAccountId: t.storageAccountId,
        events: ["Microsoft.Storage.BlobCreated"],
        blobPathBeginsWith: `/${t.containerName}/blobs/${prefix}`,
        blobPathEndsWith: `/${t.markerFileName ?? "_SUCCESS"}`,
        ignoreEmptyBlobs: false,
        activated: t.activated ?? true,
        pipeline: [{ name: props.pipelineName, parameters: { [PARAMS.relativePath]: folderWithoutContainer(t.containerName), [PARAMS.datastoreName]: props.datastoreName } }],
      });
    }
  }
}

/**
 * `@triggerBody().folderPath` is `<container>/<folder>`: strip the container (by length, not by text,
 * so a folder that repeats the container's name is left alone).
 */
export function folderWithoutContainer(containerName: string): string {
  const n = containerName.length + 1;
  return `@substring(triggerBody().folderPath, ${n}, sub(length(triggerBody().folderPath), ${n}))`;
}

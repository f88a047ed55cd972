/** `aml-datapath prune-deployments`: delete the older batch deployments of the environment's endpoint (see prune.ts). */
import { UsageError } from "../context";
import { Command } from "../help";
import { REQUEST_TIMEOUT, SELECT, seconds, str } from "../options";
import { checkKeep, noEndpoint, pruneDeployments } from "../prune";
import { target, withAzure } from "./common";

export const command: Command = {
  summary: "delete old batch deployments (keeps the endpoint's default and the newest others)",
  options: {
    ...SELECT,
    keep: {
      type: "string",
      value: "<n>",
      help: "deployments to keep, the endpoint's default included, >= 1 (default: the\npipeline's deploymentRetention, else 2: the default and the newest other that\nprovisioned); one still provisioning is never deleted",
      synopsis: "optional",
    },
    "dry-run": { type: "boolean", help: "print what would be deleted; delete nothing", synopsis: "optional" },
    "request-timeout": REQUEST_TIMEOUT,
  },
  azure: true,
  async run(ctx, args) {
    const given = str(args.values.keep);
    if (given !== undefined) checkKeep(given);
    const requestTimeoutMs = seconds("request-timeout", args.values["request-timeout"], 60, 0.1);
    const t = await target(ctx, args);
    if (!t.batchEndpoint) throw new UsageError(noEndpoint(t));
    const keep = checkKeep(given, t.deploymentRetention);
    return withAzure(ctx, t, requestTimeoutMs, (c) => pruneDeployments(ctx, c, t, { keep, dryRun: args.values["dry-run"] === true, timeoutMs: requestTimeoutMs }));
  },
};

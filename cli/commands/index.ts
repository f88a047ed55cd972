/** The table of commands: the dispatcher parses, checks and documents each from its entry here. */
import type { Command } from "../help";
import { command as run } from "./run";
import { command as status } from "./status";
import { command as runs } from "./runs";
import { command as backfill } from "./backfill";
import { command as cancel } from "./cancel";
import { command as pruneDeployments } from "./prune-deployments";
import { command as verify } from "./verify";
import { command as local } from "./local";
import { command as diff } from "./diff";

export const COMMANDS: Readonly<Record<string, Command>> = {
  run,
  status,
  runs,
  backfill,
  cancel,
  "prune-deployments": pruneDeployments,
  verify,
  local,
  diff,
};

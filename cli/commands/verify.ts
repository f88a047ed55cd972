/** `aml-datapath verify`: the live platform against the synthesized stack, read-only (see verify.ts). */
import { Command } from "../help";
import { JSON_OUTPUT, REQUEST_TIMEOUT, SELECT, seconds, str } from "../options";
import { target } from "./common";

export const command: Command = {
  summary: "check the live platform against the synthesized stack (read-only; exit 1 if something is missing or differs)",
  options: {
    ...SELECT,
    "stack-dir": { type: "string", value: "<dir>", help: "folder with the synthesized cdk.tf.json (default: the environment's stack,\n<app>/cdktf.out/stacks/<env>)", synopsis: "optional" },
    json: JSON_OUTPUT,
    "request-timeout": REQUEST_TIMEOUT,
  },
  notes: "One line per item (ok, missing, differs: <fields>) and the command that restores it.",
  azure: true,
  async run(ctx, args) {
    const requestTimeoutMs = seconds("request-timeout", args.values["request-timeout"], 60, 0.1);
    const t = await target(ctx, args);
    const v = require("../verify") as typeof import("../verify");
    // verify reads the stack before it creates the clients, and says itself what went wrong with a request.
    return v.verifyCommand(ctx, t, { stackDir: str(args.values["stack-dir"]), json: args.values.json === true, requestTimeoutMs });
  },
};

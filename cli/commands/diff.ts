/** `aml-datapath diff <envA> <envB>`: what differs between two environments' synthesized stacks (offline; see diff.ts). */
import { Environment, selectEnvironment } from "../app";
import { UsageError } from "../context";
import { annotationsOf, diffStacks, formatDiff, StackSide } from "../diff";
import { Command, EXIT } from "../help";
import { APP_DIR, JSON_OUTPUT, str } from "../options";
import { readStack, SYNTH_HINT } from "../stack-model";

export const command: Command = {
  summary: "what differs between two environments (offline, from their synthesized stacks, for a promotion review)",
  positionals: { usage: "<{envs}> <{envs}>", max: 2 },
  options: { json: JSON_OUTPUT, "app-dir": APP_DIR },
  azure: false,
  async run(ctx, args) {
    const app = ctx.environments(str(args.values["app-dir"]));
    if (args.positionals.length !== 2) {
      throw new UsageError(`diff needs two environments${app.environments.length > 0 ? ` (of ${app.environments.map((e) => e.name).join(", ")})` : ""}, got ${args.positionals.length}`);
    }
    const side = (env: Environment): StackSide => {
      if (!env.stackDir) throw new UsageError(`environment "${env.name}" has no synthesized stack to compare (it comes from ${env.source}): ${SYNTH_HINT}`);
      return { name: env.name, json: readStack(env.stackDir, env.name), annotations: annotationsOf(app.outDir, env.name) };
    };
    const [a, b] = args.positionals.map((name) => side(selectEnvironment(app, { env: name })));
    const result = diffStacks(a, b);
    // The table fits the terminal (120 columns when the output is not one).
    ctx.out(args.values.json ? JSON.stringify(result, null, 2) : formatDiff(result, ctx.columns));
    return EXIT.ok;
  },
};

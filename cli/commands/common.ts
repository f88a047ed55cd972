/** What the commands that talk to Azure share: choosing the target and turning Azure's errors into one sentence. */
import type { Clients } from "../azure";
import { Context, UsageError } from "../context";
import { Args, EXIT } from "../help";
import { selectEnvironment, selectPipeline } from "../app";
import { str } from "../options";
import { Target } from "../target";

/** The Azure SDKs take a while to load: only once the input is valid and a request is due. */
export const azure = (): typeof import("../azure") => require("../azure") as typeof import("../azure");
export const jobs = (): typeof import("../aml-jobs") => require("../aml-jobs") as typeof import("../aml-jobs");

/** A shell word for printed commands. */
export const quote = (s: string) => (/^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The pipeline `--env`/`--stack`, `--pipeline` and `--app-dir` choose, resolved. Says which
 * subscription it uses when that came from ARM_SUBSCRIPTION_ID or the Azure CLI's default.
 */
export async function target(ctx: Context, args: Args): Promise<Target> {
  const appDir = str(args.values["app-dir"]);
  const app = ctx.environments(appDir);
  const env = selectEnvironment(app, { env: str(args.values.env), stack: str(args.values.stack) });
  const pipeline = selectPipeline(env, str(args.values.pipeline));
  const t = await pipeline.resolve(ctx.env);
  const select = [`--env ${env.name}`, ...(env.pipelines.length > 1 ? [`--pipeline ${pipeline.name}`] : []), ...(appDir !== undefined ? [`--app-dir ${quote(appDir)}`] : [])].join(" ");
  if (t.subscriptionSource === "the Azure CLI's default subscription" || t.subscriptionSource === "ARM_SUBSCRIPTION_ID") ctx.err(`Using subscription ${t.subscriptionId} (${t.subscriptionSource}).`);
  return { ...t, select };
}

/**
 * Runs `call` with the target's clients; an error becomes explain()'s sentence and exit 1, or 5 for
 * sign-in and permission failures. On Ctrl-C the error goes on to the dispatcher (exit 130).
 */
export async function withAzure(ctx: Context, t: Target, requestTimeoutMs: number, call: (c: Clients) => Promise<number>, kind: () => "create" | "read" = () => "read"): Promise<number> {
  try {
    return await call(ctx.clients(t));
  } catch (e) {
    if (ctx.signal.aborted || e instanceof UsageError) throw e;
    ctx.err(azure().explain(e, t, requestTimeoutMs / 1000, kind()));
    return azure().isAuthError(e) ? EXIT.auth : EXIT.failed;
  }
}

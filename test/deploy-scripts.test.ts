import { spawnSync } from "child_process";
import * as path from "path";
import { deployCommands, parseDeployArgs, UsageError } from "../scripts/deploy";
import { environments } from "../stacks/environments";

const env = environments[environments.length - 1].name;
const dir = path.join("cdktf.out", "stacks", env);
const line = (c: { cmd: string; args: readonly string[] }) => [c.cmd, ...c.args].join(" ");

describe("npm run plan / deploy: the commands they run", () => {
  test("plan: build, synthesize with plain node, init with the configured backend, plan to a file", () => {
    // The npm scripts build first; the commands then run the compiled app.
    const scripts = JSON.parse(require("fs").readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).scripts;
    expect([scripts.plan, scripts.deploy]).toEqual(["npm run --silent build && node dist/scripts/deploy.js plan", "npm run --silent build && node dist/scripts/deploy.js deploy"]);
    const commands = deployCommands(parseDeployArgs("plan", [env], environments));
    expect(commands.map(line)).toEqual([
      "node dist/main.js",
      `terraform -chdir=${dir} init -input=false -reconfigure`,
      `terraform -chdir=${dir} plan -input=false -out=tfplan`,
    ]);
    expect(commands[0].env).toEqual({ CHECKPOINT_DISABLE: "1" });
  });

  test("deploy: applies exactly the reviewed plan, after asking, unless --auto-approve", () => {
    const asked = deployCommands(parseDeployArgs("deploy", [env], environments));
    expect(line(asked[asked.length - 1])).toBe(`terraform -chdir=${dir} apply -input=false tfplan`);
    expect(asked[asked.length - 1].confirm).toBe(`Apply this plan to ${env}?`);
    const auto = deployCommands(parseDeployArgs("deploy", ["--auto-approve", env], environments));
    expect(auto[auto.length - 1].confirm).toBeUndefined();
  });

  test("--local-state synthesizes a local backend instead of the configured one", () => {
    const commands = deployCommands(parseDeployArgs("deploy", [env, "--local-state"], environments));
    expect(commands[0].env).toEqual({ CHECKPOINT_DISABLE: "1", AML_DATAPATH_LOCAL_STATE: "1" });
  });

  test.each([
    [[], /name one environment \(/],
    [["nosuchenv"], /unknown environment "nosuchenv": use one of /],
    [[env, "--force"], /unknown option --force/],
    [[env, "dev2"], /name one environment/],
  ])("usage errors before anything runs: %j", (argv, message) => {
    expect(() => parseDeployArgs("plan", argv, environments)).toThrow(UsageError);
    expect(() => parseDeployArgs("plan", argv, environments)).toThrow(message);
  });

  test("--auto-approve is not a plan option", () => {
    expect(() => parseDeployArgs("plan", [env, "--auto-approve"], environments)).toThrow(/unknown option --auto-approve/);
  });

  test("the synthesized stack has a local backend under state/ with --local-state, the configured one otherwise", () => {
    const root = path.join(__dirname, "..");
    const synth = (extra: NodeJS.ProcessEnv) => {
      const out = path.join(require("os").tmpdir(), `deploy-synth-${process.pid}-${Object.keys(extra).length}`);
      const r = spawnSync(process.execPath, ["--require", "ts-node/register", "main.ts"], { cwd: root, env: { ...process.env, ...extra, CDKTF_OUTDIR: out }, encoding: "utf8" });
      expect(r.status).toBe(0);
      const json = JSON.parse(require("fs").readFileSync(path.join(out, "stacks", env, "cdk.tf.json"), "utf8"));
      require("fs").rmSync(out, { recursive: true, force: true });
      return json.terraform.backend;
    };
    expect(synth({ AML_DATAPATH_LOCAL_STATE: "1" })).toEqual({ local: { path: `../../../state/${env}.tfstate` } });
    const cfg = environments.find((e) => e.name === env)!;
    expect(Object.keys(synth({}))).toEqual(cfg.backend ? ["azurerm"] : []);
  }, 60_000);
});

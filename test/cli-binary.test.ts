/**
 * The binary's wire contract: exit codes, stdout and stderr, and Ctrl-C, with bin/aml-datapath.js
 * run as a child process in another team's app, as the team has it: installed from the release
 * tarball (the compiled JavaScript; the shared build's npm pack, test/shared-build.ts). Only
 * production settings reach it: the cloud's
 * Resource Manager and AML API (AML_DATAPATH_ARM_ENDPOINT / AML_DATAPATH_AML_ENDPOINT, here the local
 * stand-in, whose certificate NODE_EXTRA_CA_CERTS trusts) and sign-in through the Azure CLI only
 * (AZURE_TOKEN_CREDENTIALS=AzureCliCredential), with a stand-in `az` on PATH that prints a token as
 * `az account get-access-token --output json` does. No other credential is tried (no managed identity
 * endpoint is probed).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeArm } from "./fake-arm";
import { appFolder, withArm } from "./cli-harness";
import { CONSUMER_OUTPUT, consumerIds, STAGING, synthConsumerApp } from "./fixtures/cli-consumer";
import { unpackInto } from "../scripts/install-routes";
import { sharedBuild } from "./shared-build";

let BIN: string;
const RUN = "11111111-2222-3333-4444-555555555555";
const ST = consumerIds("staging");

let app: string;
let azDir: string;
beforeAll(() => {
  app = appFolder("cli-binary", CONSUMER_OUTPUT);
  synthConsumerApp(app);
  BIN = path.join(unpackInto(sharedBuild().tarball, app), "bin", "aml-datapath.js");
  // The Azure CLI as the credential runs it: `az account get-access-token --output json --resource <arm>`.
  azDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-az-"));
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const token = JSON.stringify({ accessToken: "test-token", expiresOn: "2099-01-01 00:00:00.000000", expires_on: expires, subscription: "x", tenant: "t", tokenType: "Bearer" });
  fs.writeFileSync(path.join(azDir, "az"), `#!/bin/sh\necho "$@" >> "${path.join(azDir, "calls")}"\necho '${token}'\n`, { mode: 0o755 });
}, 240_000);
afterAll(() => {
  fs.rmSync(app, { recursive: true, force: true });
  fs.rmSync(azDir, { recursive: true, force: true });
});

jest.setTimeout(60_000);

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary in the team's app; `onStdout` may send it signals. */
function bin(args: string[], a?: { arm: FakeArm; url: string }, onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: app,
      env: {
        PATH: `${azDir}:/usr/bin:/bin`,
        HOME: azDir,
        AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
        ...(a ? { AML_DATAPATH_ARM_ENDPOINT: a.url, AML_DATAPATH_AML_ENDPOINT: a.url, NODE_EXTRA_CA_CERTS: a.arm.certFile } : {}),
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const run = (status: string) => ({ status: 200, body: { runId: RUN, status, durationInMs: 3000, parameters: { relative_path: "p", datastore_name: "input_data" } } });
const waiting = { status: 200, body: { value: [{ activityName: "Wait for job", activityType: "Until", status: "InProgress", activityRunStart: "2026-11-25T10:00:00Z" }] } };

describe("bin/aml-datapath.js", () => {
  test("run --follow: exit 0, progress and outcome on stdout, nothing on stderr; signed in through the Azure CLI", async () => {
    const arm = new FakeArm({ createRun: () => ({ status: 200, body: { runId: RUN } }), getRun: (_r, n) => run(n < 2 ? "InProgress" : "Succeeded"), queryActivityRuns: () => waiting });
    await withArm(arm, async (a) => {
      const r = await bin(["run", "--env", STAGING, "--path", "parquet/x", "--follow", "--poll", "0.05"], a);
      expect(arm.unexpected).toEqual([]);
      expect([r.code, r.stderr]).toEqual([0, ""]);
      expect(arm.calls("createRun").map((c) => c.path)).toEqual([`${ST.factoryId}/pipelines/team-b/createRun`]);
      expect(r.stdout).toContain(`Started run ${RUN} of team-b in ${ST.factory} on input_data:parquet/x`);
      expect(r.stdout).toMatch(/^\+\d+s Wait for job: InProgress$/m);
      expect(r.stdout).toContain(`Run ${RUN} succeeded in 3s.`);
      const calls = fs.readFileSync(path.join(azDir, "calls"), "utf8").trim().split("\n");
      expect(calls[0]).toBe(`account get-access-token --output json --resource ${a.url}`);
    });
  });

  test("Ctrl-C while following: exit 130, the run keeps going, stderr says how to follow it again", async () => {
    const arm = new FakeArm({ createRun: () => ({ status: 200, body: { runId: RUN } }), getRun: () => run("InProgress"), queryActivityRuns: () => waiting });
    await withArm(arm, async (a) => {
      let sent = false;
      const r = await bin(["run", "--env", STAGING, "--path", "parquet/x", "--follow", "--poll", "30"], a, (out, child) => {
        if (!sent && out.includes("Wait for job: InProgress")) {
          sent = true;
          child.kill("SIGINT");
        }
      });
      expect(r.code).toBe(130);
      expect(r.stderr).toContain(`Stopped following. Run ${RUN} keeps running in Data Factory`);
      expect(r.stderr).toContain(`Follow it again with: aml-datapath status ${RUN} --env ${STAGING} --follow`);
      expect(arm.unexpected).toEqual([]);
      expect(arm.calls("createRun")).toHaveLength(1);
    });
  });

  test("a usage error: exit 2, one line on stderr, nothing on stdout, nothing sent; --help: exit 0 on stdout", async () => {
    const r = await bin(["runs", "--env", STAGING, "--follow"]);
    expect([r.code, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toBe("aml-datapath: runs has no option --follow (run, status have it): `aml-datapath runs --help` lists its options\n");
    const help = await bin(["--help"]);
    expect([help.code, help.stderr]).toEqual([0, ""]);
    expect(help.stdout).toContain(`aml-datapath run --env <team-b-prod|${STAGING}> --path <path>`);
  });
});

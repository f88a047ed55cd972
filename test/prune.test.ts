import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armError, FakeArm } from "./fake-arm";
import { cli as inProcess, SUB, sampleApp } from "./cli-harness";
import { checkKeep, planPrune } from "../cli/prune";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig } from "../stacks/environments";

// Named as the stack names them, from the dev config.
const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const EP = N.batchEndpoint;
const ENDPOINT = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}/batchEndpoints/${EP}`;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process in the sample app (dev synthesized) against the ARM stand-in. */
async function cli(arm: FakeArm, url: string, args: string[]): Promise<Result> {
  const r = await inProcess(args, { arm: { arm, url }, cwd: sampleApp([devConfig]) });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

/** `handlers` gets the stand-in's base URL (for nextLinks). */
async function withArm(handlers: (base: () => string) => ConstructorParameters<typeof FakeArm>[0], body: (arm: FakeArm, url: string) => Promise<void>): Promise<void> {
  let base = "";
  const arm = new FakeArm(handlers(() => base));
  base = await arm.start();
  try {
    await body(arm, base);
  } finally {
    await arm.stop();
  }
}

const deployment = (name: string, createdAt: string, provisioningState = "Succeeded") => ({
  id: `${ENDPOINT}/deployments/${name}`,
  name,
  type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments",
  systemData: { createdAt, createdByType: "Application" },
  properties: { provisioningState, deploymentConfiguration: { deploymentConfigurationType: "PipelineComponent" } },
});
const endpoint = (defaultDeployment: string) => ({ status: 200, body: { id: ENDPOINT, name: EP, properties: { provisioningState: "Succeeded", defaults: { deploymentName: defaultDeployment } } } });
const page = (value: unknown[], nextLink?: string) => ({ status: 200, body: nextLink ? { value, nextLink } : { value } });
const deleted = (arm: FakeArm) => arm.calls("deleteBatchDeployment").map((c) => c.path.slice(`${ENDPOINT}/deployments/`.length));
const lines = (text: string) => text.trim().split("\n");

jest.setTimeout(30_000);

describe("aml-datapath prune-deployments against the ARM stand-in", () => {
  // Five deployments over two pages: the default is the newest, one old one is still updating.
  const fiveOverTwoPages = (base: () => string) => ({
    getBatchEndpoint: () => endpoint("pipeline-5e"),
    listBatchDeployments: (_r: unknown, n: number) =>
      n === 1
        ? page([deployment("pipeline-5e", "2026-05-01T00:00:00Z"), deployment("pipeline-2b", "2026-02-01T00:00:00Z", "Failed")], `${base()}${ENDPOINT}/deployments?api-version=2024-04-01&$skipToken=page2`)
        : page([deployment("pipeline-1a", "2026-01-01T00:00:00Z"), deployment("pipeline-4d", "2026-04-01T00:00:00Z"), deployment("pipeline-3c", "2026-03-01T00:00:00Z", "Updating")]),
    deleteBatchDeployment: (_r: unknown, n: number) => ({ status: n === 1 ? 202 : 204, headers: { location: "https://127.0.0.1:1/never-polled", "retry-after": "10" } }),
  });

  test("--keep 2 (the default): keeps the default and the one before, deletes exactly the older ones, oldest first, never one still provisioning", async () => {
    await withArm(fiveOverTwoPages, async (arm, url) => {
      const r = await cli(arm, url, ["prune-deployments", "--env", "dev"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toEqual(["keep pipeline-5e (default)", "keep pipeline-4d", "keep pipeline-3c (Updating)", "delete pipeline-1a", "delete pipeline-2b (Failed)"]);
      expect(deleted(arm)).toEqual(["pipeline-1a", "pipeline-2b"]);
      // The documented routes, all with the stable 2024-04-01 API; the second page through its nextLink.
      expect(arm.calls("getBatchEndpoint").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["GET", ENDPOINT, "2024-04-01"]]);
      const lists = arm.calls("listBatchDeployments");
      expect(lists.map((c) => [c.method, c.path, c.apiVersion])).toEqual([
        ["GET", `${ENDPOINT}/deployments`, "2024-04-01"],
        ["GET", `${ENDPOINT}/deployments`, "2024-04-01"],
      ]);
      expect(new URLSearchParams(lists[1].query).get("$skipToken")).toBe("page2");
      expect(arm.calls("deleteBatchDeployment").every((c) => c.method === "DELETE" && c.apiVersion === "2024-04-01")).toBe(true);
      expect(r.stderr).toContain(`Deletion requested for 2 of 2 deployment(s) of batch endpoint ${EP}`);
    });
  });

  test("Ctrl-C before the deletions: exit 130, nothing deleted, says to run it again", async () => {
    let url = "";
    const arm = new FakeArm(fiveOverTwoPages(() => url));
    url = await arm.start();
    try {
      const r = await inProcess(["prune-deployments", "--env", "dev"], {
        arm: { arm, url },
        cwd: sampleApp([devConfig]),
        onOut: (line, abort) => line === "delete pipeline-2b (Failed)" && abort(),
      });
      expect(r.code).toBe(130);
      expect(arm.calls("deleteBatchDeployment")).toEqual([]);
      expect(r.err).toContain(`Interrupted: deletion requested for 0 of 2 deployment(s) of batch endpoint ${EP}; run prune-deployments again for the rest.`);
    } finally {
      await arm.stop();
    }
  });

  test("--dry-run: the same lines, nothing deleted", async () => {
    await withArm(fiveOverTwoPages, async (arm, url) => {
      const r = await cli(arm, url, ["prune-deployments", "--env", "dev", "--dry-run"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toEqual(["keep pipeline-5e (default)", "keep pipeline-4d", "keep pipeline-3c (Updating)", "delete pipeline-1a", "delete pipeline-2b (Failed)"]);
      expect(arm.calls("deleteBatchDeployment")).toEqual([]);
      expect(r.stderr).toContain("Dry run: 2 deployment(s)");
      expect(r.stderr).toContain("nothing was deleted");
    });
  });

  test("the default is kept even when it is not the newest (after a rollback)", async () => {
    await withArm(
      () => ({
        getBatchEndpoint: () => endpoint("pipeline-2b"),
        listBatchDeployments: () =>
          page([
            deployment("pipeline-4d", "2026-04-01T00:00:00Z"),
            deployment("pipeline-3c", "2026-03-01T00:00:00Z"),
            deployment("pipeline-2b", "2026-02-01T00:00:00Z"),
            deployment("pipeline-1a", "2026-01-01T00:00:00Z"),
          ]),
        deleteBatchDeployment: () => ({ status: 200 }),
      }),
      async (arm, url) => {
        const r = await cli(arm, url, ["prune-deployments", "--env", "dev", "--keep", "2"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        expect(lines(r.stdout)).toEqual(["keep pipeline-2b (default)", "keep pipeline-4d", "delete pipeline-1a", "delete pipeline-3c"]);
        expect(deleted(arm)).toEqual(["pipeline-1a", "pipeline-3c"]);
      },
    );
  });

  test("--keep 1: only the default (and what is still provisioning) stays", async () => {
    await withArm(
      () => ({
        getBatchEndpoint: () => endpoint("pipeline-3c"),
        listBatchDeployments: () =>
          page([
            deployment("pipeline-1a", "2026-01-01T00:00:00Z"),
            deployment("pipeline-0z", "2025-12-01T00:00:00Z", "Deleting"),
            deployment("pipeline-3c", "2026-03-01T00:00:00Z"),
            deployment("pipeline-2b", "2026-02-01T00:00:00Z"),
          ]),
        deleteBatchDeployment: () => ({ status: 202 }),
      }),
      async (arm, url) => {
        const r = await cli(arm, url, ["prune-deployments", "--env", "dev", "--keep", "1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        expect(lines(r.stdout)).toEqual(["keep pipeline-3c (default)", "keep pipeline-0z (Deleting)", "delete pipeline-1a", "delete pipeline-2b"]);
        expect(deleted(arm)).toEqual(["pipeline-1a", "pipeline-2b"]);
      },
    );
  });

  test("a 403 reading the endpoint: one sentence naming the role, exit 5, nothing deleted", async () => {
    await withArm(
      () => ({ getBatchEndpoint: () => ({ status: 403, body: armError("AuthorizationFailed", "no access") }) }),
      async (arm, url) => {
        const r = await cli(arm, url, ["prune-deployments", "--env", "dev"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(5);
        expect(r.stdout).toBe("");
        expect(lines(r.stderr)).toEqual([
          `Access denied (HTTP 403) on batch endpoint ${EP} in workspace ${N.mlWorkspace} (resource group ${N.resourceGroup}, subscription ${SUB}): deleting deployments needs a role such as "AzureML Data Scientist" on the workspace ("Reader" is enough for --dry-run).`,
        ]);
      },
    );
  });

  test("a 403 on the first delete: stops there (the others would fail alike), exit 5", async () => {
    await withArm(
      () => ({
        getBatchEndpoint: () => endpoint("pipeline-3c"),
        listBatchDeployments: () => page(["1a", "2b", "3c"].map((s, i) => deployment(`pipeline-${s}`, `2026-0${i + 1}-01T00:00:00Z`))),
        deleteBatchDeployment: () => ({ status: 403, body: armError("AuthorizationFailed", "read only") }),
      }),
      async (arm, url) => {
        const r = await cli(arm, url, ["prune-deployments", "--env", "dev", "--keep", "1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(5);
        expect(deleted(arm)).toEqual(["pipeline-1a"]);
        expect(r.stderr).toContain("Deployment pipeline-1a was not deleted: Access denied (HTTP 403)");
      },
    );
  });

  test("no such endpoint (404): says whether the environment is deployed, exit 1", async () => {
    await withArm(
      () => ({ getBatchEndpoint: () => ({ status: 404, body: armError("ResourceNotFound", "not found") }) }),
      async (arm, url) => {
        const r = await cli(arm, url, ["prune-deployments", "--env", "dev"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`Not found (HTTP 404): batch endpoint ${EP} in workspace ${N.mlWorkspace}`);
        expect(r.stderr).toContain("Is the dev environment deployed?");
      },
    );
  });
});

describe("prune-deployments without Azure", () => {
  const offline = async (args: string[], cwd = sampleApp([devConfig])) => {
    // No stand-in: a request would fail the test.
    const r = await inProcess(args, { cwd });
    return { code: r.code, out: r.out, err: r.err };
  };

  test.each([["0"], ["-1"], ["1.5"], ["two"], [""]])("--keep %j is a usage error, before any request", async (keep) => {
    const r = await offline(["prune-deployments", "--env", "dev", `--keep=${keep}`]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--keep "${keep}" must be a whole number >= 1`);
  });

  test("an environment on the classic pipeline endpoint has no deployments to prune: usage error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "classic-app-"));
    const rg = `/subscriptions/${SUB}/resourceGroups/rg-legacy`;
    fs.writeFileSync(
      path.join(dir, "aml-datapath.json"),
      JSON.stringify({
        environments: [
          {
            name: "legacy",
            data_factory_id: `${rg}/providers/Microsoft.DataFactory/factories/adf-legacy`,
            adf_pipeline_name: "datapath",
            workspace_id: `${rg}/providers/Microsoft.MachineLearningServices/workspaces/mlw-legacy`,
            location: "westeurope",
            input_datastore_name: "input_data",
            invocation_style: "classicPipelineEndpoint",
          },
        ],
      }),
    );
    try {
      const r = await offline(["prune-deployments", "--env", "legacy"], dir);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`environment "legacy" starts runs through a classic pipeline endpoint`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("help lists the command and its options", async () => {
    const usage = await offline(["help"]);
    expect(usage.out).toContain("aml-datapath prune-deployments --env <dev> [--keep <n>] [--dry-run]");
    const help = await offline(["prune-deployments", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--keep <n>");
    expect(help.out).toContain("--dry-run");
  });

  test("the plan: a deployment without a creation time is never deleted; equal times fall back to the name", () => {
    const d = (name: string, createdAt?: string, provisioningState = "Succeeded") => ({ name, createdAt, provisioningState });
    expect(planPrune([d("a", "2026-01-01T00:00:00Z"), d("b"), d("c", "2026-01-01T00:00:00Z"), d("cur", "2026-02-01T00:00:00Z")], "cur", 1)).toEqual([
      { action: "keep", name: "cur", note: "default" },
      { action: "keep", name: "b", note: "no creation time" },
      { action: "delete", name: "c" },
      { action: "delete", name: "a" },
    ]);
  });

  test("--keep defaults to the environment's pipeline.deploymentRetention, else 2", () => {
    expect([checkKeep(undefined), checkKeep(undefined, 3), checkKeep("1", 3)]).toEqual([2, 3, 1]);
  });

  test("a deployment that failed to provision fills no keep slot: the one before is a working rollback target", () => {
    const at = (name: string, day: number, state: string) => ({ name, createdAt: `2026-01-${String(day).padStart(2, "0")}T00:00:00Z`, provisioningState: state });
    expect(planPrune([at("old", 1, "Succeeded"), at("broken", 2, "Failed"), at("cur", 3, "Succeeded")], "cur", 2)).toEqual([
      { action: "keep", name: "cur", note: "default" },
      { action: "keep", name: "old" },
      { action: "delete", name: "broken", note: "Failed" },
    ]);
  });
});

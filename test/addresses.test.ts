import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { DatapathStack } from "../stacks/datapath-stack";
import { environments } from "../stacks/environments";
import { addressChanges, statefulAddresses } from "./address-stability";
import { synthJson } from "./helpers";
import { declareMove } from "../lib/core/moves";

// The recorded addresses are a lock file: a change to them is a reviewed decision, never a side effect of a refactor.
const RECORDED = JSON.parse(fs.readFileSync(path.join(__dirname, "stateful-addresses.json"), "utf8")) as Record<string, string[]>;

describe.each(environments.map((e) => [e.name, e] as const))("%s", (name, cfg) => {
  test("stateful resources keep their Terraform addresses", () => {
    const json = synthJson(new DatapathStack(Testing.app(), name, cfg));
    if (RECORDED[name] === undefined) throw new Error(`no recorded stateful addresses for environment "${name}": review the new stack, then run npm run addresses:update`);
    expect(addressChanges(RECORDED[name], json)).toEqual([]);
  });
});

describe("the address check", () => {
  const account = (stack: TerraformStack, id: string) =>
    new StorageAccount(stack, id, { name: "stdemo", resourceGroupName: "rg", location: "westeurope", accountTier: "Standard", accountReplicationType: "LRS" });

  test("a silent rename is caught, with instructions", () => {
    const before = new TerraformStack(Testing.app(), "s");
    account(before, "data");
    const recorded = statefulAddresses(synthJson(before));
    const after = new TerraformStack(Testing.app(), "s");
    account(after, "renamed-data");
    const problems = addressChanges(recorded, synthJson(after));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^azurerm_storage_account\.data(_[0-9A-F]{8})? is gone: .* declare it with declareMove\(scope, "azurerm_storage_account\.data/);
    expect(problems[1]).toMatch(/^azurerm_storage_account\.renamed-data(_[0-9A-F]{8})? is new/);
  });

  test("an intentional move is declared with declareMove (a moved block) and accepted", () => {
    const before = new TerraformStack(Testing.app(), "s");
    account(before, "data");
    const recorded = statefulAddresses(synthJson(before));
    const after = new TerraformStack(Testing.app(), "s");
    const renamed = account(after, "renamed-data");
    declareMove(renamed, recorded[0], `${renamed.terraformResourceType}.${renamed.friendlyUniqueId}`);
    const json = synthJson(after);
    expect((json as unknown as { moved: unknown[] }).moved).toEqual([{ from: recorded[0], to: statefulAddresses(json)[0] }]);
    expect(addressChanges(recorded, json)).toEqual([]);
  });
});

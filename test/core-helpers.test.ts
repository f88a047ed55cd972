// The small helpers every construct and rule leans on, each pinned where mutation testing found a
// change no other test noticed (docs/mutation.md).
import { Token } from "cdktf";
import { get, isOnlyReference, isToken } from "../lib/aspects/rule";
import { ALL_RULES } from "../lib/aspects/all-rules";
import { AzapiResource, AzapiResourceAction, escapeTemplateString, escapeTemplates } from "../lib/core/azapi";
import { AML_VM_SIZES, AZURE_REGIONS } from "../lib/core/azure-lists";
import { declareMove } from "../lib/core/moves";
import { readSourceFiles } from "../lib/pipeline/content-hash";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bareStack, resourcesOf, synthJson } from "./helpers";

describe("rule attribute lookup", () => {
  test("a block written as a one-element list is entered; a list of several blocks is returned as the list", () => {
    const attrs = { identity: [{ type: "SystemAssigned" }], rule: [{ name: "a" }, { name: "b" }], ids: ["x"], nested: [{ inner: [{ on: true }] }] };
    expect(get(attrs, "identity")).toEqual({ type: "SystemAssigned" });
    expect(get(attrs, "identity.type")).toBe("SystemAssigned");
    expect(get(attrs, "rule")).toEqual([{ name: "a" }, { name: "b" }]);
    // Which of several blocks is meant is unknown: no value, rather than the first block's.
    expect(get(attrs, "rule.name")).toBeUndefined();
    // A list of plain values stays a list, even of one.
    expect(get(attrs, "ids")).toEqual(["x"]);
    expect(get(attrs, "nested.inner.on")).toBe(true);
    expect(get(attrs, "identity.type.more")).toBeUndefined();
    expect(get(attrs, "missing.deeper")).toBeUndefined();
  });

  test("isToken is true only for string tokens (cdktf counts number tokens too); a number token is still only a reference", () => {
    const stringToken = Token.asString({ resolve: () => "x" });
    const numberToken = Token.asNumber({ resolve: () => 1 });
    expect(isToken(stringToken)).toBe(true);
    expect(isToken("plain")).toBe(false);
    expect(isToken(numberToken)).toBe(false);
    expect(isToken(42)).toBe(false);
    expect(isOnlyReference(stringToken)).toBe(true);
    expect(isOnlyReference(`${stringToken}-suffix`)).toBe(false);
    expect(isOnlyReference(numberToken)).toBe(true);
    expect(isOnlyReference(42)).toBe(false);
    expect(isOnlyReference("plain")).toBe(false);
  });
});

describe("azapi resources", () => {
  test("Terraform template sequences in literal text are escaped; cdktf references are not", () => {
    expect(escapeTemplateString("${{inputs.data}} %{if x} ${TfToken[TOKEN.1]}")).toBe("$${{inputs.data}} %%{if x} ${TfToken[TOKEN.1]}");
    expect(escapeTemplates({ a: ["${x}", { b: "%{y}" }], n: 1, z: null })).toEqual({ a: ["$${x}", { b: "%%{y}" }], n: 1, z: null });
  });

  test("an identity without ids is written with an empty id list; given ids are written", () => {
    const stack = bareStack();
    const ids = ["/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a"];
    new AzapiResource(stack, "system", { type: "Microsoft.X/y@2024-01-01", name: "s", parentId: "/p", body: {}, identity: { type: "SystemAssigned" } });
    new AzapiResource(stack, "user", { type: "Microsoft.X/y@2024-01-01", name: "u", parentId: "/p", body: {}, identity: { type: "UserAssigned", identityIds: ids } });
    new AzapiResource(stack, "none", { type: "Microsoft.X/y@2024-01-01", name: "n", parentId: "/p", body: {} });
    const r = resourcesOf(synthJson(stack), "azapi_resource");
    expect(r.system.identity).toEqual({ type: "SystemAssigned", identity_ids: [] });
    expect(r.user.identity).toEqual({ type: "UserAssigned", identity_ids: ids });
    expect(r.none.identity).toBeUndefined();
  });

  test("an action is sent on apply unless told otherwise", () => {
    const stack = bareStack();
    new AzapiResourceAction(stack, "put", { type: "Microsoft.X/y@2024-01-01", resourceId: "/r", method: "PUT", body: { v: "${x}" } });
    new AzapiResourceAction(stack, "gone", { type: "Microsoft.X/y@2024-01-01", resourceId: "/r", method: "POST", action: "cancel", when: "destroy" });
    const r = resourcesOf(synthJson(stack), "azapi_resource_action");
    expect(r.put).toMatchObject({ when: "apply", method: "PUT", body: { v: "$${x}" } });
    expect(r.gone).toMatchObject({ when: "destroy", action: "cancel" });
    expect(r.gone.body).toBeUndefined();
  });
});

describe("declared moves", () => {
  test("a move declared twice is written once; moves are sorted by destination; a move to itself is none", () => {
    const stack = bareStack();
    declareMove(stack, "azurerm_storage_account.old_b", "azurerm_storage_account.new_b");
    declareMove(stack, "azurerm_storage_account.old_a", "azurerm_storage_account.new_a");
    declareMove(stack, "azurerm_storage_account.old_b", "azurerm_storage_account.new_b");
    declareMove(stack, "azurerm_storage_account.same", "azurerm_storage_account.same");
    expect((synthJson(stack) as { moved?: unknown }).moved).toEqual([
      { from: "azurerm_storage_account.old_a", to: "azurerm_storage_account.new_a" },
      { from: "azurerm_storage_account.old_b", to: "azurerm_storage_account.new_b" },
    ]);
  });
});

describe("reference tables", () => {
  test("every region and VM size is a well-formed Azure name (a blank or mangled entry would admit nonsense)", () => {
    expect(AZURE_REGIONS.size).toBeGreaterThan(50);
    for (const r of AZURE_REGIONS) expect(r).toMatch(/^[a-z]+[a-z0-9]*$/);
    expect(AML_VM_SIZES.size).toBeGreaterThan(100);
    for (const s of AML_VM_SIZES) expect(s).toMatch(/^standard_[a-z]+[0-9]+[a-z]*(_[a-z0-9]+)*$/);
  });

  test("every rule names the public rules it mirrors in their own id formats", () => {
    const formats = [/^CKV2?_AZURE_\d+$/, /^AZU-\d{4}$/, /^Azure Policy [0-9a-f]{8}( \([a-z ]+\))?$/];
    for (const rule of ALL_RULES) {
      for (const id of rule.mirrors) expect({ rule: rule.id, id, ok: formats.some((f) => f.test(id)) }).toEqual({ rule: rule.id, id, ok: true });
    }
    expect(ALL_RULES.filter((r) => r.mirrors.length > 0).length).toBeGreaterThan(30);
  });
});

describe("shipped source files", () => {
  test("a Windows checkout (CRLF) reads the same as a Unix one, so the content hash does not change with the machine", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "crlf-"));
    try {
      fs.mkdirSync(path.join(dir, "win"));
      fs.mkdirSync(path.join(dir, "unix"));
      fs.writeFileSync(path.join(dir, "win", "b.py"), "import os\r\nprint(os.sep)\r\n");
      fs.writeFileSync(path.join(dir, "win", "a.py"), "x = 1\r\n");
      fs.writeFileSync(path.join(dir, "unix", "b.py"), "import os\nprint(os.sep)\n");
      fs.writeFileSync(path.join(dir, "unix", "a.py"), "x = 1\n");
      const unix = readSourceFiles(path.join(dir, "unix"), ["b.py", "a.py"]);
      expect(unix).toEqual([
        { name: "a.py", content: "x = 1\n" },
        { name: "b.py", content: "import os\nprint(os.sep)\n" },
      ]);
      expect(readSourceFiles(path.join(dir, "win"), ["b.py", "a.py"])).toEqual(unix);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

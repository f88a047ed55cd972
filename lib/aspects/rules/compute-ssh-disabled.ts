import { attributeRule } from "../rule";

/** No SSH access to the nodes: `ssh_public_access_enabled = false` and no `ssh` block. Our own rule (checkov has none). */
export const computeSshDisabled = attributeRule({
  id: "compute-ssh-disabled",
  mirrors: [],
  resourceType: "azurerm_machine_learning_compute_cluster",
  attribute: "ssh_public_access_enabled",
  fix: "set ssh_public_access_enabled = false and remove the ssh block",
  ok: (v, attrs) => v === false && attrs.ssh === undefined,
});

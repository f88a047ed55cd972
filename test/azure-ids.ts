/** ARM ids for tests that pass existing resources by id, built one way everywhere. */
export const armIds = (subscription: string, resourceGroup: string) => {
  const rg = `/subscriptions/${subscription}/resourceGroups/${resourceGroup}`;
  const storage = (account: string) => `${rg}/providers/Microsoft.Storage/storageAccounts/${account}`;
  return {
    resourceGroup: rg,
    workspace: (name: string) => `${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}`,
    storage,
    container: (account: string, name: string) => `${storage(account)}/blobServices/default/containers/${name}`,
    keyVault: (name: string) => `${rg}/providers/Microsoft.KeyVault/vaults/${name}`,
    factory: (name: string) => `${rg}/providers/Microsoft.DataFactory/factories/${name}`,
    subnet: (vnet: string, name: string) => `${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${name}`,
  };
};

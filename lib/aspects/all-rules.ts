// Every rule of the pack, one file each (docs/security.md maps them to checkov, trivy and Azure Policy).
import { alertReceiverConfigured } from "./rules/alert-receiver-configured";
import { appInsightsLocalAuthDisabled } from "./rules/app-insights-local-auth-disabled";
import { computeNoPublicIp } from "./rules/compute-no-public-ip";
import { computeLocalAuthDisabled } from "./rules/compute-local-auth-disabled";
import { computeScaleToZero } from "./rules/compute-scale-to-zero";
import { computeSshDisabled } from "./rules/compute-ssh-disabled";
import { containerRegistryAdminDisabled } from "./rules/container-registry-admin-disabled";
import { containerRegistryAnonymousPullDisabled } from "./rules/container-registry-anonymous-pull-disabled";
import { containerRegistryPublicNetworkDisabled } from "./rules/container-registry-public-network-disabled";
import { containerRegistryZoneRedundant } from "./rules/container-registry-zone-redundant";
import { dataFactoryGitIntegration } from "./rules/data-factory-git-integration";
import { dataFactoryLinkedServiceMsi } from "./rules/data-factory-linked-service-msi";
import { dataFactoryManagedIdentity } from "./rules/data-factory-managed-identity";
import { dataFactoryPublicNetworkDisabled } from "./rules/data-factory-public-network-disabled";
import { diagnosticSettingConfigured } from "./rules/diagnostic-setting-configured";
import { keyVaultNetworkDefaultDeny } from "./rules/key-vault-network-default-deny";
import { keyVaultPublicNetworkDisabled } from "./rules/key-vault-public-network-disabled";
import { keyVaultPurgeProtection } from "./rules/key-vault-purge-protection";
import { keyVaultRbacAuthorization } from "./rules/key-vault-rbac-authorization";
import { keyVaultSoftDeleteRetention } from "./rules/key-vault-soft-delete-retention";
import { mlWorkspaceApprovedOutboundOnly } from "./rules/ml-workspace-approved-outbound-only";
import { mlWorkspaceCustomerManagedKey } from "./rules/ml-workspace-customer-managed-key";
import { mlWorkspaceManagedNetworkEnabled } from "./rules/ml-workspace-managed-network-enabled";
import { mlWorkspacePublicNetworkDisabled } from "./rules/ml-workspace-public-network-disabled";
import { privateEndpointConfigured } from "./rules/private-endpoint-configured";
import { roleAssignmentLeastPrivilege } from "./rules/role-assignment-least-privilege";
import { statefulPreventDestroy } from "./rules/stateful-prevent-destroy";
import { storageBlobSoftDelete } from "./rules/storage-blob-soft-delete";
import { storageBlobVersioning } from "./rules/storage-blob-versioning";
import { storageContainerPrivate } from "./rules/storage-container-private";
import { storageContainerSoftDelete } from "./rules/storage-container-soft-delete";
import { storageGeoRedundantReplication } from "./rules/storage-geo-redundant-replication";
import { storageHttpsOnly } from "./rules/storage-https-only";
import { storageInfrastructureEncryption } from "./rules/storage-infrastructure-encryption";
import { storageLocalUsersDisabled } from "./rules/storage-local-users-disabled";
import { storageMinTls12 } from "./rules/storage-min-tls-1-2";
import { storageNetworkDefaultDeny } from "./rules/storage-network-default-deny";
import { storageNoPublicBlobAccess } from "./rules/storage-no-public-blob-access";
import { storagePublicNetworkDisabled } from "./rules/storage-public-network-disabled";
import { storageSasExpirationPolicy } from "./rules/storage-sas-expiration-policy";
import { storageSharedKeyDisabled } from "./rules/storage-shared-key-disabled";
import { storageTrustedServicesBypass } from "./rules/storage-trusted-services-bypass";
import { subnetNetworkSecurityGroup } from "./rules/subnet-network-security-group";
import { Rule } from "./rule";

export const ALL_RULES: readonly Rule[] = [
  alertReceiverConfigured,
  appInsightsLocalAuthDisabled,
  computeNoPublicIp,
  computeLocalAuthDisabled,
  computeScaleToZero,
  computeSshDisabled,
  containerRegistryAdminDisabled,
  containerRegistryAnonymousPullDisabled,
  containerRegistryPublicNetworkDisabled,
  containerRegistryZoneRedundant,
  dataFactoryGitIntegration,
  dataFactoryLinkedServiceMsi,
  dataFactoryManagedIdentity,
  dataFactoryPublicNetworkDisabled,
  diagnosticSettingConfigured,
  keyVaultNetworkDefaultDeny,
  keyVaultPublicNetworkDisabled,
  keyVaultPurgeProtection,
  keyVaultRbacAuthorization,
  keyVaultSoftDeleteRetention,
  mlWorkspaceApprovedOutboundOnly,
  mlWorkspaceCustomerManagedKey,
  mlWorkspaceManagedNetworkEnabled,
  mlWorkspacePublicNetworkDisabled,
  privateEndpointConfigured,
  roleAssignmentLeastPrivilege,
  statefulPreventDestroy,
  storageBlobSoftDelete,
  storageBlobVersioning,
  storageContainerPrivate,
  storageContainerSoftDelete,
  storageGeoRedundantReplication,
  storageHttpsOnly,
  storageInfrastructureEncryption,
  storageLocalUsersDisabled,
  storageMinTls12,
  storageNetworkDefaultDeny,
  storageNoPublicBlobAccess,
  storagePublicNetworkDisabled,
  storageSasExpirationPolicy,
  storageSharedKeyDisabled,
  storageTrustedServicesBypass,
  subnetNetworkSecurityGroup,
];

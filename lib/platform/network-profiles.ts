/**
 * Network profiles an environment is built on: `public` works without private networking (dev);
 * `private` turns public access off and reaches everything through private endpoints (test, prod).
 * The security rule pack judges some rules by profile.
 */
export const NETWORK_PROFILES = ["public", "private"] as const;
export type NetworkProfile = (typeof NETWORK_PROFILES)[number];

/** Platform constructs: the ML workspace (storage, key vault, monitoring), datastores, compute cluster, data factory, private networking, diagnostics, alerts and saved queries. */
export * from "./ml-workspace";
export * from "./blob-datastore";
export * from "./compute-cluster";
export * from "./data-factory";
export * from "./private-endpoints";
export * from "./workspace-outbound-rules";
export * from "./virtual-network";
export * from "./diagnostics";
export * from "./alerts";
export * from "./saved-queries";
export * from "./network-profiles";

/** Platform constructs: the ML workspace (storage, key vault, monitoring), datastores, compute cluster, data factory, private networking. */
export * from "./ml-workspace";
export * from "./blob-datastore";
export * from "./compute-cluster";
export * from "./data-factory";
export * from "./private-endpoints";
export * from "./workspace-outbound-rules";
export * from "./virtual-network";

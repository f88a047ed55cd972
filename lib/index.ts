/** aml-datapath-pipeline: constructs for an Azure ML batch platform and its data-path pipeline. */
export * from "./core";
export * from "./platform";
export * from "./pipeline";
export * from "./aspects";

/** The data-path pipeline: the DatapathPipeline construct and the pieces it is composed of (assets, batch endpoint, ADF pipeline and activities, triggers, code store). */
export * from "./datapath-pipeline";
export * from "./component-specs";
export * from "./aml-assets";
export * from "./adf-activities";
export * from "./adf-pipeline";
export * from "./adf-triggers";
export * from "./batch-endpoint";
export * from "./pipeline-assets";
export * from "./code-access";
export * from "./content-hash";
export * from "./naming";
export * from "./cli-manifest";

/** Default names a `DatapathPipeline` derives from its (lowercase, `_`-separated) name. */
export const pipelineDefaults = {
  /** The ADF pipeline (the CLI finds it by this name too). */
  adfPipelineName: (pipelineName: string): string => pipelineName.replace(/_/g, "-"),
};

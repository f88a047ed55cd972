/** The architecture diagram model built from a synthesized stack. */
export * from "./diagram-model";
export * from "./data-flow";

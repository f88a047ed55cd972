/** Core helpers every construct uses: azapi bindings, provider wiring, naming, validation, roles. */
export * from "./azapi";
export * from "./naming";
export * from "./validation";
export * from "./roles";
export * from "./providers";
export * from "./tokens";
export * from "./azure-lists";
export * from "./moves";
export * from "./paths";
export * from "./arm";

/**
 * Core helpers every construct uses: azapi bindings, provider wiring, naming, validation, roles, ARM ids.
 * Internals (address moves, token text, path lookup) are imported by path inside the library and are
 * not part of the public API.
 */
export * from "./azapi";
export * from "./naming";
export * from "./validation";
export * from "./roles";
export * from "./providers";
export * from "./azure-lists";
export * from "./arm";

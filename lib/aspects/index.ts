/** The security rule pack: rules (one file each) and the aspect that applies them. */
export * from "./security-pack";
export * from "./rule";
export { ALL_RULES } from "./all-rules";

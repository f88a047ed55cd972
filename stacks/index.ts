/** One stack per environment: the stack class, the environment config it takes, and the app helpers. */
export * from "./datapath-stack";
export * from "./config";
export * from "./app";

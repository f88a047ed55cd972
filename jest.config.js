/** Types are checked once by `tsc --noEmit` in `npm test`; jest only transpiles (isolated modules) to stay fast. */
module.exports = {
  testEnvironment: "node",
  // One worker per core (jest's default leaves one free: a single worker on 2 cores).
  maxWorkers: "100%",
  testSequencer: "<rootDir>/test/sequencer.js",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "ts-jest",
    "@azure/arm-[a-z]+/dist-esm/src/models/mappers\\.js$": "<rootDir>/test/esm-mappers-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!@azure/arm-[a-z]+/dist-esm/src/models/mappers\\.js$)"],
  setupFiles: ["<rootDir>/test/setup-token-traces.js"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
};

/** Types are checked once by `tsc --noEmit` in `npm test`; jest only transpiles (isolated modules) to stay fast. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "ts-jest",
    "@azure/arm-[a-z]+/dist-esm/src/models/mappers\\.js$": "<rootDir>/test/esm-mappers-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!@azure/arm-[a-z]+/dist-esm/src/models/mappers\\.js$)"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
};

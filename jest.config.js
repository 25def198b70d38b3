/** Unit tests and end-to-end tests; `test/` mirrors `lib/`. See README "Development". */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
  testTimeout: 30000,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.js"],
};

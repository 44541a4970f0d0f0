/** Jest projects: `npm test` runs unit + conformance + e2e; `npm run test:interop` runs real peers. */
const transform = {
  '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
};
const base = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...base, displayName: 'interop', testMatch: ['<rootDir>/test/interop/**/*.test.ts'] },
  ],
};

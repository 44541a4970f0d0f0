/**
 * Runs examples/vendor-endpoint.test.ts inside `npm test` (jest's testMatch covers test/ only):
 * requiring it registers its describe blocks here, so the example cannot rot.
 */
require('../../examples/vendor-endpoint.test');

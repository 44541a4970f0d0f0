/**
 * Digest authentication (RFC 2617, RFC 7616, RFC 8760) for SIP: challenge parsing, response
 * computation, a stateful client for 401/407 handling and a server for test agents. Strings in,
 * strings out: nothing here depends on the SIP message layer.
 * @packageDocumentation
 */
export { type DigestAlgorithm, DIGEST_ALGORITHMS, normalizeDigestAlgorithm } from './algorithm';
export { type DigestChallenge, type DigestChallengeFields, parseChallenges, formatChallenge } from './challenge';
export { type DigestCredentials, parseAuthorization } from './credentials';
export {
  type DigestQop,
  type DigestBody,
  type DigestComputation,
  type DigestComputed,
  type CreateAuthorizationOptions,
  createAuthorization,
  computeDigestResponse,
  computeDigestHa1,
  computeDigestUserhash,
} from './response';
export {
  type DigestAuthHeaderName,
  type DigestAuthHeader,
  type DigestChallengeHeaders,
  type DigestClientRequest,
  type DigestClientOptions,
  DigestClient,
} from './client';
export {
  type DigestHashName,
  type DigestUserSecret,
  type DigestUsers,
  type DigestServerOptions,
  type DigestServerChallenge,
  type DigestVerifyFailureReason,
  type DigestVerifySuccess,
  type DigestVerifyFailure,
  type DigestVerifyResult,
  type DigestServerRequest,
  DigestServer,
} from './server';
export {
  DigestParseError,
  DigestInvalidInputError,
  DigestUnsupportedAlgorithmError,
  DigestUnsupportedQopError,
  DigestAuthFailedError,
  type DigestAuthFailureReason,
} from './errors';

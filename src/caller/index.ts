/**
 * The product: `Caller` places instrumented test calls (`Call`, `CallResult`), `renderInvite`
 * shows the exact INVITE without sending it.
 */
export { Caller } from './caller';
export { Call, type CallEvents } from './call';
export { CallerError, type CallerErrorCode } from './errors';
export { renderInvite, type RenderedInvite } from './invite';
export { redactSipCredentials } from './ladder';
export { classifyFinalStatus } from './outcome';
export type { CallerOptions, CallerTransport, CallOptions, CallScriptStep, CallAuth } from './options';
export type { CallResult, CallOutcome, EndedBy, LadderMessage, TimelineEvent, NegotiatedCodecInfo, RtpSummary } from './result';

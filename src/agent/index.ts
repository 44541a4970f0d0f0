/**
 * TestAgent: a scriptable SIP UAS (rings, rejects, challenges, answers, plays, echoes, records,
 * hangs up, re-INVITEs) that keeps every request it received, for tests, `sipprobe demo` and
 * vendors' own suites.
 * @packageDocumentation
 */
export { TestAgent, type TestAgentOptions, type TestAgentEvents, type TestAgentBehaviourSource } from './test-agent';
export {
  TestAgentCall,
  type TestAgentCallState,
  type TestAgentCallEnd,
  type TestAgentCallEndReason,
  type TestAgentCallEvent,
  type TestAgentCallEvents,
  type TestAgentAuthAttempt,
} from './agent-call';
export {
  resolveTestAgentBehaviour,
  type TestAgentBehaviour,
  type TestAgentAuthBehaviour,
  type TestAgentTurnBehaviour,
  type TestAgentReject,
  type ResolvedTestAgentBehaviour,
} from './behaviour';
export { TestAgentHeaders, type TestAgentHeaderField, type TestAgentRequest } from './received';
export { TestAgentError, type TestAgentErrorCode } from './errors';
export { TurnEnergyGate, frameDbfs, type TurnEnergyGateOptions, type TurnGateEvent } from './turn-gate';
export { type TestAgentMediaOptions, recordingFileName } from './media-leg';
export { sipprobePackageRoot, sipprobeAssetPath, defaultGreetingPath, defaultQuestionPath } from './assets';

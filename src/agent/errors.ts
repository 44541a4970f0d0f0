import { SipprobeError } from '../errors';

/** Stable codes of {@link TestAgentError}. */
export type TestAgentErrorCode =
  /** Options or a behaviour that cannot work (bad status, negative delay, missing password …). */
  | 'TEST_AGENT_OPTIONS'
  /** `start()` on a stopped agent, or an API call that needs a started agent. */
  | 'TEST_AGENT_STATE'
  /** A WAV the agent should play could not be read. */
  | 'TEST_AGENT_AUDIO';

/** Errors of the {@link TestAgent} API. Messages never contain passwords. */
export class TestAgentError extends SipprobeError {
  declare readonly code: TestAgentErrorCode;

  constructor(code: TestAgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

import { SipprobeError } from '../errors';

/** Input the CLI cannot use (unreadable profile, bad header, missing WAV): exit 2, nothing sent. */
export class CliInputError extends SipprobeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLI_INPUT', message, options);
  }
}

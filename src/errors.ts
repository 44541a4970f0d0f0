/**
 * Base class of every error sipprobe throws on purpose. `code` is stable and machine-readable;
 * `message` is for humans and never contains secrets.
 */
export class SipprobeError extends Error {
  /** Stable identifier, e.g. `SIP_PARSE`, `DIGEST_AUTH_FAILED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

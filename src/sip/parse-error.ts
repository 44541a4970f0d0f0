import { SipprobeError } from '../errors';

/** Stable codes of {@link SipParseError}; one per kind of defect so callers can map them to 400s or drops. */
export type SipParseErrorCode =
  | 'SIP_PARSE_EMPTY'
  | 'SIP_PARSE_START_LINE'
  | 'SIP_PARSE_VERSION'
  | 'SIP_PARSE_STATUS'
  | 'SIP_PARSE_HEADER'
  | 'SIP_PARSE_TRUNCATED'
  | 'SIP_PARSE_CONTENT_LENGTH'
  | 'SIP_PARSE_LIMIT'
  | 'SIP_PARSE_URI'
  | 'SIP_PARSE_VALUE';

/**
 * Raised for every malformed input in the SIP message layer: messages, header values, URIs.
 * `offset` is the byte offset in the parsed input (for header values and URIs: the character
 * offset inside the value text). The message never echoes input beyond a short, sanitized excerpt.
 */
export class SipParseError extends SipprobeError {
  declare readonly code: SipParseErrorCode;
  /** Byte offset (or character offset within a value) where the defect was found. */
  readonly offset: number;

  constructor(code: SipParseErrorCode, message: string, offset: number) {
    super(code, `${message} (at offset ${offset})`);
    this.offset = offset;
  }
}

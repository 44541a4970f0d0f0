import { SipprobeError } from '../../errors';

/** Stable codes of transaction-layer errors. */
export type SipTransactionErrorCode =
  /** Timer B, F or H fired: no final response (or no ACK) in time. */
  | 'SIP_TRANSACTION_TIMEOUT'
  /** The transport failed while the transaction needed it. */
  | 'SIP_TRANSACTION_TRANSPORT'
  /** An action the current state does not allow (illegal transition). */
  | 'SIP_TRANSACTION_STATE'
  /** The request cannot start a transaction (ACK, missing CSeq/Via, duplicate branch). */
  | 'SIP_TRANSACTION_REQUEST'
  /** Invalid timer configuration. */
  | 'SIP_TRANSACTION_CONFIG';

/** Base of every transaction-layer error. */
export class SipTransactionError extends SipprobeError {
  declare readonly code: SipTransactionErrorCode;

  constructor(code: SipTransactionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Which RFC 3261 timer ended a transaction without a result. */
export type SipTimeoutTimer = 'B' | 'F' | 'H';

/** Timer B/F (no final response) or H (no ACK for our non-2xx final response). */
export class SipTransactionTimeoutError extends SipTransactionError {
  /** The timer that fired. */
  readonly timer: SipTimeoutTimer;

  constructor(timer: SipTimeoutTimer, ms: number) {
    super('SIP_TRANSACTION_TIMEOUT', `Timer ${timer} fired after ${ms} ms (${timer === 'H' ? 'no ACK received' : 'no final response'})`);
    this.timer = timer;
  }
}

/** The transport failed; `cause` is the {@link SipTransportError}. */
export class SipTransactionTransportError extends SipTransactionError {
  constructor(cause: unknown) {
    const code = (cause as { code?: unknown })?.code;
    super('SIP_TRANSACTION_TRANSPORT', `transport failure${typeof code === 'string' ? ` (${code})` : ''}`, { cause });
  }
}

/** Refused transition or action: the state machine stays where it was. */
export class SipTransactionStateError extends SipTransactionError {
  /** State the transaction was in. */
  readonly state: string;
  /** What was attempted (a target state or an action such as `respond 180`). */
  readonly attempted: string;

  constructor(machine: string, state: string, attempted: string) {
    super('SIP_TRANSACTION_STATE', `${machine}: '${attempted}' not allowed in state '${state}'`);
    this.state = state;
    this.attempted = attempted;
  }
}

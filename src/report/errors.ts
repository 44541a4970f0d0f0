import { SipprobeError } from '../errors';

/**
 * A report artefact could not be produced from the given input (e.g. a number that JSON cannot
 * represent, a packet that no IP datagram can carry). `code` says which rule was broken.
 */
export class ReportError extends SipprobeError {}


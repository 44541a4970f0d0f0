import { SipprobeError } from '../errors';

/** A packet or time that no pcap record (or IP datagram) can carry; `code` says which rule was broken. */
export class PcapError extends SipprobeError {}

/** Writing a pcap file failed or the writer was used after it was closed. */
export class PcapWriteError extends SipprobeError {}

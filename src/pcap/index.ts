/**
 * pcap (libpcap classic format) writing: Ethernet/IPv4/IPv6/UDP/TCP framing of captured
 * messages and a writer that keeps the file valid while it grows. Used live by the Caller's
 * capture and by anything that turns packets into a file; knows nothing of SIP or calls.
 */
export { PcapError, PcapWriteError } from './errors';
export { PacketFramer, parseIpAddress } from './frame';
export type { CapturedPacket, PcapEndpoint, PacketFramerOptions } from './frame';
export { PcapWriter, encodePcap, pcapFileHeader, PCAP_MAGIC, PCAP_LINKTYPE_ETHERNET } from './writer';
export type { PcapOptions } from './writer';

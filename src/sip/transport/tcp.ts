/** SIP over TCP on `node:net`. */
import * as net from 'node:net';
import { describeSocketError, SipTransportError } from './errors';
import { SipStreamTransport, type SipStreamTransportOptions } from './stream';
import type { SipTransportTarget } from './types';

/** Options of {@link SipTcpTransport}. */
export type SipTcpTransportOptions = SipStreamTransportOptions;

/** TCP transport: connections reused per peer address, inbound connections accepted. */
export class SipTcpTransport extends SipStreamTransport {
  readonly protocol = 'tcp' as const;

  constructor(options: SipTcpTransportOptions = {}) {
    super(options);
  }

  protected createServer(onSocket: (s: net.Socket) => void): net.Server {
    return net.createServer(onSocket);
  }

  protected connectSocket(target: SipTransportTarget, localAddress: string): { socket: net.Socket; readyEvent: string } {
    const socket = net.connect({ host: target.address, port: target.port, localAddress: localAddress === '0.0.0.0' || localAddress === '::' ? undefined : localAddress });
    return { socket, readyEvent: 'connect' };
  }

  protected connectError(e: unknown, target: SipTransportTarget): SipTransportError {
    return new SipTransportError('SIP_TRANSPORT_CONNECT', `TCP connect to ${target.address}:${target.port} failed: ${describeSocketError(e)}`, { cause: e });
  }
}

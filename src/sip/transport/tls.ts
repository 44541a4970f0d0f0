/** SIP over TLS on `node:tls` (RFC 3261 §26.2.1): certificate verification is on unless explicitly disabled. */
import type * as net from 'node:net';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { describeSocketError, SipTransportError } from './errors';
import { SipStreamTransport, type SipStreamTransportOptions } from './stream';
import type { SipTransportTarget } from './types';

/** Options of {@link SipTlsTransport}. PEM strings or Buffers, as `node:tls` takes them. */
export interface SipTlsTransportOptions extends SipStreamTransportOptions {
  /** Trusted CAs (default: Node's bundled roots). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Our certificate chain (required to accept connections). */
  cert?: string | Buffer | Array<string | Buffer>;
  /** Our private key. Never logged. */
  key?: string | Buffer | Array<string | Buffer>;
  /**
   * Verify the peer's certificate chain and name (default true). Set `false` only for tests
   * against self-signed certificates: the connection is then not authenticated.
   */
  rejectUnauthorized?: boolean;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|HOSTNAME|ERR_SSL|ERR_TLS|EPROTO|HANDSHAKE/;

/** TLS transport. Outbound connections use SNI from the target's `serverName`. */
export class SipTlsTransport extends SipStreamTransport {
  readonly protocol = 'tls' as const;
  private readonly tlsOpts: SipTlsTransportOptions;

  constructor(options: SipTlsTransportOptions = {}) {
    super(options);
    this.tlsOpts = options;
  }

  protected createServer(onSocket: (s: net.Socket) => void): net.Server {
    const { ca, cert, key } = this.tlsOpts;
    const server = tls.createServer({ ca, cert, key }, onSocket);
    server.on('tlsClientError', () => undefined); // a failed handshake only ends that connection
    return server;
  }

  protected connectSocket(target: SipTransportTarget): { socket: net.Socket; readyEvent: string } {
    const { ca, cert, key } = this.tlsOpts;
    const name = target.serverName;
    const socket = tls.connect({
      host: target.address,
      port: target.port,
      // SNI carries host names only (RFC 6066 §3); with an IP target Node verifies the IP SAN
      servername: name !== undefined && isIP(name) === 0 ? name : undefined,
      ca,
      cert,
      key,
      rejectUnauthorized: this.tlsOpts.rejectUnauthorized !== false,
    });
    return { socket, readyEvent: 'secureConnect' };
  }

  protected connectError(e: unknown, target: SipTransportTarget): SipTransportError {
    const code = (e as { code?: unknown })?.code;
    const isTls = typeof code === 'string' && TLS_CODES.test(code);
    return new SipTransportError(
      isTls ? 'SIP_TRANSPORT_TLS' : 'SIP_TRANSPORT_CONNECT',
      `TLS connect to ${target.address}:${target.port} failed: ${describeSocketError(e)}`,
      { cause: e },
    );
  }
}

import { SipTlsTransport, SipTransportError } from '../../../../src/sip/transport';
import { nextMessage, options } from './helpers';
import { selfSignedCert } from '../../../helpers/self-signed';


describe('SipTlsTransport', () => {
  const { cert, key } = selfSignedCert();
  let server: SipTlsTransport;
  const clients: SipTlsTransport[] = [];
  const client = (o: ConstructorParameters<typeof SipTlsTransport>[0]): SipTlsTransport => {
    const c = new SipTlsTransport({ address: '127.0.0.1', accept: false, ...o });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    server = new SipTlsTransport({ address: '127.0.0.1', cert, key });
    await server.listen();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await server.close();
  });

  it('verifies certificates by default: a self-signed server is refused with SIP_TRANSPORT_TLS', async () => {
    const c = client({});
    const err = await c.send(Buffer.from(options(1)), { ...server.local, serverName: 'localhost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SipTransportError);
    expect(err).toMatchObject({ code: 'SIP_TRANSPORT_TLS' });
    expect(server.stats.messagesIn).toBe(0);
  });

  it('with the explicit opt-out (rejectUnauthorized: false) the message goes through', async () => {
    const c = client({ rejectUnauthorized: false });
    const got = nextMessage(server);
    await c.send(Buffer.from(options(2, '', 'over tls')), server.local);
    const m = await got;
    expect(m.protocol).toBe('tls');
    expect(m.message.body.toString()).toBe('over tls');
    // the reply comes back on the same TLS connection
    const back = nextMessage(c);
    await server.send(Buffer.from(options(3)), m.remote);
    expect((await back).message.cseq?.seq).toBe(3);
    expect(c.stats.connections).toBe(1);
  });

  it('trusting the certificate as CA verifies it with SNI, and a wrong server name is refused', async () => {
    const ok = client({ ca: cert });
    const got = nextMessage(server);
    await ok.send(Buffer.from(options(4)), { ...server.local, serverName: 'localhost' });
    expect((await got).message.cseq?.seq).toBe(4);
    const wrong = client({ ca: cert });
    await expect(wrong.send(Buffer.from(options(5)), { ...server.local, serverName: 'agent.example.com' })).rejects.toMatchObject({ code: 'SIP_TRANSPORT_TLS' });
  });
});

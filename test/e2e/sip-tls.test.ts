/** A call over TLS between two user agents, with a self-signed certificate made for the test and verification on. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipUserAgent } from '../../src/sip/user-agent';
import { selfSignedCert } from '../helpers/self-signed';

let dir: string;
let cert: string;
let key: string;
let caller: SipUserAgent | undefined;
let callee: SipUserAgent | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sipprobe-tls-'));
  ({ cert, key } = selfSignedCert());
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await caller?.close();
  await callee?.close();
  caller = callee = undefined;
});

describe('SIP over TLS', () => {
  it('places a sips: call: secure dialogs, SIPS Contacts, ACK and BYE on the TLS connection', async () => {
    callee = new SipUserAgent({ transport: { udp: false, tcp: false, tls: { cert, key } } });
    // the caller listens too, so that its SIPS Contact is reachable for the callee's requests
    caller = new SipUserAgent({ transport: { udp: false, tcp: false, tls: { ca: cert, cert, key } } });
    await callee.start();
    await caller.start();
    const port = callee.transports.transport('tls')!.local.port;
    const answered = new Promise<import('../../src/sip/ua/call').SipCall>((resolve) =>
      callee!.on('invite', (inv) => {
        expect(inv.protocol).toBe('tls');
        resolve(inv.answer({ body: 'v=0\r\n', contentType: 'application/sdp' }));
      }),
    );
    const inv = caller.invite({ target: `sips:agent@127.0.0.1:${port}`, from: 'sips:probe@127.0.0.1', body: 'v=0\r\n', contentType: 'application/sdp' });
    const r = await inv.result;
    if (r.kind !== 'answered') throw new Error(`${r.kind} ${r.kind === 'failed' ? r.error.message : ''}`);
    const uasCall = await answered;
    await new Promise((res) => uasCall.once('ack', res));
    expect(r.call.protocol).toBe('tls');
    expect(r.call.dialog.secure).toBe(true);
    expect(uasCall.dialog.secure).toBe(true);
    expect(r.call.dialog.remoteTarget).toBe(`sips:127.0.0.1:${port}`);
    expect(inv.request!.headers.get('contact')).toBe(`<sips:127.0.0.1:${caller.transports.transport('tls')!.local.port}>`);
    expect(inv.request!.topVia!.transport).toBe('TLS');
    const ended = uasCall.ended;
    expect((await r.call.bye())?.status).toBe(200);
    expect((await ended).reason).toBe('remote-bye');
  });

  it('fails with a typed error when the certificate is not trusted', async () => {
    callee = new SipUserAgent({ transport: { udp: false, tcp: false, tls: { cert, key } } });
    caller = new SipUserAgent({ transport: { udp: false, tcp: false, tls: { accept: false } }, timers: { T1: 50 } });
    await callee.start();
    await caller.start();
    const port = callee.transports.transport('tls')!.local.port;
    const r = await caller.invite({ target: `sips:agent@127.0.0.1:${port}`, from: 'sips:probe@127.0.0.1' }).result;
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.error.code).toBe('SIP_TRANSACTION_TRANSPORT');
  });
});

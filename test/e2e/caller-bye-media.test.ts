/**
 * RFC 3261 §15.1.1: a UAC "MUST consider the session terminated (and therefore stop sending or
 * listening for media) as soon as the BYE request is passed to the client transaction". The
 * Caller runs on a FakeClock, so media moves only when the test advances it: a full second passes
 * on the caller's clock between the BYE leaving and its 200 arriving, and not one frame may go out.
 */
import { TestAgent } from '../../src/agent';
import { Caller } from '../../src/caller';
import { FakeClock } from '../../src/clock';
import { MediaLeg } from '../../src/call-media';
import { RtpPortPool } from '../../src/rtp/port-pool';
import { SipUserAgent } from '../../src/sip/user-agent';

jest.setTimeout(30_000);

const agentPool = new RtpPortPool({ min: 42600, max: 42699 });

test('no RTP is sent once the BYE is on its way, however long its answer takes', async () => {
  const agent = new TestAgent({ behaviour: { play: null }, media: { portPool: agentPool } });
  await agent.start();
  const clock = new FakeClock();
  const caller = new Caller({ clock, rtpPorts: { min: 42700, max: 42799 } });
  try {
    const call = caller.call({ target: agent.uri, timeouts: { callMs: 3_600_000 } });
    await new Promise((r) => call.once('answered', r));
    for (let i = 0; i < 10; i++) clock.advance(20);
    let byeSeen = false;
    agent.on('request', (r) => {
      if (r.method !== 'BYE') return;
      byeSeen = true;
      clock.advance(1000); // 50 frame times on the caller's clock before our 200 can reach it
    });
    call.hangup();
    const result = await call.result;
    expect(byeSeen).toBe(true);
    expect(result.outcome).toBe('completed');
    expect(result.endedBy).toBe('caller');
    // the 10 frame times before the hang-up (+1: the first frame is due at the answer)
    expect(result.rtp?.sent.packets).toBeGreaterThanOrEqual(10);
    expect(result.rtp?.sent.packets).toBeLessThanOrEqual(11);
  } finally {
    await caller.close();
    await agent.stop();
  }
});

test('early media stops when the 2xx answer is unusable and the BYE goes out', async () => {
  // A far end built from the UAS API: 183 with a good answer (media starts), then a 2xx whose SDP
  // names a codec the offer never had, so the Caller has to end the call at once with a BYE.
  const ua = new SipUserAgent({ transport: { address: '127.0.0.1', udp: { port: 0 }, tcp: false } });
  const clock = new FakeClock();
  const caller = new Caller({ clock, rtpPorts: { min: 42700, max: 42799 } });
  const legs: MediaLeg[] = [];
  let byeSeen = false;
  ua.on('invite', (inv) => {
    void (async () => {
      const leg = await MediaLeg.create({ portPool: agentPool, side: 'agent', codecs: ['PCMU'] });
      legs.push(leg);
      const { sdp } = await leg.answerOffer(inv.offer!.body.toString());
      inv.provisional(183, { body: { body: sdp, contentType: 'application/sdp' } });
      await new Promise((r) => setTimeout(r, 50)); // the Caller applies the early answer
      for (let i = 0; i < 10; i++) clock.advance(20);
      const unusable = sdp.replace(/^m=audio (\d+) RTP\/AVP .*$/m, 'm=audio $1 RTP/AVP 99').replace(/^a=rtpmap:0 .*$/m, 'a=rtpmap:99 AMR/8000');
      const call = inv.answer({ body: unusable, contentType: 'application/sdp' });
      call.on('bye', () => {
        byeSeen = true;
        clock.advance(1000); // 50 frame times pass on the caller's clock before our 200 reaches it
      });
    })();
  });
  try {
    await ua.start();
    const target = `sip:agent@127.0.0.1:${ua.transports.sentBy('udp').port}`;
    const result = await caller.call({ target, timeouts: { callMs: 3_600_000 } }).result;
    expect(byeSeen).toBe(true);
    expect(result.outcome).toBe('rejected');
    expect(result.error?.code).toBe('SDP_CODEC_NOT_OFFERED');
    expect(result.timings.earlyMediaMs).not.toBeNull();
    // the 10 early frame times (+1: the first frame is due when early media starts)
    expect(result.rtp?.sent.packets).toBeGreaterThanOrEqual(10);
    expect(result.rtp?.sent.packets).toBeLessThanOrEqual(11);
  } finally {
    await caller.close();
    await ua.close();
    await Promise.all(legs.map((l) => l.close()));
  }
});

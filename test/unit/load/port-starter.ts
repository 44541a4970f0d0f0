/**
 * A LoadStarterModule for sharding tests: each call binds a real RTP/RTCP pair from the worker's
 * RTP slice (the template's range without one), holds it `holdMs`, and reports the port as its
 * result's `rtp.localPort`. No SIP.
 */
import { RtpPortPool } from '../../../src/rtp/port-pool';
import type { LoadShardContext, LoadStarter } from '../../../src/load/starter';
import { fakeResult } from './fake-result';

export async function openLoadStarter(template: { holdMs: number; rtpPorts: { min: number; max: number } }, shard?: LoadShardContext): Promise<LoadStarter> {
  const pool = new RtpPortPool(shard?.rtpPorts ?? template.rtpPorts);
  return {
    startCall: async (index) => {
      const ports = await pool.allocate({ address: '127.0.0.1' });
      await new Promise((r) => setTimeout(r, template.holdMs));
      await ports.release();
      const r = fakeResult('completed', { index, answerMs: 1, loss: 0 });
      r.rtp!.localPort = ports.port;
      return r;
    },
    close: async () => {},
  };
}

import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { startServer, type ServerHandle } from '../helpers/server-process.js';
import { doGet, flightClient, flightMessage, grpcCodeOf } from '../helpers/flight-grpc.js';
import { pollFor, pollUntil } from '../helpers/poll.js';

// A Flight DoGet the client abandons (cancel, or a deadline passing while it stops reading) against the real server:
// the server notices, stops reading the query and gives its reader connection back. The server runs with a single
// reader connection (--max-concurrent-queries 1), so another query can only succeed once that happened.
const ROWS = 300_000;
const CANCELLED_LOG = 'flight call cancelled by the client or its deadline';
const TICKET = { database: 'big', sql_query: 'SELECT * FROM cpu', query_type: 'sql' as const };
// A result no client can buffer whole (grpc-js reads up to 16 messages ahead of a paused reader): ROWS² rows.
const ENDLESS = { ...TICKET, sql_query: 'SELECT a.host, a.time, b.usage FROM cpu a CROSS JOIN cpu b' };

function lines(from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`cpu,host=h${i % 100} usage=${i % 1000},system=${i % 7}i ${1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n}`);
  return out.join('\n');
}

interface Outcome {
  // The gRPC status the client saw ('end' when the call finished normally).
  code: number | 'end';
  recordBatches: number;
}

// Reads the call until its first FlightData message carrying a record batch, then runs `then` on the call.
function untilFirstBatch(call: grpc.ClientReadableStream<Buffer>, then: (call: grpc.ClientReadableStream<Buffer>) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    let recordBatches = 0;
    call.on('data', (raw: Buffer) => {
      if (!flightMessage(raw).recordBatch) return;
      recordBatches++;
      if (recordBatches === 1) then(call);
    });
    call.on('error', (err) => resolve({ code: grpcCodeOf(err) ?? -1, recordBatches }));
    call.on('end', () => resolve({ code: 'end', recordBatches }));
  });
}

const cancelLogs = (server: ServerHandle): number => server.logs.filter((l) => l.includes(CANCELLED_LOG)).length;

// influxdb3_flight_requests_total of DoGet with this gRPC status code, from /metrics.
async function doGetCalls(server: ServerHandle, code: number): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^influxdb3_flight_requests_total\\{method="DoGet",code="${code}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('integration: a cancelled Flight DoGet releases its query', function () {
  this.timeout(120_000);
  let server: ServerHandle;
  let client: grpc.Client;

  // Another query over HTTP, polled: with one reader connection it completes only once the DoGet gave it back.
  const readerFree = async (): Promise<number | undefined> => {
    const res = await pollFor(
      async () => {
        const r = await fetch(`${server.url}/api/v3/query_sql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ db: 'big', q: 'SELECT count(*) AS n FROM cpu' }),
          signal: AbortSignal.timeout(2_000),
        });
        return { status: r.status, body: (await r.json()) as Array<{ n: number }> };
      },
      (r) => r.status === 200,
      { ignoreErrors: true, timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(res?.status, 'a query over HTTP while the cancelled call held the only reader').to.equal(200);
    return res?.body[0]?.n;
  };

  before(async () => {
    server = await startServer({ args: ['--max-concurrent-queries', '1'] });
    for (let i = 0; i < ROWS; i += 20_000) {
      const r = await fetch(`${server.url}/api/v3/write_lp?db=big`, { method: 'POST', body: lines(i, i + 20_000) });
      expect(r.status, await r.text()).to.equal(204);
    }
    client = flightClient(server.url);
  });

  after(async () => {
    client?.close();
    await server?.stop();
  });

  it('cancelling after the first record batch stops the query, frees the reader and counts CANCELLED', async () => {
    const before = cancelLogs(server);
    const cancelledBefore = await doGetCalls(server, grpc.status.CANCELLED);
    const outcome = await untilFirstBatch(doGet(client, TICKET), (call) => call.cancel());
    expect(outcome).to.deep.equal({ code: grpc.status.CANCELLED, recordBatches: 1 });

    await pollUntil(() => cancelLogs(server) > before, 'the server to log the cancelled call');
    const line = server.logs.find((l) => l.includes(CANCELLED_LOG))!;
    expect(JSON.parse(line)).to.include({ path: '/arrow.flight.protocol.FlightService/DoGet' });
    expect(await readerFree()).to.equal(ROWS);

    expect(await doGetCalls(server, grpc.status.CANCELLED)).to.equal(cancelledBefore + 1);
  });

  it('a deadline passing while the client has stopped reading ends the call with DEADLINE_EXCEEDED and frees the reader', async () => {
    const before = cancelLogs(server);
    const endedBefore = (await doGetCalls(server, grpc.status.DEADLINE_EXCEEDED)) + (await doGetCalls(server, grpc.status.CANCELLED));
    // grpc-js sends the deadline as grpc-timeout and enforces it itself as well.
    const call = doGet(client, ENDLESS, { deadline: Date.now() + 3_000 });
    const outcome = await untilFirstBatch(call, (c) => c.pause());
    expect(outcome).to.deep.equal({ code: grpc.status.DEADLINE_EXCEEDED, recordBatches: 1 });

    await pollUntil(() => cancelLogs(server) > before, 'the server to log the call ended by its deadline');
    expect(await readerFree()).to.equal(ROWS);
    // The server's own timer counts DEADLINE_EXCEEDED; the client's reset, if it came first, CANCELLED.
    const ended = (await doGetCalls(server, grpc.status.DEADLINE_EXCEEDED)) + (await doGetCalls(server, grpc.status.CANCELLED));
    expect(ended).to.equal(endedBefore + 1);
  });

  it('the connection serves further Flight calls after both', async () => {
    const outcome = await untilFirstBatch(doGet(client, { ...TICKET, sql_query: 'SELECT count(*) AS n FROM cpu' }), () => undefined);
    expect(outcome).to.deep.equal({ code: 'end', recordBatches: 1 });
  });
});

import { FlightData } from '../../src/flight/proto/messages.js';

// The Arrow IPC stream carried by a DoGet's FlightData messages (each data_header encapsulated with the
// continuation marker and its length, then its body), for apache-arrow's RecordBatchReader.
export function ipcStreamOf(messages: Buffer[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const m of messages) {
    const d = FlightData.decode(m) as unknown as { data_header: Uint8Array; data_body: Uint8Array };
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(d.data_header.length, 4);
    parts.push(prefix, Buffer.from(d.data_header), Buffer.from(d.data_body ?? []));
  }
  return Buffer.concat(parts);
}

// The benchmark workload: cpu rows with 1000 hosts in 10 regions, two float fields, 1 s apart per host.
export const T0 = 1_700_000_000_000_000_000n;

export interface Row {
  host: string;
  region: string;
  usage: number;
  system: number;
  time: bigint;
}

export function row(i: number): Row {
  return {
    host: `h${i % 1000}`,
    region: `r${i % 10}`,
    usage: (i % 1000) / 10 + 0.5,
    system: (i % 97) + 0.25,
    time: T0 + BigInt(Math.floor(i / 1000)) * 1_000_000_000n + BigInt(i % 1000),
  };
}

export function line(i: number, measurement = 'cpu'): string {
  const r = row(i);
  return `${measurement},host=${r.host},region=${r.region} usage=${r.usage},system=${r.system} ${r.time}`;
}

export function batch(start: number, size: number, measurement = 'cpu'): string {
  const lines = new Array<string>(size);
  for (let i = 0; i < size; i++) lines[i] = line(start + i, measurement);
  return lines.join('\n');
}

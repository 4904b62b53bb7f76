import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '../../../src/ipc/protocol/chores.js';
import { CallPhase, HostErrorType, RunnerErrorType } from '../../../src/ipc/protocol/error-types.js';
import { ChoreMethod, Method, PROTOCOL_METHODS, PROTOCOL_SHAPES } from '../../../src/ipc/protocol/protocol-methods.js';

const CONTRACT_PATH = new URL('../../../python-runner/protocol.json', import.meta.url);

interface Contract {
  protocol_version: number;
  methods: Record<string, { direction: string; kind: string; params: string[]; result: string[] | null }>;
  shapes: Record<string, string[]>;
  error_types: { runner: string[]; host: string[] };
  phases: string[];
}

const sorted = (values: Iterable<string>): string[] => [...values].sort();
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// The host's side of the contract, read off the protocol module's own tables.
function hostSide(): Omit<Contract, 'methods'> & { methods: Contract['methods'] } {
  const methods: Contract['methods'] = {};
  for (const spec of Object.values(PROTOCOL_METHODS)) {
    methods[spec.method] = {
      direction: spec.direction,
      kind: spec.kind,
      params: sorted(Object.values(spec.params)),
      result: spec.result === null ? null : sorted(Object.values(spec.result)),
    };
  }
  const shapes: Contract['shapes'] = {};
  for (const [name, fields] of Object.entries(PROTOCOL_SHAPES)) shapes[snake(name)] = sorted(Object.values(fields));
  return {
    protocol_version: PROTOCOL_VERSION,
    methods,
    shapes,
    error_types: { runner: sorted(Object.values(RunnerErrorType)), host: sorted(Object.values(HostErrorType)) },
    phases: sorted(Object.values(CallPhase)),
  };
}

describe('ipc/protocol contract (python-runner/protocol.json)', () => {
  const contract = JSON.parse(readFileSync(CONTRACT_PATH, 'utf8')) as Contract & { description?: string };
  const host = hostSide();

  it('names the same methods, each with the same direction and kind', () => {
    expect(sorted(Object.keys(host.methods))).to.deep.equal(sorted(Object.keys(contract.methods)));
    for (const [method, spec] of Object.entries(contract.methods)) {
      expect({ method, direction: host.methods[method]?.direction, kind: host.methods[method]?.kind }).to.deep.equal({
        method,
        direction: spec.direction,
        kind: spec.kind,
      });
    }
  });

  it('spells the same params and result fields for every method', () => {
    for (const [method, spec] of Object.entries(contract.methods)) {
      expect({ method, params: host.methods[method]?.params, result: host.methods[method]?.result }).to.deep.equal({
        method,
        params: sorted(spec.params),
        result: spec.result === null ? null : sorted(spec.result),
      });
    }
  });

  it('spells the same fields in the maps inside params and results', () => {
    expect(host.shapes).to.deep.equal(Object.fromEntries(Object.entries(contract.shapes).map(([k, v]) => [k, sorted(v)])));
  });

  it('knows the same error types, phases and protocol version', () => {
    expect(host.error_types).to.deep.equal({ runner: sorted(contract.error_types.runner), host: sorted(contract.error_types.host) });
    expect(host.phases).to.deep.equal(sorted(contract.phases));
    expect(host.protocol_version).to.equal(contract.protocol_version);
  });

  it('has every method name and chore in the table it is checked from', () => {
    expect(sorted(Object.values(Method))).to.deep.equal(sorted(Object.keys(contract.methods)));
    for (const chore of Object.values(ChoreMethod)) expect(contract.methods).to.have.property(chore);
  });
});

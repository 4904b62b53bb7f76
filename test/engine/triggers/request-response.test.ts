import { expect } from 'chai';
import { requestErrorText, requestOutput } from '../../../src/engine/triggers/request-response.js';
import { PluginCallError } from '../../../src/engine/runners/runner-errors.js';

describe('engine/triggers/request-response', () => {
  it('maps status, headers and body of a process_request result', () => {
    const out = requestOutput({ status: 201, headers: { 'Content-Type': 'text/plain', 'X-Ok': 'yes' }, body: Buffer.from('hi') });
    expect(out.status).to.equal(201);
    expect(out.headers).to.deep.equal({ 'Content-Type': 'text/plain', 'X-Ok': 'yes' });
    expect(out.body.toString()).to.equal('hi');
  });

  it('blanks header values that are not valid HTTP and skips invalid names', () => {
    const out = requestOutput({ status: 200, headers: { 'X-Bad': 'a\nb', 'bad name': 'x' }, body: new Uint8Array() });
    expect(out.headers).to.deep.equal({ 'X-Bad': '' });
  });

  it('an out-of-range status becomes 500', () => {
    expect(requestOutput({ status: 42, headers: {}, body: Buffer.alloc(0) }).status).to.equal(500);
  });

  it('prefixes exceptions raised by the call, and only those', () => {
    const raised = new PluginCallError('plugin', 'ValueError: boom', { phase: 'call' });
    const mapping = new PluginCallError('plugin', 'Unsupported return type from Python function', { phase: 'response' });
    const timeout = new PluginCallError('timeout', 'plugin execution timed out after 10 ms (--plugin-timeout)');
    expect(requestErrorText(raised)).to.equal('Python function call failed: ValueError: boom');
    expect(requestErrorText(mapping)).to.equal('Unsupported return type from Python function');
    expect(requestErrorText(timeout)).to.contain('timed out');
  });
});

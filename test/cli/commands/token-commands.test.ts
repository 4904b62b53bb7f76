import { expect } from 'chai';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';

const CREATED = { id: 7, name: 'n', token: 'apiv3_abc', hash: 'ff', created_at: '2026-01-01T00:00:00.000Z', expiry: null };

describe('cli/commands/token-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder((req) => (req.method === 'POST' ? { status: 201, body: CREATED } : {}));
  });
  afterEach(() => server.close());
  const sent = () => server.requests.map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body ? (JSON.parse(r.body) as unknown) : null, auth: r.headers.authorization }));

  it('create token --admin posts to token/admin and prints upstream\'s text', async () => {
    const r = await runCliCaptured(['create', 'token', '--admin', '-H', server.url]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal(
      '\nNew token created successfully!\n\nToken: apiv3_abc\nHTTP Requests Header: Authorization: Bearer apiv3_abc\n\n' +
        'IMPORTANT: Store this token securely, as it will not be shown again.\n\n',
    );
    expect(sent()).to.deep.equal([{ method: 'POST', path: '/api/v3/configure/token/admin', query: {}, body: null, auth: undefined }]);
  });

  it('create token --admin --name N --expiry 1d posts a named admin token; --format json prints the response', async () => {
    const r = await runCliCaptured(['create', 'token', '--admin', '--name', 'ci', '--expiry', '1d', '--format', 'json', '-H', server.url, '--token', 'tok']);
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(CREATED);
    expect(sent()).to.deep.equal([{ method: 'POST', path: '/api/v3/configure/token/named_admin', query: {}, body: { token_name: 'ci', expiry_secs: 86400 }, auth: 'Bearer tok' }]);
  });

  it('create token --permission (repeated) posts Enterprise\'s resource token body', async () => {
    const r = await runCliCaptured(['create', 'token', '--permission', 'db:a,b:read,write', '--permission', 'system:health:read', '--name', 'app', '-H', server.url]);
    expect(r.code, r.stderr).to.equal(0);
    expect(sent()[0]).to.deep.include({
      path: '/api/v3/enterprise/configure/token',
      body: {
        token_name: 'app',
        permissions: [
          { resource_type: 'db', resource_identifier: ['a', 'b'], actions: ['read', 'write'] },
          { resource_type: 'system', resource_identifier: ['health'], actions: ['read'] },
        ],
      },
    });
  });

  it('refuses bad combinations before calling the server', async () => {
    for (const args of [[], ['--admin', '--permission', 'db:a:read'], ['--permission', 'db:a:read'], ['--permission', 'db:a:eat', '--name', 'x'],
      ['--admin', '--regenerate', '--name', 'x'], ['--admin', '--offline']]) {
      const r = await runCliCaptured(['create', 'token', ...args, '-H', server.url]);
      expect(r.code, args.join(' ')).to.equal(1);
    }
    expect(server.requests).to.deep.equal([]);
  });

  it('create token --admin --regenerate -y posts to regenerate', async () => {
    const r = await runCliCaptured(['create', 'token', '--admin', '--regenerate', '-y', '-H', server.url, '--token', 'op']);
    expect(r.code, r.stderr).to.equal(0);
    expect(sent().map((s) => s.path)).to.deep.equal(['/api/v3/configure/token/admin/regenerate']);
  });

  it('delete token --token-name N -y sends token_name in the query string', async () => {
    const r = await runCliCaptured(['delete', 'token', '--token-name', 'old', '-y', '-H', server.url, '--token', 'tok']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Token "old" deleted successfully\n', stderr: '' });
    expect(sent()).to.deep.equal([{ method: 'DELETE', path: '/api/v3/configure/token', query: { token_name: 'old' }, body: null, auth: 'Bearer tok' }]);
  });

  it('show tokens queries system.tokens in _internal', async () => {
    await server.close();
    server = await startRecorder(() => ({ body: [{ token_id: 1, name: '_admin' }] }));
    const r = await runCliCaptured(['show', 'tokens', '--format', 'json', '-H', server.url, '--token', 'tok']);
    expect(r.code, r.stderr).to.equal(0);
    const req = server.requests[0]!;
    const params = req.method === 'GET' ? req.query : (JSON.parse(req.body) as Record<string, string>);
    expect(params.db).to.equal('_internal');
    expect(params.q).to.equal('SELECT * FROM system.tokens ORDER BY token_id');
  });
});

import { expect } from 'chai';
import { runCliCaptured, startRecorder, type RecordingServer } from '../cli-harness.js';
import { runCli } from '../../helpers/server-process.js';

describe('cli/commands/database-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder();
  });
  afterEach(() => server.close());
  const sent = () => server.requests.map((r) => ({ method: r.method, path: r.path, body: r.body ? JSON.parse(r.body) as unknown : undefined }));

  it('update database -r PERIOD puts the period; -r none clears it; without -r says it is required', async () => {
    let r = await runCliCaptured(['update', 'database', '-H', server.url, '-d', 'db1', '-r', '30d']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Database "db1" updated successfully\n', stderr: '' });
    r = await runCliCaptured(['update', 'database', '-H', server.url, '--database', 'db1', '--retention-period', 'none']);
    expect(r.code, r.stderr).to.equal(0);
    expect(sent()).to.deep.equal([
      { method: 'PUT', path: '/api/v3/configure/database', body: { db: 'db1', retention_period: '30d' } },
      { method: 'PUT', path: '/api/v3/configure/database', body: { db: 'db1', retention_period: null } },
    ]);
    r = await runCliCaptured(['update', 'database', '-H', server.url, '--retention-period', '90d', 'db2']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Database "db2" updated successfully\n', stderr: '' });
    expect(sent().at(-1)!.body).to.deep.equal({ db: 'db2', retention_period: '90d' });
    r = await runCliCaptured(['update', 'database', '-H', server.url, '-d', 'db1', '-r', '1d', 'db2']);
    expect(r.stderr).to.equal("Error: two databases given: 'db2' and -d/--database 'db1'; give one\n");
    r = await runCliCaptured(['update', 'database', '-H', server.url, '-d', 'db1']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('--retention-period is required for update database');
    expect(server.requests).to.have.length(3);
  });

  it('create table takes no tags, and fields with -f', async () => {
    let r = await runCliCaptured(['create', 'table', '-H', server.url, '-d', 'db1', '-f', 'usage:float64,ok:bool', 't1']);
    expect(r).to.deep.equal({ code: 0, stdout: 'Table "db1"."t1" created successfully\n', stderr: '' });
    r = await runCliCaptured(['create', 'table', '-H', server.url, '-d', 'db1', '--tags', 'host,region', 't2']);
    expect(r.code, r.stderr).to.equal(0);
    expect(sent().map((s) => s.body)).to.deep.equal([
      { db: 'db1', table: 't1', tags: [], fields: [{ name: 'usage', type: 'float64' }, { name: 'ok', type: 'bool' }] },
      { db: 'db1', table: 't2', tags: ['host', 'region'], fields: [] },
    ]);
  });

  it('every confirmation error says -y (stdin not a terminal, nothing confirmed)', async () => {
    const cases: Array<[string[], string]> = [
      [['delete', 'database', 'db1'], 'cannot delete database without confirmation'],
      [['delete', 'table', '-d', 'db1', 't1'], 'cannot delete table without confirmation'],
      [['delete', 'token', '--token-name', 'x'], 'Cannot delete token without confirmation'],
      [['create', 'token', '--admin', '--regenerate'], 'Cannot regenerate token without confirmation'],
    ];
    for (const [args, start] of cases) {
      const r = await runCli([...args, '-H', server.url], 'no\n');
      expect(r.code, args.join(' ')).to.equal(1);
      expect(r.stderr, args.join(' ')).to.include(`${start}: answer yes, or re-run with -y/--yes to skip the prompt`);
    }
    expect(server.requests).to.have.length(0);
  });
});

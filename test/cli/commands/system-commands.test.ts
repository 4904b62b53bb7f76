import { expect } from 'chai';
import { parseLimit, SYSTEM_TABLES_SQL, systemTableSql, tableListSql } from '../../../src/cli/commands/system-commands.js';
import { runCliCaptured, startRecorder, type RecordedRequest, type RecordingServer } from '../cli-harness.js';

const TABLES = ['processing_engine_logs', 'processing_engine_triggers', 'queries'];

// Answers the table list in JSON and echoes any other query, so the tests see what was asked and how it was printed.
function fakeQueryServer(req: RecordedRequest): { status?: number; body?: unknown } {
  const body = JSON.parse(req.body) as { q: string; format: string };
  if (body.q === SYSTEM_TABLES_SQL && body.format === 'json') return { body: TABLES.map((table_name) => ({ table_name })) };
  const empty = /^SELECT \* FROM system\."(\w+)" LIMIT 0$/.exec(body.q);
  if (empty && body.format === 'csv') return { body: `${empty[1]}_id,"${empty[1]}_name"\n` };
  return { body: `[${body.format}] ${body.q}` };
}

describe('cli/commands/system-commands', () => {
  let server: RecordingServer;
  beforeEach(async () => {
    server = await startRecorder(fakeQueryServer);
  });
  afterEach(async () => {
    await server.close();
  });
  const sent = () => server.requests.map((r) => JSON.parse(r.body) as { db: string; q: string; format: string });

  describe('systemTableSql', () => {
    it('builds upstream\'s query: select list, order by, limit (0 = none)', () => {
      expect(systemTableSql('queries', { limit: 100 })).to.equal('SELECT * FROM system."queries"\nLIMIT 100');
      expect(systemTableSql('queries', { limit: 0, select: 'a, b', orderBy: 'c,d DESC' })).to.equal('SELECT a,b FROM system."queries"\nORDER BY c,d DESC');
    });
  });

  describe('parseLimit', () => {
    it('accepts 0..65535 and refuses anything else', () => {
      expect(parseLimit('0')).to.equal(0);
      expect(parseLimit('250')).to.equal(250);
      for (const bad of ['-1', '1.5', 'ten', '', '70000']) expect(() => parseLimit(bad), bad).to.throw(/^invalid --limit/);
    });
  });

  it('table-list (alias `s`) lists each system table with its column_names, printed like `query`', async () => {
    const expected = tableListSql(TABLES.map((name) => ({ name, columns: [`${name}_id`, `${name}_name`] })));
    expect(expected).to.include("('queries', ['queries_id', 'queries_name'])");
    const r = await runCliCaptured(['show', 's', '-H', server.url, '-d', 'foo', 'table-list']);
    expect(r).to.deep.equal({ code: 0, stdout: `[pretty] ${expected}\n`, stderr: '' });
    expect(server.requests.every((q) => q.path === '/api/v3/query_sql')).to.equal(true);
    expect(sent().at(-1)).to.deep.equal({ db: 'foo', q: expected, format: 'pretty' });
    const json = await runCliCaptured(['show', 'system', 'table-list', '-H', server.url, '-d', 'foo', '--format', 'json']);
    expect(json.stdout).to.equal(`[json] ${expected}\n`);
  });

  it('tableListSql quotes names and has a typed empty form', () => {
    expect(tableListSql([{ name: "o'k", columns: ["a'b"] }])).to.include("('o''k', ['a''b'])");
    expect(tableListSql([])).to.match(/WHERE false$/);
  });

  it('table NAME checks the name, then selects with the given columns, order and limit', async () => {
    const r = await runCliCaptured([
      'show', 'system', '-H', server.url, '-d', 'foo', 'table', 'processing_engine_triggers',
      '-l', '5', '-o', 'trigger_name', '-s', 'trigger_name,disabled', '--format', 'csv',
    ]);
    const q = 'SELECT trigger_name,disabled FROM system."processing_engine_triggers"\nORDER BY trigger_name\nLIMIT 5';
    expect(r).to.deep.equal({ code: 0, stdout: `[csv] ${q}\n`, stderr: '' });
    expect(sent()).to.deep.equal([
      { db: 'foo', q: SYSTEM_TABLES_SQL, format: 'json' },
      { db: 'foo', q, format: 'csv' },
    ]);
  });

  it('table NAME defaults to every column and 100 rows, and passes the token on', async () => {
    const r = await runCliCaptured(['show', 'system', '-H', server.url, '--token', 'tok', '-d', 'foo', 'table', 'queries']);
    expect(r.stdout).to.equal('[pretty] SELECT * FROM system."queries"\nLIMIT 100\n');
    expect(server.requests.map((x) => x.headers.authorization)).to.deep.equal(['Bearer tok', 'Bearer tok']);
  });

  it('refuses an unknown table, naming it and the valid ones', async () => {
    const r = await runCliCaptured(['show', 'system', '-H', server.url, '-d', 'foo', 'table', 'nope']);
    expect(r).to.deep.equal({
      code: 1,
      stdout: '',
      stderr:
        "Error: system table 'nope' not found: please use a valid system table name: " +
        '["processing_engine_logs", "processing_engine_triggers", "queries"]\n',
    });
    expect(server.requests).to.have.length(1);
  });

  it('summary prints the first rows of every system table under a heading', async () => {
    const r = await runCliCaptured(['show', 'system', '-H', server.url, '-d', 'foo', 'summary']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal(TABLES.map((t) => `${t} summary:\n[pretty] SELECT * FROM system."${t}"\nLIMIT 10\n`).join(''));
    const unlimited = await runCliCaptured(['show', 'system', '-H', server.url, '-d', 'foo', 'summary', '-l', '0', '--format', 'jsonl']);
    expect(unlimited.stdout).to.contain('queries summary:\n[jsonl] SELECT * FROM system."queries"\n');
  });

  it('prints query errors from the server and needs a database', async () => {
    server.reply = () => ({ status: 404, body: { error: 'database not found: foo' } });
    const r = await runCliCaptured(['show', 'system', '-H', server.url, '-d', 'foo', 'table-list']);
    expect(r).to.deep.equal({ code: 1, stdout: '', stderr: 'Error: database not found: foo\n' });
    const saved = process.env.INFLUXDB3_DATABASE_NAME;
    delete process.env.INFLUXDB3_DATABASE_NAME;
    try {
      const noDb = await runCliCaptured(['show', 'system', '-H', server.url, 'summary']);
      expect(noDb.stderr).to.match(/^Error: a database is required/);
    } finally {
      if (saved !== undefined) process.env.INFLUXDB3_DATABASE_NAME = saved;
    }
  });
});

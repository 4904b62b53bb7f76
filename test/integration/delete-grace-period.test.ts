import { expect } from 'chai';
import { pollFor } from '../helpers/poll.js';
import { removeDir, runCli, startServer, type ServerHandle } from '../helpers/server-process.js';

const STAMPED = (name: string) => new RegExp(`^${name}-\\d{8}T\\d{6}$`);

// --delete-grace-period, as upstream: a hard delete removes the data at its time, and the catalog entry stays
// (listed as deleted) for the grace period before it goes too; the plan is kept in the catalog, so restarts keep it.
describe('integration: --delete-grace-period', function () {
  this.timeout(120_000);
  let server: ServerHandle | undefined;
  let dataDir = '';

  after(async () => {
    await server?.stop();
    if (dataDir) removeDir(dataDir);
  });

  const sql = async (q: string): Promise<Array<Record<string, unknown>>> => {
    const res = await fetch(`${server!.url}/api/v3/query_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ db: '_internal', q }) });
    const text = await res.text();
    expect(res.status, text).to.equal(200);
    return JSON.parse(text) as Array<Record<string, unknown>>;
  };
  const deletedDatabases = async () => (await sql('SELECT database_name FROM system.databases WHERE deleted ORDER BY 1')).map((r) => String(r.database_name));
  const deletedTables = async () => (await sql('SELECT database_name, table_name FROM system.tables WHERE deleted ORDER BY 1, 2')).map((r) => `${r.database_name}.${r.table_name}`);
  const shownDeleted = async () => {
    const r = await runCli(['show', 'databases', '--show-deleted', '--format', 'json', '-H', server!.url]);
    expect(r.code, r.stderr).to.equal(0);
    return (JSON.parse(r.stdout) as Array<Record<string, unknown>>).map((d) => String(d['iox::database'] ?? d.database_name ?? d.name));
  };
  const send = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${server!.url}${path}`, { method, body });
    expect(res.status, `${method} ${path}: ${await res.text()}`).to.be.oneOf([200, 204]);
  };
  const logged = (msg: string) => server!.logs.some((l) => l.includes(msg));

  it('a hard-deleted database and table stay listed as deleted through a restart, and go once the grace period is over', async () => {
    server = await startServer({ args: ['--delete-grace-period', '1h'] });
    dataDir = server.dataDir;
    await send('POST', '/api/v3/write_lp?db=doomed', 'm v=1i 1');
    await send('POST', '/api/v3/write_lp?db=kept', 'cpu v=1 1\nmem v=2 1');
    await send('DELETE', '/api/v3/configure/database?db=doomed&hard_delete_at=now');
    await send('DELETE', '/api/v3/configure/table?db=kept&table=mem&hard_delete_at=now');
    // Both hard-delete times are at most this.
    const hardDeletedBy = Date.now();

    // The data went at the hard-delete time; the entries stay, deleted, for the grace period.
    expect(logged('database data removed (hard delete)')).to.equal(true);
    const [doomed] = await deletedDatabases();
    expect(doomed).to.match(STAMPED('doomed'));
    expect(await shownDeleted()).to.include(doomed);
    const [mem] = await deletedTables();
    expect(mem).to.match(new RegExp(`^kept\\.mem-\\d{8}T\\d{6}$`));
    await server.stop();

    server = await startServer({ dataDir, args: ['--delete-grace-period', '1h'] });
    expect(await deletedDatabases(), 'after a restart within the grace period').to.deep.equal([doomed]);
    expect(await deletedTables()).to.deep.equal([mem]);
    await server.stop();

    // With a 1 s grace period both entries are past it: the restarted server finishes the removal from its catalog.
    await pollFor(() => Date.now(), (now) => now > hardDeletedBy + 1000, { timeoutMs: 5000 });
    server = await startServer({ dataDir, args: ['--delete-grace-period', '1s'] });
    expect(await deletedDatabases()).to.deep.equal([]);
    expect(await deletedTables()).to.deep.equal([]);
    expect(await shownDeleted()).to.not.include(doomed);
    expect(logged('deleted database removed from the catalog (delete grace period over)')).to.equal(true);
    expect(logged('deleted table removed from the catalog (delete grace period over)')).to.equal(true);

    // While the server runs, its timer removes an entry when the grace period is over.
    await send('POST', '/api/v3/write_lp?db=timed', 'm v=1i 1');
    await send('DELETE', '/api/v3/configure/database?db=timed&hard_delete_at=now');
    const left = await pollFor(deletedDatabases, (names) => names.length === 0, { timeoutMs: 20_000 });
    expect(left).to.deep.equal([]);
    expect(server.logs.filter((l) => l.includes('deleted database removed from the catalog')).length).to.equal(2);
  });
});

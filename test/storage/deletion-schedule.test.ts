import { expect } from 'chai';
import type { Database, Table } from '../../src/storage/catalog/catalog-resources.js';
import { planDeletions } from '../../src/storage/deletion-schedule.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const GRACE = 60_000;

function table(id: number, over: Partial<Table> = {}): Table {
  return { id, name: `t${id}`, columns: [], deleted: false, hardDeleteAt: null, ...over };
}

function database(id: number, over: Partial<Database> = {}): Database {
  return {
    id, name: `db${id}`, retentionPeriod: null, retentionPeriodNs: null, deleted: false, hardDeleteAt: null, dataRemovedAt: null,
    createdAt: iso(T0), tables: [], ...over,
  };
}

const steps = (dbs: Database[], now: number) => {
  const plan = planDeletions(dbs, now, GRACE);
  return { due: plan.due.map((s) => `${s.kind} ${s.database.name}${s.kind === 'forget-table' ? `.${s.table.name}` : ''}`), nextAtMs: plan.nextAtMs };
};

describe('storage/deletion-schedule: hard delete, then the catalog entry after the grace period', () => {
  it('nothing for live databases, soft deletes (never) and live tables', () => {
    const dbs = [database(1, { tables: [table(1)] }), database(2, { deleted: true }), database(3, { tables: [table(2, { deleted: true })] })];
    expect(steps(dbs, T0)).to.deep.equal({ due: [], nextAtMs: null });
  });

  it('a database: data at the hard-delete time, entry at hard-delete time + grace', () => {
    const db = database(1, { deleted: true, hardDeleteAt: iso(T0 + 1000) });
    expect(steps([db], T0)).to.deep.equal({ due: [], nextAtMs: T0 + 1000 });
    expect(steps([db], T0 + 1000)).to.deep.equal({ due: ['remove-database-data db1'], nextAtMs: T0 + 1000 + GRACE });
    db.dataRemovedAt = iso(T0 + 1000);
    expect(steps([db], T0 + 1000)).to.deep.equal({ due: [], nextAtMs: T0 + 1000 + GRACE });
    expect(steps([db], T0 + 1000 + GRACE - 1)).to.deep.equal({ due: [], nextAtMs: T0 + 1000 + GRACE });
    expect(steps([db], T0 + 1000 + GRACE)).to.deep.equal({ due: ['forget-database db1'], nextAtMs: null });
  });

  it('both due at once (a restart after a long stop, or no grace): the data first, then the entry', () => {
    const db = database(1, { deleted: true, hardDeleteAt: iso(T0), tables: [table(7, { deleted: true, hardDeleteAt: iso(T0) })] });
    // The database's entry takes its tables' entries with it.
    expect(steps([db], T0 + GRACE).due).to.deep.equal(['remove-database-data db1', 'forget-database db1']);
    expect(planDeletions([db], T0, 0).due.map((s) => s.kind)).to.deep.equal(['remove-database-data', 'forget-database']);
  });

  it('a deleted table: its entry at its hard-delete time + grace (its data went when it was deleted)', () => {
    const db = database(1, { tables: [table(1), table(2, { deleted: true, hardDeleteAt: iso(T0) }), table(3, { deleted: true, hardDeleteAt: iso(T0 + 5000) })] });
    expect(steps([db], T0)).to.deep.equal({ due: [], nextAtMs: T0 + GRACE });
    expect(steps([db], T0 + GRACE)).to.deep.equal({ due: ['forget-table db1.t2'], nextAtMs: T0 + 5000 + GRACE });
    expect(steps([db], T0 + 5000 + GRACE).due).to.deep.equal(['forget-table db1.t2', 'forget-table db1.t3']);
  });

  it('the next time is the soonest over every database and table', () => {
    const dbs = [
      database(1, { deleted: true, hardDeleteAt: iso(T0 + 9000) }),
      database(2, { tables: [table(1, { deleted: true, hardDeleteAt: iso(T0 - GRACE + 3000) })] }),
      database(3, { deleted: true, hardDeleteAt: iso(T0 - 1000), dataRemovedAt: iso(T0 - 1000) }),
    ];
    expect(steps(dbs, T0)).to.deep.equal({ due: [], nextAtMs: T0 + 3000 });
  });
});

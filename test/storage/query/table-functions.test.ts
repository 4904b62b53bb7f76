import { expect } from 'chai';
import { DuckDBInstance } from '@duckdb/node-api';
import { tokenize } from '../../../src/storage/query/sql-lexer.js';
import { applyEdits } from '../../../src/storage/query/sql-rewrite.js';
import {
  inlineTableSql,
  planTableFunctions,
  wherePredicates,
  type TableFunctionCall,
  type TableFunctionProvider,
} from '../../../src/storage/query/table-functions.js';
import type { VirtualTable } from '../../../src/storage/query/system-tables.js';
import { tableFunctionFastPath } from '../../../src/storage/query/table-function-fast-path.js';

// The predicates found after the first WHERE, as plain data.
function preds(sql: string, qualifier = 'last_cache', params?: Record<string, string | number | boolean | null>) {
  const tokens = tokenize(sql);
  const where = tokens.findIndex((t) => t.kind === 'ident' && t.value.toLowerCase() === 'where');
  return Object.fromEntries(wherePredicates(tokens, where, qualifier, params));
}

const s = (value: string) => ({ kind: 'string', value });
const n = (text: string) => ({ kind: 'number', text });

class FakeProvider implements TableFunctionProvider {
  readonly names = new Set(['last_cache', 'distinct_cache']);
  calls: TableFunctionCall[] = [];
  constructor(private readonly table: VirtualTable, private readonly applied = new Set<string>()) {}
  call(_dbId: number, call: TableFunctionCall) {
    this.calls.push(call);
    return { ...this.table, applied: this.applied };
  }
}

describe('storage/query/table-functions', () => {
  describe('wherePredicates', () => {
    it('takes col = literal, literal = col and col IN (…) conjuncts', () => {
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = 'a' AND 'us' = region AND n IN (1, -2) AND ok = true")).to.deep.equal({
        host: [[s('a')]],
        region: [[s('us')]],
        n: [[n('1'), n('-2')]],
        ok: [[{ kind: 'bool', value: true }]],
      });
    });

    it('stops at the end of the WHERE clause', () => {
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = 'a' ORDER BY time DESC LIMIT 1")).to.deep.equal({ host: [[s('a')]] });
      expect(preds("SELECT * FROM (SELECT * FROM last_cache('cpu') WHERE host = 'a') x WHERE y = 'b'")).to.deep.equal({ host: [[s('a')]] });
    });

    it('resolves $parameters and accepts the alias as qualifier', () => {
      expect(preds("SELECT * FROM last_cache('cpu') lc WHERE lc.host = $h AND other.x = 'z'", 'lc', { h: 'a' })).to.deep.equal({ host: [[s('a')]] });
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = $missing")).to.deep.equal({});
    });

    it('gives nothing for a top-level OR, BETWEEN or CASE, and skips terms of other shapes', () => {
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = 'a' OR host = 'b'")).to.deep.equal({});
      expect(preds("SELECT * FROM last_cache('cpu') WHERE n BETWEEN 1 AND 2 AND host = 'a'")).to.deep.equal({});
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = 'a' AND CASE WHEN x THEN 1 END = 1")).to.deep.equal({});
      expect(preds("SELECT * FROM last_cache('cpu') WHERE (host = 'a' OR host = 'b') AND region = 'us'")).to.deep.equal({ region: [[s('us')]] });
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host != 'a' AND host NOT IN ('b') AND host = 'c' || 'd' AND NOT host = 'e'")).to.deep.equal({});
      expect(preds("SELECT * FROM last_cache('cpu') WHERE host = 'a' AND host IN ('a', 'b')")).to.deep.equal({ host: [[s('a')], [s('a'), s('b')]] });
    });
  });

  describe('planTableFunctions', () => {
    const table: VirtualTable = { columns: [{ name: 'host', type: 'Utf8' }, { name: 'v', type: 'Float64' }], rows: [['a', 1.5]] };

    it('replaces the call with an inline subquery and passes the WHERE predicates only when it is the sole FROM item', () => {
      const provider = new FakeProvider(table);
      const sql = "SELECT * FROM last_cache('cpu', 'c1') AS lc WHERE host = 'a'";
      const plan = planTableFunctions(tokenize(sql), 1, provider, undefined);
      expect(provider.calls[0]!.args).to.deep.equal(['cpu', 'c1']);
      expect(Object.fromEntries(provider.calls[0]!.predicates)).to.deep.equal({ host: [[s('a')]] });
      expect(applyEdits(sql, plan.edits)).to.match(/^SELECT \* FROM \(SELECT .* UNION ALL VALUES \('a', CAST\('1\.5' AS DOUBLE\)\)\) AS lc WHERE host = 'a'$/);
      const joined = "SELECT * FROM t JOIN last_cache('cpu') lc ON t.h = lc.host WHERE host = 'a'";
      planTableFunctions(tokenize(joined), 1, provider, undefined);
      expect(provider.calls[1]!.predicates.size).to.equal(0);
    });

    it('reports non-literal arguments as undefined and ignores names that are not calls', () => {
      const provider = new FakeProvider(table);
      planTableFunctions(tokenize("SELECT last_cache FROM x, last_cache(t, 'n'), distinct_cache()"), 1, provider, undefined);
      expect(provider.calls.map((c) => [c.name, c.args])).to.deep.equal([
        ['last_cache', [undefined, 'n']],
        ['distinct_cache', []],
      ]);
    });

    it('puts many rows in a temp table instead of the SQL text', () => {
      const big: VirtualTable = { columns: table.columns, rows: Array.from({ length: 500 }, (_, i) => [`h${i}`, i]) };
      const plan = planTableFunctions(tokenize("SELECT * FROM last_cache('cpu')"), 1, new FakeProvider(big), undefined);
      expect(plan.virtual.map((v) => v.name)).to.deep.equal(['__iox_fn_0']);
    });
  });

  it('inline tables keep names and types with and without rows, special floats included', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const columns: VirtualTable['columns'] = [
      { name: 'a "b"', type: 'Utf8' }, { name: 'i', type: 'Int64' }, { name: 'u', type: 'UInt64' }, { name: 'f', type: 'Float64' },
      { name: 'b', type: 'Boolean' }, { name: 't', type: 'Timestamp(Nanosecond, None)' }, { name: 'l', type: 'List(Utf8)' },
    ];
    const rows = [
      ["it's", -9223372036854775808n, 18446744073709551615n, 0.1, true, 1_700_000_000_000_000_001n, ['x', 'y']],
      [null, null, null, NaN, false, null, []],
      ['z', 0n, 0n, -Infinity, null, 0n, null],
    ];
    const reader = await conn.runAndReadAll(`SELECT * FROM ${inlineTableSql({ columns, rows })}`);
    expect(reader.columnNames()).to.deep.equal(columns.map((c) => c.name));
    expect(reader.columnTypes().map(String)).to.deep.equal(['VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP_NS', 'VARCHAR[]']);
    const got = reader.getRowsJS();
    expect(got[0]!.slice(0, 5)).to.deep.equal(["it's", -9223372036854775808n, 18446744073709551615n, 0.1, true]);
    expect(Number.isNaN(got[1]![3])).to.equal(true);
    expect(got[2]![3]).to.equal(-Infinity);
    const empty = await conn.runAndReadAll(`SELECT * FROM ${inlineTableSql({ columns, rows: [] })}`);
    expect(empty.currentRowCount).to.equal(0);
    expect(empty.columnTypes().map(String)[1]).to.equal('BIGINT');
    conn.closeSync();
    inst.closeSync();
  });

  describe('tableFunctionFastPath', () => {
    const table: VirtualTable = { columns: [{ name: 'host', type: 'Utf8' }, { name: 'v', type: 'Float64' }], rows: [['a', 1.5], ['b', 2.5]] };
    const fast = (sql: string, applied = ['host'], tables: Array<{ name: string; columns: [] }> = []) =>
      tableFunctionFastPath(sql, 1, new FakeProvider(table, new Set(applied)), { h: 'a' }, () => tables);

    it('answers plain projections when the provider applied the whole WHERE clause', () => {
      expect(fast("SELECT * FROM last_cache('cpu') WHERE host = 'a';")).to.deep.equal({
        columns: [{ name: 'host', type: 'Utf8' }, { name: 'v', type: 'Float64' }],
        rows: [['a', 1.5], ['b', 2.5]],
      });
      expect(fast("select v, lc.host from LAST_CACHE('cpu') as lc where lc.host = $h")?.rows).to.deep.equal([[1.5, 'a'], [2.5, 'b']]);
      expect(fast("SELECT host FROM distinct_cache('cpu')", [])?.rows).to.deep.equal([['a'], ['b']]);
    });

    it('leaves everything else to DuckDB', () => {
      for (const sql of [
        "SELECT * FROM last_cache('cpu') WHERE host = 'a' ORDER BY v",
        "SELECT * FROM last_cache('cpu') WHERE host = 'a' AND v > 1",
        "SELECT * FROM last_cache('cpu') WHERE v = 1",
        "SELECT * FROM last_cache('cpu') WHERE host = 'a' OR host = 'b'",
        "SELECT HOST FROM last_cache('cpu')",
        "SELECT host, host FROM last_cache('cpu')",
        "SELECT count(*) FROM last_cache('cpu')",
        "SELECT DISTINCT host FROM last_cache('cpu')",
        "SELECT host AS h FROM last_cache('cpu')",
        "SELECT x.host FROM last_cache('cpu') lc",
        "SELECT * FROM last_cache('cpu') lc JOIN t ON true",
        "SELECT * FROM cpu",
        "EXPLAIN SELECT * FROM last_cache('cpu')",
      ]) {
        expect(fast(sql, ['host']), sql).to.equal(undefined);
      }
    });

    it('reports tag-named columns as the planner does', () => {
      const r = fast("SELECT host FROM last_cache('cpu') WHERE host = 'a'", ['host'], [{ name: 'host', columns: [{ name: 'host', type: 'tag' }] as never }]);
      expect(r?.columns).to.deep.equal([{ name: 'host', type: 'Dictionary(Int32, Utf8)' }]);
    });
  });
});

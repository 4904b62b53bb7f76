import { expect } from 'chai';
import fc from 'fast-check';
import { createLogger } from '../../../src/shared/logger.js';
import { Catalog } from '../../../src/storage/catalog/catalog.js';
import { validateRows, type RowWithSource } from '../../../src/storage/catalog/validate-rows.js';
import type { Field, FieldType, WriteRow } from '../../../src/storage/types.js';

function freshCatalog(): Catalog {
  const catalog = new Catalog({ dir: null, logger: createLogger('silent') });
  catalog.load();
  catalog.createDatabase('db');
  return catalog;
}

const columnsOf = (catalog: Catalog): unknown => catalog.database('db')!.tables.map((t) => [t.name, t.columns.map((c) => [c.name, c.type])]);

// Rows as the parser hands them over: one shared (frozen) tag array per series, fields of varying names and types.
const tagSets = [[], [['a', '1']], [['a', '2'], ['b', 'x']], [['f', '1']], [['time', '1']], [['g', 'z']]].map((tags) => Object.freeze(tags.map((t) => Object.freeze(t))));
const fieldTypes: FieldType[] = ['float64', 'int64', 'utf8', 'bool'];
const field = fc.record({ key: fc.constantFrom('f', 'g', 'a', 'time'), type: fc.constantFrom(...fieldTypes) }).map(({ key, type }): Field => ({ key, type, value: type === 'bool' ? true : type === 'utf8' ? 's' : type === 'int64' ? 1n : 1.5 }));
const row = fc.record({ table: fc.constantFrom('m', 'n'), tags: fc.nat(tagSets.length - 1), fields: fc.uniqueArray(field, { minLength: 1, maxLength: 3, selector: (f) => f.key }) });
const rows = fc.array(row, { minLength: 1, maxLength: 40 }).map((list) =>
  list.map((r, i): RowWithSource => ({ row: { table: r.table, tags: tagSets[r.tags] as unknown as WriteRow['tags'], fields: r.fields, time: BigInt(i) }, lineNumber: i + 1, raw: `line ${i + 1}` })),
);

describe('storage/catalog/validate-rows', () => {
  for (const dryRun of [false, true]) {
    it(`checks a batch as it checks its rows one call each, in order${dryRun ? ' (dry run)' : ''}`, () => {
      fc.assert(
        fc.property(rows, (items) => {
          const batchCatalog = freshCatalog();
          const batch = validateRows(batchCatalog, batchCatalog.database('db')!, items, dryRun);
          const oneCatalog = freshCatalog();
          const singles = items.map((item) => validateRows(oneCatalog, oneCatalog.database('db')!, [item], dryRun));
          expect(batch.accepted.map((a) => a.lineNumber)).to.deep.equal(singles.flatMap((s) => s.accepted.map((a) => a.lineNumber)));
          expect(batch.problems).to.deep.equal(singles.flatMap((s) => s.problems));
          expect(columnsOf(batchCatalog)).to.deep.equal(columnsOf(oneCatalog));
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('refuses the second of two rows of one series that disagree on a new field type', () => {
    const catalog = freshCatalog();
    const tags = tagSets[1] as unknown as WriteRow['tags'];
    const item = (n: number, type: FieldType, value: Field['value']): RowWithSource => ({ row: { table: 'm', tags, fields: [{ key: 'f', type, value }], time: BigInt(n) }, lineNumber: n, raw: `l${n}` });
    const result = validateRows(catalog, catalog.database('db')!, [item(1, 'float64', 1), item(2, 'float64', 2), item(3, 'int64', 3n), item(4, 'float64', 4)]);
    expect(result.accepted.map((a) => a.lineNumber)).to.deep.equal([1, 2, 4]);
    expect(result.problems.map((p) => [p.lineNumber, p.message])).to.deep.equal([[3, "invalid field type for column 'f' in table 'm': expected Float64, got Int64"]]);
  });
});

import { expect } from 'chai';
import { dataFusionText } from '../../../src/storage/query/duckdb-error-text.js';
import { mapDuckdbError } from '../../../src/storage/query/query-errors.js';

const fields = () => ['cpu.host', 'cpu.usage', 'cpu.time'];
const text = (m: string) => dataFusionText(m, fields)?.message;

// DuckDB's messages (as @duckdb/node-api raises them) against the DataFusion wording InfluxDB 3 answers with.
describe('storage/query/duckdb-error-text: DuckDB errors in DataFusion\'s words', () => {
  it('parse errors: SQL error: ParserError("…") with DataFusion\'s Line/Column', () => {
    expect(text('Parser Error: syntax error at or near "SELEC"\n\nLINE 1: SELEC nonsense\n        ^')).to.equal(
      'SQL error: ParserError("Expected: an SQL statement, found: SELEC at Line: 1, Column: 1")',
    );
    expect(text('Parser Error: syntax error at or near "m"\n\nLINE 1: SELECT * FRM m\n                    ^')).to.equal(
      'SQL error: ParserError("Expected: a valid SQL token, found: m at Line: 1, Column: 13")',
    );
    expect(text('Parser Error: syntax error at end of input')).to.equal('SQL error: ParserError("Expected: more input, found: EOF")');
  });

  it('unknown columns: Schema error: No field named … Valid fields are …', () => {
    expect(text('Binder Error: Referenced column "nope" not found in FROM clause!\nCandidate bindings: "host", "time"\n\nLINE 1: SELECT nope FROM cpu\n               ^')).to.equal(
      'Schema error: No field named nope. Valid fields are cpu.host, cpu.usage, cpu.time.',
    );
    expect(text('Binder Error: Table "cpu" does not have a column named "nope"\n\nCandidate bindings: : "host"')).to.equal(
      'Schema error: No field named cpu.nope. Valid fields are cpu.host, cpu.usage, cpu.time.',
    );
  });

  it('unknown functions name the function and never suggest a DuckDB one', () => {
    expect(text('Catalog Error: Scalar Function with name foo does not exist!\nDid you mean "floor"?\n\nLINE 1: SELECT foo(usage) FROM cpu\n               ^')).to.equal(
      "Error during planning: Invalid function 'foo'",
    );
    expect(text('Catalog Error: Aggregate Function with name bar does not exist!')).to.equal("Error during planning: Invalid function 'bar'");
  });

  it('type mismatches and casts use Arrow type names', () => {
    expect(text("Binder Error: No function matches the given name and argument types '+(VARCHAR, INTEGER_LITERAL)'. You might need to add explicit type casts.\n\tCandidate functions:\n\t+(TINYINT) -> TINYINT")).to.equal(
      'Error during planning: Cannot coerce arithmetic expression Utf8 + Int64 to valid types',
    );
    expect(text("Binder Error: No function matches the given name and argument types 'lower(BIGINT)'. You might need to add explicit type casts.")).to.equal(
      "Error during planning: Failed to coerce arguments to satisfy a call to 'lower' function: coercion from Int64 failed",
    );
    expect(text("Conversion Error: Could not convert string 'a' to INT32\n\nLINE 1: SELECT 1 = 'a'\n                   ^")).to.equal(
      "Arrow error: Cast error: Cannot cast string 'a' to value of Int32 type",
    );
  });

  it('no DuckDB class name or position block reaches the user, and the stage picks upstream\'s prefix', () => {
    const planning = mapDuckdbError(new Error('Binder Error: something odd\n\nLINE 1: SELECT x\n       ^'));
    expect(planning.message).to.equal('error while planning query: Error during planning: something odd');
    const execution = mapDuckdbError(new Error('Out of Range Error: Overflow in multiplication of INT32 (2147483647 * 2)!'));
    expect(execution.message).to.equal('error while executing plan: Execution error: Overflow in multiplication of INT32 (2147483647 * 2)!');
    expect(mapDuckdbError(new Error('Invalid Input Error: Arrow error: Compute error: Overflow happened on FACTORIAL(21)')).message).to.equal(
      'error while executing plan: Arrow error: Compute error: Overflow happened on FACTORIAL(21)',
    );
    expect(mapDuckdbError(new Error('Catalog Error: Table with name nothere does not exist!\nDid you mean "pg_indexes"?')).message).to.equal(
      "error while planning query: Error during planning: table 'public.iox.nothere' not found",
    );
  });
});

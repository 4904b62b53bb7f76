// The time functions' DuckDB macros; DATAFUSION_MACROS installs them before any macro that calls them.

// Nanoseconds in a sub-month interval (DuckDB intervals have microsecond resolution).
const IV_NS = (i: string): string => `(epoch_us(TIMESTAMP '1970-01-01' + ${i}) * 1000)`;
const HAS_MONTHS = (i: string): string => `(datepart('year', ${i}) * 12 + datepart('month', ${i}) <> 0)`;
const NS = (t: string): string => `epoch_ns(CAST(${t} AS TIMESTAMP_NS))`;

// date_bin with a floor modulo, so times before the origin land in the right bin; months go through time_bucket.
function dateBin(origin: string): string {
  return `CASE WHEN ${HAS_MONTHS('i')}
    THEN CAST(time_bucket(i, CAST(t AS TIMESTAMP), CAST(${origin} AS TIMESTAMP)) AS TIMESTAMP_NS)
    ELSE make_timestamp_ns(${NS('t')} - (((${NS('t')} - ${NS(origin)}) % ${IV_NS('i')}) + ${IV_NS('i')}) % ${IV_NS('i')})
  END`;
}

const INTEGER_TYPES = `('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT','UHUGEINT')`;

// Seconds since the epoch, or a date string, as DataFusion's to_timestamp* family takes them.
function fromEpoch(scaleToMicros: string, target: string): string {
  return `CASE WHEN typeof(x) = 'VARCHAR' OR typeof(x) LIKE 'TIMESTAMP%' OR typeof(x) = 'DATE'
      THEN CAST(CAST(x AS VARCHAR) AS ${target})
    ELSE CAST(make_timestamp(TRY_CAST(x AS BIGINT) ${scaleToMicros}) AS ${target}) END`;
}

export const NOW_MACRO = `CREATE OR REPLACE TEMP MACRO now() AS CAST(get_current_timestamp() AS TIMESTAMP_NS)`;
export const DATE_BIN_MACRO = `CREATE OR REPLACE TEMP MACRO date_bin(i, t) AS ${dateBin(`TIMESTAMP_NS '1970-01-01 00:00:00'`)},
     (i, t, o) AS ${dateBin('o')}`;
export const TO_TIMESTAMP_MACROS: Record<string, string> = {
  to_timestamp: `CREATE OR REPLACE TEMP MACRO to_timestamp(x) AS
     CASE WHEN typeof(x) = 'VARCHAR' OR typeof(x) LIKE 'TIMESTAMP%' OR typeof(x) = 'DATE'
       THEN CAST(CAST(x AS VARCHAR) AS TIMESTAMP_NS)
       WHEN typeof(x) IN ${INTEGER_TYPES} THEN make_timestamp_ns(TRY_CAST(x AS BIGINT) * 1000000000)
       ELSE make_timestamp_ns(CAST(round(TRY_CAST(x AS DOUBLE) * 1e9) AS BIGINT)) END`,
  to_timestamp_nanos: `CREATE OR REPLACE TEMP MACRO to_timestamp_nanos(x) AS
     CASE WHEN typeof(x) = 'VARCHAR' OR typeof(x) LIKE 'TIMESTAMP%' OR typeof(x) = 'DATE'
       THEN CAST(CAST(x AS VARCHAR) AS TIMESTAMP_NS)
       ELSE make_timestamp_ns(TRY_CAST(x AS BIGINT)) END`,
  to_timestamp_micros: `CREATE OR REPLACE TEMP MACRO to_timestamp_micros(x) AS ${fromEpoch('', 'TIMESTAMP')}`,
  to_timestamp_millis: `CREATE OR REPLACE TEMP MACRO to_timestamp_millis(x) AS ${fromEpoch('* 1000', 'TIMESTAMP_MS')}`,
  to_timestamp_seconds: `CREATE OR REPLACE TEMP MACRO to_timestamp_seconds(x) AS ${fromEpoch('* 1000000', 'TIMESTAMP_S')}`,
};

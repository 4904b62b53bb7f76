import { influxqlError } from './errors.js';

/**
 * An InfluxQL (Go RE2) regex for matching names in JS: a leading `(?i)`/`(?s)`/`(?m)` group
 * becomes JS flags; `\A` and `\z` become ^ and $. Values in data are matched by DuckDB (also RE2).
 */
export function nameRegex(source: string): RegExp {
  let body = source;
  let flags = '';
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead) {
    flags = [...new Set(lead[1]!)].join('');
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\\A/g, '^').replace(/\\z/g, '$');
  try {
    return new RegExp(body, flags);
  } catch {
    throw influxqlError(`invalid regular expression /${source}/`);
  }
}

import { renamedTo } from './call-render.js';
import type { SqlFunction } from './sql-function.js';

// Statistical aggregates DuckDB has under another name (DataFusion's var is the sample variance, covar the sample
// covariance). Renaming keeps DISTINCT, FILTER and OVER working, which a macro would not.
export const STATISTICAL_FUNCTIONS: SqlFunction[] = [
  { name: 'var', rewrite: renamedTo('var_samp') },
  { name: 'var_sample', rewrite: renamedTo('var_samp') },
  { name: 'var_population', rewrite: renamedTo('var_pop') },
  { name: 'covar', rewrite: renamedTo('covar_samp') },
];

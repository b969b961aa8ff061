export {
  loadDatalist,
  parseDatalist,
  loaderFields,
  datalistOptionsFor,
  type Item,
  type DatalistOptions,
  type DatalistProblem,
} from './datalist.js';
export { checkItem, checkListValues, FileChecks, type CheckOptions, type ItemProblem } from './check.js';
export { validateMmar, type ValidateOptions, type ValidateReport, type ValidateProblem } from './validate-mmar.js';

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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { createDefaultRegistry } from '../../src/transforms/catalogue.js';
import { runCli } from '../../src/cli/program.js';
import { tempDir } from '../helpers.js';
import { writeSpleenMmar, type Mmar } from './mmars.js';
import { automlConfig } from './automl.js';

function mmar(t: { after: (fn: () => void) => void }, edit: (c: Record<string, any>) => void = () => {}): Mmar {
  const c = automlConfig();
  edit(c);
  return writeSpleenMmar(tempDir(t), 1, 1, c as never);
}
const load = (m: Mmar, set: string[] = []) => loadConfig({ config: m.config, mmar: m.root, set, registry: createDefaultRegistry() });
const chain = (m: Mmar, set: string[] = []) => load(m, set).train!.preTransforms.map((p) => `${p.name}${p.args.probability !== undefined ? `(${p.args.probability})` : ''}`);
function problems(m: Mmar, set: string[] = []): string[] {
  try {
    load(m, set);
  } catch (e) {
    return (e as { context: { problems: string[] } }).context.problems;
  }
  return assert.fail('expected the config to be refused');
}

const WRITTEN = ['LoadNifti', 'ConvertToChannelsFirst', 'ScaleIntensityRange', 'RandomSpatialFlip', 'ScaleShiftIntensity', 'ScaleIntensityOscillation(0.1)', 'AddGaussianNoise(0.1)'];

test('AutoML: without --set the values written in args are used; search / apply are not keys of the entries', (t) => {
  const m = mmar(t);
  const spec = load(m);
  assert.deepEqual(chain(m), WRITTEN);
  assert.deepEqual(spec.warnings, ['ignoring Clara keys voxelpipe does not use: train.loss, train.lr_policy']);
  assert.deepEqual(
    spec.search.map((v) => [v.name, v.type, v.entry, v.places.length]),
    [
      ['learning_rate', 'float', 'search[0]', 1],
      ['myTransformDisable', 'enum', 'search[1]', 2],
      ['train.lr_policy.args.poly_power', 'enum', 'train.lr_policy.search[0]', 1],
      ['myProb', 'float', 'train.pre_transforms[5].search[0]', 2],
      ['train.pre_transforms[6].disabled', 'enum', 'train.pre_transforms[6].search[0]', 1],
    ],
  );
  assert.equal(spec.variables.learning_rate, 0.001);
});

test('AutoML: --set picks a point: the searched arg and every apply take it, @disabled toggles transforms, refs see it', (t) => {
  const m = mmar(t);
  assert.deepEqual(chain(m, ['myProb=0.15']), [...WRITTEN.slice(0, 5), 'ScaleIntensityOscillation(0.15)', 'AddGaussianNoise(0.15)']);
  assert.deepEqual(load(m, ['myProb=0.15']).validate!.preTransforms.map((p) => p.args.probability), [undefined, undefined, undefined, 0.15], 'a validate ref reuses the picked train entry');
  assert.deepEqual(chain(m, ['myTransformDisable=true']), [...WRITTEN.slice(0, 3), ...WRITTEN.slice(5)], 'the tag disables both transforms that apply it');
  assert.deepEqual(chain(m, ['myTransformDisable=false']), WRITTEN);
  assert.deepEqual(chain(m, ['train.pre_transforms[6].disabled=true']), WRITTEN.slice(0, 6), 'an unnamed @disabled search is picked by its JSON path');
  // A named variable also answers to the path of the arg it searches; the last --set wins.
  assert.deepEqual(chain(m, ['myProb=0.15', 'train.pre_transforms[5].args.probability=0.05']).slice(5), ['ScaleIntensityOscillation(0.05)', 'AddGaussianNoise(0.05)']);
  assert.ok(load(m, ['myprob=0.15']).warnings.includes('--set myprob: not a search variable (did you mean myProb?); it is set as a plain variable'));
  // First-level parameters: the pick is the variable's value.
  assert.equal(load(m, ['learning_rate=0.0005']).variables.learning_rate, 0.0005);
  assert.deepEqual(load(m, ['train.lr_policy.args.poly_power=0.9']).search.find((v) => v.name.includes('poly'))!.places[0].value, 0.9);
});

test('AutoML: a value outside the targets names the search entry', (t) => {
  const m = mmar(t);
  assert.deepEqual(problems(m, ['myProb=0.5']), ['--set myProb=0.5: 0.5 is outside train.pre_transforms[5].search[0].targets [0, 0.2]']);
  assert.deepEqual(problems(m, ['learning_rate=1']), ['--set learning_rate=1: 1 is outside search[0].targets [0.0001, 0.001]']);
  assert.deepEqual(problems(m, ['myProb=high']), ['--set myProb=high: train.pre_transforms[5].search[0] is a float search over [0, 0.2]; expected a number, got "high"']);
  assert.deepEqual(problems(m, ['myTransformDisable=maybe', 'train.lr_policy.args.poly_power=0.95']), [
    '--set myTransformDisable=maybe: "maybe" is not among the choices of search[1].targets (true, false)',
    '--set train.lr_policy.args.poly_power=0.95: 0.95 is not among the choices of train.lr_policy.search[0].targets (0.9, 0.99)',
  ]);
});

test('AutoML: enum args searched together take a whole choice; a partial pick must single one out', (t) => {
  const m = mmar(t, (c) => {
    c.search.push({ domain: 'transform', type: 'enum', args: ['flipOff', 'shiftOff'], targets: [[true, false], [false, true], [false, false]] });
    c.train.pre_transforms[3].apply = { '@disabled': 'flipOff' };
    c.train.pre_transforms[4].apply = { '@disabled': 'shiftOff' };
  });
  assert.deepEqual(chain(m, ['flipOff=true']), WRITTEN.filter((n) => n !== 'RandomSpatialFlip'), 'flipOff=true has one choice: shiftOff=false');
  assert.deepEqual(chain(m, ['flipOff=false', 'shiftOff=true']), WRITTEN.filter((n) => n !== 'ScaleShiftIntensity'));
  assert.deepEqual(problems(m, ['flipOff=false']), ['--set flipOff=false: 2 choices of search[2].targets match ([false,true], [false,false]); also set shiftOff']);
  assert.deepEqual(problems(m, ['flipOff=true', 'shiftOff=true']), [
    '--set flipOff=true --set shiftOff=true: no choice of search[2].targets has flipOff=true, shiftOff=true (choices: [true,false], [false,true], [false,false])',
  ]);
});

test('AutoML: malformed search and apply blocks are refused, each naming its JSON path', (t) => {
  const m = mmar(t, (c) => {
    const pre = c.train.pre_transforms;
    pre[5].search[0].args = ['probabilty#myProb'];
    pre[6].apply = { probability: 'myProbb' };
    pre[2].search = [{ type: 'int', args: 'a_min', targets: [0, 1] }];
    pre[1].search = [{ type: 'float', args: ['@disabled'], targets: [0, 1] }];
    pre[0].search = [{ type: 'enum', args: ['fields'], targets: [['image'], 'label'], domain: 'transfrom' }];
    c.validate.pre_transforms[0].apply = { '@disabled': 'myTransformDisable' };
    c.search[0].targets = [0.001, 0.0001];
    c.search.push({ type: 'enum', args: ['@myTransformDisable'], targets: [[true], [false]] });
  });
  assert.deepEqual(problems(m), [
    'search[0].targets: a float search takes [min, max] with min <= max, got [0.001,0.0001]',
    'search[2].args[0]: search variable "myTransformDisable" is already defined at search[1]',
    'train.pre_transforms[0].search[0].domain: expected one of "lr", "net", "transform" (did you mean transform?), got "transfrom"',
    'train.pre_transforms[1].search[0].type: @disabled takes true or false; search it with "type": "enum" and "targets": [[true], [false]]',
    'train.pre_transforms[2].search[0].type: expected "float" or "enum", got "int"',
    'train.pre_transforms[5].search[0].args[0]: ScaleIntensityOscillation has no arg "probabilty" (did you mean probability?)',
    'validate.pre_transforms[0].apply: a ref reuses the train transform as it is (its search and apply included); remove "apply"',
    'train.pre_transforms[6].apply.probability: no search variable is named "myProbb" (variables: myTransformDisable); name one with "arg#myProbb" in a search entry\'s args or in the top-level search',
  ]);
});

test('AutoML: apply keys cannot reach the prototype; an @disabled apply needs a true/false variable', (t) => {
  // A "__proto__" key anywhere in a config file is refused when the file is read (issue 15), before AutoML sees it.
  const proto = mmar(t, (c) => {
    c.train.pre_transforms[6].apply = JSON.parse('{"__proto__": "myProb", "@disabled": "myProb"}');
  });
  assert.throws(() => load(proto), /train\.pre_transforms\[6\]\.apply\.__proto__: the key "__proto__" is not allowed/);
  const m = mmar(t, (c) => {
    c.train.pre_transforms[6].apply = JSON.parse('{"@disabled": "myProb", "@fields": "myProb"}');
  });
  assert.deepEqual(problems(m), [
    'train.pre_transforms[6].apply["@disabled"]: @disabled takes true or false, but train.pre_transforms[5].search[0] searches floats in [0, 0.2]',
    'train.pre_transforms[6].apply["@fields"]: "@fields" is not a searchable attribute; components have one, @disabled',
  ]);
  assert.equal(({} as Record<string, unknown>).myProb, undefined);
});

test('AutoML: voxelpipe run picks the point (the chain it prints has the transform toggled)', async (t) => {
  const m = mmar(t);
  let out = '';
  const code = await runCli(['node', 'voxelpipe', 'run', '--config', m.config, '--mmar', m.root, '--set', 'myTransformDisable=true', 'myProb=0.2'], {
    out: (s) => (out += s),
    err: () => {},
  });
  assert.equal(code, 0);
  assert.match(out, /^LoadNifti -> ConvertToChannelsFirst -> ScaleIntensityRange -> ScaleIntensityOscillation -> AddGaussianNoise \| batch 1/m);
});

/**
 * A synthetic Clara AutoML training config in the shape of NVIDIA's
 * NoteBooks/AutoML trn_autoML_*.json: a top-level float search on
 * learning_rate and a free enum tag applied as @disabled to two transforms,
 * an lr_policy enum search, a named float search (`probability#myProb`)
 * applied to a second transform, and an unnamed @disabled search.
 */
export function automlConfig(): Record<string, any> {
  const pipeline = (key: string) => ({
    name: 'SegmentationImagePipeline',
    args: {
      data_list_file_path: '{DATASET_JSON}',
      data_file_base_dir: '{DATA_ROOT}',
      data_list_key: key,
      output_crop_size: [-1, -1, -1],
      output_batch_size: 1,
      num_workers: 0,
      prefetch_size: 0,
    },
  });
  return {
    epochs: 1,
    learning_rate: 1e-3,
    search: [
      { domain: 'lr', args: ['learning_rate'], type: 'float', targets: [0.0001, 0.001] },
      { domain: 'transform', args: ['@myTransformDisable'], type: 'enum', targets: [[true], [false]] },
    ],
    train: {
      loss: { name: 'Dice' },
      lr_policy: {
        name: 'ReducePoly',
        args: { poly_power: 0.99 },
        search: [{ type: 'enum', args: ['poly_power'], targets: [[0.9], [0.99]], domain: 'lr' }],
      },
      pre_transforms: [
        { name: 'LoadNifti', args: { fields: ['image', 'label'] } },
        { name: 'ConvertToChannelsFirst', args: { fields: ['image', 'label'] } },
        { name: 'ScaleIntensityRange', args: { fields: 'image', a_min: -100, a_max: 100, b_min: 0, b_max: 1, clip: true } },
        { name: 'RandomSpatialFlip', disabled: false, args: { fields: ['image', 'label'] }, apply: { '@disabled': 'myTransformDisable' } },
        { name: 'ScaleShiftIntensity', args: { fields: 'image', scale: 0.1, shift: 0.1 }, apply: { '@disabled': 'myTransformDisable' } },
        {
          name: 'ScaleIntensityOscillation',
          args: { fields: 'image', magnitude: 0.1, probability: 0.1 },
          search: [{ type: 'float', args: ['probability#myProb'], targets: [0.0, 0.2], domain: 'transform' }],
        },
        {
          name: 'AddGaussianNoise',
          args: { fields: 'image', probability: 0.1 },
          apply: { probability: 'myProb' },
          search: [{ type: 'enum', args: ['@disabled'], targets: [[true], [false]], domain: 'transform' }],
        },
      ],
      image_pipeline: pipeline('training'),
    },
    validate: {
      pre_transforms: [{ ref: 'LoadNifti' }, { ref: 'ConvertToChannelsFirst' }, { ref: 'ScaleIntensityRange' }, { ref: 'ScaleIntensityOscillation' }],
      image_pipeline: pipeline('validation'),
    },
  };
}

import { describe, expect, it } from 'vitest';
import { tensorView } from '../../core/weights';
import { initWeights, openModel } from '../model';
import { fromTorchTensors, toTorchTensors, TorchLayoutError } from './torch-layout';

describe('CNN4Conv weights in the official PyTorch layout', () => {
  const config = { name: 'cnn4conv', height: 32, width: 32, channels: 3 as const, numClasses: 5 };
  const arch = openModel(config).arch;

  it('names, shapes and element positions follow the torch state_dict', () => {
    const ws = initWeights(config, 3);
    const t = toTorchTensors(ws, arch);
    expect(t.map((x) => x.name).slice(0, 6)).toEqual([
      'features.0.0.weight',
      'features.0.0.bias',
      'features.0.1.weight',
      'features.0.1.bias',
      'features.0.1.running_mean',
      'features.0.1.running_var',
    ]);
    const conv = t.find((x) => x.name === 'features.1.0.weight');
    expect(conv?.shape).toEqual([64, 64, 3, 3]);
    // HWIO [y][x][ci][o] -> OIHW [o][ci][y][x]
    const hwio = tensorView(ws, 'block2.conv.weight');
    const [y, x, ci, o] = [2, 1, 17, 40];
    expect(conv?.data[((o * 64 + ci) * 3 + y) * 3 + x]).toBe(hwio[((y * 3 + x) * 64 + ci) * 64 + o]);
    const lin = t.find((x) => x.name === 'linear.weight');
    expect(lin?.shape).toEqual([5, 256]);
    expect(lin?.data[3 * 256 + 200]).toBe(tensorView(ws, 'fc.weight')[200 * 5 + 3]);
  });

  it('round-trips exactly and rejects a wrong shape, a missing tensor and NaN', () => {
    const ws = initWeights(config, 9);
    const back = fromTorchTensors(toTorchTensors(ws, arch), arch);
    expect(Array.from(back.data)).toEqual(Array.from(ws.data));
    const t = toTorchTensors(ws, arch);
    expect(() => fromTorchTensors(t.filter((x) => x.name !== 'linear.bias'), arch)).toThrow(/linear.bias is missing/);
    const bad = t.map((x) => (x.name === 'linear.weight' ? { ...x, shape: [256, 5] } : x));
    expect(() => fromTorchTensors(bad, arch)).toThrow(TorchLayoutError);
    const nan = t.map((x) => (x.name === 'features.0.0.bias' ? { ...x, data: Float32Array.from(x.data, (v, i) => (i === 3 ? NaN : v)) } : x));
    expect(() => fromTorchTensors(nan, arch)).toThrow(/non-finite/);
  });
});

/**
 * An ONNX backbone run by onnxruntime-node's CPU provider (bundled in the package; its install
 * script, which would fetch GPU providers, never runs here: package.json allowScripts). The one
 * float input may be NCHW (a PyTorch export) or NHWC; batches come NHWC and are transposed.
 */
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { readBounded, sha256Of } from './files';
import { BackboneError, MAX_FEATURE_DIM, type Backbone, type BackboneInfo } from './types';

type Ort = typeof OrtModule;

async function ort(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new BackboneError(`ONNX backbones need onnxruntime-node, which did not load: ${(e as Error).message}`);
  }
}

function toNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + k] as number;
  return out;
}

export async function loadOnnxBackbone(file: string): Promise<Backbone> {
  const { InferenceSession, Tensor } = await ort();
  const bytes = readBounded(file, 'ONNX file');
  let session: Awaited<ReturnType<typeof InferenceSession.create>>;
  try {
    session = await InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new BackboneError(`${path.basename(file)} is not a valid ONNX model: ${(e as Error).message.split('\n')[0]}`);
  }
  const fail = async (message: string): Promise<never> => {
    await session.release();
    throw new BackboneError(`${path.basename(file)}: ${message}`);
  };
  const input = session.inputMetadata[0];
  if (session.inputNames.length !== 1 || !input || !input.isTensor || input.type !== 'float32') {
    return fail(`a backbone takes one float32 image batch; this model takes ${session.inputNames.join(', ')}`);
  }
  const dims = input.shape.map((d) => (typeof d === 'number' ? d : -1));
  const nchw = dims.length === 4 && (dims[1] === 1 || dims[1] === 3) && dims[3] !== 1 && dims[3] !== 3;
  const [h, w, c] = nchw ? [dims[2], dims[3], dims[1]] : [dims[1], dims[2], dims[3]];
  if (dims.length !== 4 || !h || !w || h < 1 || w < 1 || (c !== 1 && c !== 3)) {
    return fail(`a backbone takes images [n, height, width, 1 or 3] (or NCHW) with fixed sizes; this one takes [${input.shape.join(', ')}]`);
  }
  // A fixed batch of 1 (some exports) is run image by image.
  const fixedBatch = dims[0] === -1 ? null : (dims[0] as number);
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const runChunk = async (x: Float32Array, n: number): Promise<Float32Array> => {
    const data = nchw ? toNchw(x, n, h, w, c) : x;
    const feeds = { [inputName]: new Tensor('float32', data, nchw ? [n, c, h, w] : [n, h, w, c]) };
    const out = (await session.run(feeds))[outputName];
    if (!out || out.type !== 'float32') throw new BackboneError(`${path.basename(file)} returned no float32 output '${outputName}'`);
    return out.data as Float32Array;
  };
  const run = async (batch: Float32Array, count: number): Promise<Float32Array> => {
    if (fixedBatch === null) return runChunk(batch, count);
    if (fixedBatch !== 1) throw new BackboneError(`${path.basename(file)} has a fixed batch of ${fixedBatch}; export it with a dynamic or unit batch`);
    const per = h * w * c;
    const parts: Float32Array[] = [];
    for (let i = 0; i < count; i++) parts.push(await runChunk(batch.subarray(i * per, (i + 1) * per), 1));
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
    return out;
  };
  const probe = await run(new Float32Array(h * w * c), 1);
  if (probe.length < 1 || probe.length > MAX_FEATURE_DIM) {
    return fail(`gives ${probe.length} values per image; a backbone must end in a feature vector of 1..${MAX_FEATURE_DIM} (add global pooling)`);
  }
  const info: BackboneInfo = { format: 'onnx', sha256: sha256Of([bytes]), inputShape: [h, w, c], inputScaling: 'unit', featureDim: probe.length, description: '' };
  return {
    info,
    run,
    close: async () => {
      await session.release();
    },
  };
}

/** Opens a backbone by its file: model.json (TensorFlow.js) or *.onnx. */
import { loadOnnxBackbone } from './onnx-backbone';
import { loadTfjsBackbone } from './tfjs-backbone';
import { BackboneError, type Backbone } from './types';

export async function loadBackbone(file: string): Promise<Backbone> {
  if (file.toLowerCase().endsWith('.onnx')) return loadOnnxBackbone(file);
  if (file.toLowerCase().endsWith('.json')) return loadTfjsBackbone(file);
  throw new BackboneError(`a backbone is a TensorFlow.js model.json or an .onnx file, not ${file}`);
}

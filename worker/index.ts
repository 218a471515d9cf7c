import { createApp } from './app';
import modelJson from './model/default/model.json';
import weights from './model/default/weights.bin';

/** The worker: the app serving the model bundled from `worker/model/default/`. */
export default createApp({ bundledModel: { modelJson, weights } });

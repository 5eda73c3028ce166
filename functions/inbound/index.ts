import { createCallbackFunction, type FunctionHost } from '../../shared/callback/callback-function';

/**
 * A fresh instance of the inbound function, on the host's clock and log (the simulator's; see
 * `FunctionHost`): its own rules cache and duplicate check; the environment is read once per loaded bundle.
 */
export const createHandler = (host?: FunctionHost) =>
  createCallbackFunction({ name: 'inbound', origin: 'inbound', host });

/** FC 3.0 event handler (`index.handler`) for inbound call callbacks: the real clock, stdout. */
export const handler = createHandler();

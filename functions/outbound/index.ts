import { createCallbackFunction, type FunctionHost } from '../../shared/callback/callback-function';
import { MAX_BODY_BYTES } from '../../shared/protocol/http';

/**
 * A fresh instance of the outbound function, on the host's clock and log (the simulator's; see
 * `FunctionHost`): its own rules cache and duplicate check; the environment is read once per loaded bundle.
 */
export const createHandler = (host?: FunctionHost) =>
  createCallbackFunction({ name: 'outbound', origin: 'outbound', host });

/** FC 3.0 event handler (`index.handler`) for outbound call callbacks: the real clock, stdout. */
export const handler = createHandler();

/** The largest body the handler takes: the custom runtime's server reads no more (server.js). */
export const maxBodyBytes = MAX_BODY_BYTES;

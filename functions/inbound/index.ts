import { createCallbackFunction } from '../../shared/callback/callback-function';

/** FC 3.0 event handler (`index.handler`) for inbound call callbacks. */
export const handler = createCallbackFunction({ name: 'inbound', origin: 'inbound' });

import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { send, toForwardedRequest } from '../../dev/custom-runtime-client';
import type { FcHandler } from '../../dev/fc-event';
import { createCustomRuntimeServer } from '../../functions/custom-runtime/server';

/**
 * The callback suites' second invoker: the same handler instance behind the custom runtime's server on
 * 127.0.0.1, port 0, reached through dev/custom-runtime-client.ts. The server turns each request back into
 * an event for the handler. An event no HTTP request can carry (not JSON, not an object) goes to the
 * handler as it is.
 */

/** Set (to `custom-runtime`) in the child process that runs the suites a second time. */
export const INVOKER_VARIABLE = 'VMS_TEST_INVOKER';

const servers = new Set<ReturnType<typeof createCustomRuntimeServer>>();

// Every server this module started is closed once the process's tests are over.
after(() =>
  Promise.all([...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))),
);

/** `handler` behind a running custom-runtime server: an FC handler that goes through HTTP. */
export async function viaCustomRuntime(handler: FcHandler): Promise<FcHandler> {
  const server = createCustomRuntimeServer(handler);
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return (event, context) => {
    const forwarded = toForwardedRequest(event, context);
    return forwarded === undefined ? handler(event, context) : send(port, forwarded);
  };
}

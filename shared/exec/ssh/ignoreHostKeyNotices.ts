import type { Client } from 'ssh2';

const HOST_KEYS_NOTICE = 'hostkeys-00@openssh.com';

type GlobalRequestHandler = (packet: unknown, name: string, wantReply: boolean, data: unknown) => void;

/** The part of ssh2's private connection state this module touches. */
interface ClientInternals {
  _protocol?: {
    _handlers?: { GLOBAL_REQUEST?: GlobalRequestHandler };
    requestSuccess?: () => void;
  };
}

/**
 * Makes `client` ignore the `hostkeys-00@openssh.com` notice that OpenSSH servers send after
 * authentication. ssh2 answers each notice by asking the server to prove every key it lists: a
 * round trip, one signature per host key on the server (through its privilege-separation monitor)
 * and as many verifications on the client, on every connection. stepfleet never learns host keys
 * from a connection (they come from known_hosts or the inventory, and an unknown key fails closed),
 * so the proof buys nothing; OpenSSH's client likewise ignores the notice unless `UpdateHostKeys`
 * is on. ssh2 has no option for this, so the handler is replaced in its message table.
 *
 * Call right after `client.connect()` (which builds that table). Returns false, changing nothing,
 * when ssh2's internals do not have the expected shape: the connection then behaves as before.
 */
export function ignoreHostKeyNotices(client: Client): boolean {
  const protocol = (client as unknown as ClientInternals)._protocol;
  const handlers = protocol?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (protocol === undefined || handlers === undefined || typeof original !== 'function') return false;
  handlers.GLOBAL_REQUEST = (packet, name, wantReply, data) => {
    if (name !== HOST_KEYS_NOTICE) return original(packet, name, wantReply, data);
    // OpenSSH sends the notice without asking for a reply; answer anyway if one is asked for.
    if (wantReply) protocol.requestSuccess?.();
  };
  return true;
}

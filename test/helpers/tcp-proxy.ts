import * as net from 'node:net';

/** A TCP proxy on 127.0.0.1 that can drop its first connection after some bytes (a connection lost mid-upload). */
export interface TcpProxy {
  port: number;
  /** Bytes forwarded from clients to the server, over all connections. */
  bytesUp: number;
  /** Connections cut by the proxy. */
  cuts: number;
  connections: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, options: { cutFirstAfterBytes?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: TcpProxy = { port: 0, bytesUp: 0, cuts: 0, connections: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    const index = proxy.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let up = 0;
    client.on('data', (d) => {
      proxy.bytesUp += d.length;
      up += d.length;
      upstream.write(d);
      if (index === 0 && options.cutFirstAfterBytes !== undefined && up >= options.cutFirstAfterBytes) {
        proxy.cuts++;
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return proxy;
}

/** A TCP server that accepts connections and never says anything (an SSH port that hangs). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

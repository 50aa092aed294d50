import pino from 'pino';

export type Logger = pino.Logger;

/** pino-pretty is a development dependency: a terminal gets readable lines where it is installed. */
function prettyTransport(): pino.TransportSingleOptions | undefined {
  if (!process.stdout.isTTY) return undefined;
  try {
    require.resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } };
}

/** JSON lines (for log shippers) unless stdout is a terminal. */
export function createLogger(level: string, name: string): Logger {
  const transport = prettyTransport();
  return pino({
    name,
    level,
    // Personal data never reaches the logs, whatever a caller passes in.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password', 'token', '*.token', 'email', '*.email'],
      censor: '[redacted]',
    },
    ...(transport ? { transport } : {}),
  });
}

export interface PgbouncerConfigInput {
  address: string;
  port: number;
  /** PostgreSQL on the same node, over TCP so inet_server_addr() still names the node. */
  pgAddress: string;
  pgPort: number;
  authFile: string;
  socketDir: string;
}

/** Session pooling in front of one node's PostgreSQL, SCRAM on both sides. */
export function pgbouncerConfig(c: PgbouncerConfigInput): string {
  return [
    '[databases]',
    `* = host=${c.pgAddress} port=${c.pgPort}`,
    '',
    '[pgbouncer]',
    `listen_addr = ${c.address}`,
    `listen_port = ${c.port}`,
    `unix_socket_dir = ${c.socketDir}`,
    'auth_type = scram-sha-256',
    `auth_file = ${c.authFile}`,
    'pool_mode = session',
    'max_client_conn = 500',
    'default_pool_size = 40',
    'ignore_startup_parameters = extra_float_digits',
    'server_connect_timeout = 2',
    'server_login_retry = 1',
    '',
  ].join('\n');
}

/** pgbouncer's auth file: with plain passwords it can answer SCRAM and also log in to the server. */
export function pgbouncerUsers(users: Record<string, string>): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return Object.entries(users).map(([u, p]) => `${q(u)} ${q(p)}`).join('\n') + '\n';
}

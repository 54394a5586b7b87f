export { CONTENT_SECURITY_POLICY } from './http-security';
export { createServer, type ServerOptions } from './server';

/**
 * The slice of llrpjs (MIT, https://github.com/llrpjs/llrpjs) this package uses, typed by hand.
 *
 * Why not llrpjs's own typings: its package.json points `typings` at its TypeScript *sources*, written for a
 * non-strict compiler. Importing `llrpjs` therefore type-checks ~6,000 lines of its code under this repo's strict
 * settings (hundreds of errors, and its typed message classes resolve to `{}` here). Importing the built entry point
 * `llrpjs/dist/src/index.js` (the same code `main` loads) with this declaration keeps the check to our own code.
 */
declare module 'llrpjs/dist/src/index.js' {
  import type { Server, Socket } from 'node:net';

  /** llrpjs's JSON form of a message: `data` mirrors the LTK XML (parameter names as keys, one object or an array). */
  export interface LlrpjsMessageJson {
    id: number;
    type: string;
    data: Record<string, unknown>;
  }

  /** A message object (typed or proxy). `encode()` must be called before `getBuffer()`; `decode()` after `new (buf)`. */
  export interface LlrpjsMessage {
    getName(): string;
    getMessageId(): number;
    /** The name of the response message type, or null for messages without one (KEEPALIVE_ACK, reports). */
    getResponseName(): string | null;
    encode(): this;
    decode(): this;
    getBuffer(): Buffer;
    toLLRPData(): LlrpjsMessageJson;
  }

  export type LlrpjsMessageClass = new (args?: { id?: number; data?: Record<string, unknown> }) => LlrpjsMessage;

  /** llrpjs's reader side: a net.Server accepting one connection at a time. */
  export class LlrpjsServer {
    constructor(options?: { host?: string; port?: number });
    protected _server: Server;
    protected _tcp: Socket | null;
    listen(): void;
    close(): Promise<void>;
    disconnect(): Promise<void>;
    send(m: LlrpjsMessage): Promise<void>;
    get socketWritable(): boolean;
    on(event: 'message', listener: (m: LlrpjsMessage) => void): this;
    on(event: 'connection' | 'disconnect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }

  const llrpjs: {
    /** Every core message and parameter class by LLRP name (RO_ACCESS_REPORT, ADD_ROSPEC, …). */
    LLRPCore: Record<string, LlrpjsMessageClass | undefined>;
    /** Generic message: `new LLRPMessage(frame).decode()` decodes any core message. */
    LLRPMessage: new (frame: Buffer) => LlrpjsMessage;
    LLRPServer: typeof LlrpjsServer;
  };
  export default llrpjs;
}

// A small CRI client (what the kubelet does), for containerd's CRI plugin on its private
// socket: gRPC is HTTP/2 with 5-byte framed protobuf messages, so node:http2 and a few
// lines of protobuf encoding are enough for the calls the e2e tier makes. Field numbers
// are those of k8s.io/cri-api runtime/v1 (api.proto) as containerd 1.6 vendors it.
import http2 from "node:http2";
import net from "node:net";

type Msg = Record<number, Array<bigint | Buffer>>;

function varint(v: number | bigint): Buffer {
  const out: number[] = [];
  let n = BigInt(v);
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

/** A length-delimited field: a string, or a nested message given as its encoded parts. */
export function field(no: number, ...value: Array<string | Buffer>): Buffer {
  const b = Buffer.concat(value.map((v) => (typeof v === "string" ? Buffer.from(v) : v)));
  return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
}

/** A varint field (enums, ints, bools). */
export function num(no: number, v: number): Buffer {
  return Buffer.concat([varint(no << 3), varint(v)]);
}

export function decode(buf: Buffer): Msg {
  const out: Msg = {};
  let i = 0;
  const readVarint = (): bigint => {
    let r = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      r |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return r;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const no = key >> 3;
    let v: bigint | Buffer;
    switch (key & 7) {
      case 0: v = readVarint(); break;
      case 1: v = buf.subarray(i, i + 8); i += 8; break;
      case 2: { const len = Number(readVarint()); v = buf.subarray(i, i + len); i += len; break; }
      case 5: v = buf.subarray(i, i + 4); i += 4; break;
      default: throw new Error(`protobuf: wire type ${key & 7} at ${i}`);
    }
    (out[no] ??= []).push(v);
  }
  return out;
}

export const str = (m: Msg, no: number): string => ((m[no]?.[0] as Buffer | undefined) ?? Buffer.alloc(0)).toString();
export const int = (m: Msg, no: number): number => Number((m[no]?.[0] as bigint | undefined) ?? 0n);
export const sub = (m: Msg, no: number): Msg => decode((m[no]?.[0] as Buffer | undefined) ?? Buffer.alloc(0));

export class CriClient {
  private readonly session: http2.ClientHttp2Session;
  constructor(sock: string) {
    this.session = http2.connect("http://localhost", { createConnection: () => net.connect(sock) });
    this.session.on("error", () => { /* reported by the call that fails */ });
  }

  /** One unary call, e.g. "RuntimeService/Version"; rejects with the gRPC status and message. */
  call(method: string, body: Buffer = Buffer.alloc(0), timeoutMs = 60_000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const req = this.session.request({
        ":method": "POST", ":path": `/runtime.v1.${method}`,
        "content-type": "application/grpc", te: "trailers",
      });
      const timer = setTimeout(() => { req.close(); reject(new Error(`CRI ${method}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
      const chunks: Buffer[] = [];
      let status: Record<string, unknown> = {};
      req.on("response", (h) => { if (h["grpc-status"] !== undefined) status = h; });
      req.on("trailers", (t) => { status = t; });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", (e) => { clearTimeout(timer); reject(e); });
      req.on("end", () => {
        clearTimeout(timer);
        const code = String(status["grpc-status"] ?? "0");
        if (code !== "0") return reject(new Error(`CRI ${method}: ${decodeURIComponent(String(status["grpc-message"] ?? `grpc-status ${code}`))}`));
        const b = Buffer.concat(chunks);
        resolve(b.length >= 5 ? decode(b.subarray(5, 5 + b.readUInt32BE(1))) : {});
      });
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      body.copy(frame, 5);
      req.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}

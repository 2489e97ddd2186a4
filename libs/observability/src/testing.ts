import { createServer, type Server } from 'node:http';

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
export interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  kind: number;
  attributes: OtlpAttribute[];
}
export interface OtlpExport {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}
export interface OtlpRequest {
  path: string;
  contentType: string | undefined;
  body: OtlpExport;
}
/** A received span with the `service.name` of the process that sent it. */
export interface ReceivedSpan extends OtlpSpan {
  service: string;
}

/**
 * An OpenTelemetry collector in miniature for tests: an OTLP/HTTP endpoint that keeps the
 * JSON POSTed to it. Point `OTEL_EXPORTER_OTLP_ENDPOINT` at `url` (spans arrive at
 * `/v1/traces`).
 */
export class OtlpJsonReceiver {
  readonly requests: OtlpRequest[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport,
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this.url;
  }

  /** Every span received so far, each with its service name. */
  spans(): ReceivedSpan[] {
    return this.requests.flatMap(({ body }) =>
      body.resourceSpans.flatMap((resource) => {
        const service = resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
        return resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ ...span, service })));
      }),
    );
  }

  clear(): void {
    this.requests.splice(0);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

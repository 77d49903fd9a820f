// Checks real API responses against the API's own /openapi.json: the response schema for (path template,
// method, status) must exist, and the body must validate (ajv, JSON Schema 2020-12 = OpenAPI 3.1 schemas).
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components?: { schemas?: Record<string, unknown> };
}

export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; re: RegExp }>;
  /** (template, method, status) seen, for coverage assertions. */
  readonly seen = new Set<string>();

  constructor(private readonly doc: Doc) {
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: "openapi", components: doc.components ?? {} });
    this.templates = Object.keys(doc.paths).map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    }));
  }

  /** Throws naming what is wrong when the response is not what the document says. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): void {
    const pathname = path.split("?")[0];
    const found = this.templates.find((t) => t.re.test(pathname));
    if (found === undefined) return; // not part of the public document (ops endpoints, unknown paths)
    const op = this.doc.paths[found.template]?.[method.toLowerCase()];
    if (op === undefined) {
      if (status === 405) return;
      throw new Error(`${method} ${found.template} is not documented, yet answered ${status}`);
    }
    const response = op.responses[String(status)];
    if (response === undefined)
      throw new Error(`${method} ${found.template} answered ${status}, which is not documented`);
    this.seen.add(`${method.toUpperCase()} ${found.template} ${status}`);
    if (response.content === undefined) return;
    const type = (contentType ?? "").split(";")[0];
    const media = response.content[type];
    if (media === undefined)
      throw new Error(
        `${method} ${found.template} ${status} answered ${type}, documented: ${Object.keys(response.content).join(", ")}`,
      );
    const key = `${found.template} ${method} ${status} ${type}`;
    let validate = this.cache.get(key);
    if (validate === undefined) {
      const schema = JSON.parse(JSON.stringify(media.schema).replace(/"#\/components\//g, '"openapi#/components/'));
      validate = this.ajv.compile(schema);
      this.cache.set(key, validate);
    }
    if (!validate(body))
      throw new Error(
        `${method} ${path} ${status}: body does not match the document: ${this.ajv.errorsText(validate.errors)}; body ${JSON.stringify(body).slice(0, 300)}`,
      );
  }
}

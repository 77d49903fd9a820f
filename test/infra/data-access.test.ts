/**
 * Pure rules of the data tier and its access (issue 12), without a plan: zone choice, config validation, the
 * database component's arguments, the RDS CA bundle, and the OpenSearch security function (its SigV4 signer, its
 * request bodies against the security plugin's REST API, its code as shipped).
 */
import aws4 from "aws4";
import * as crypto from "node:crypto";
import { X509Certificate, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { chooseZones, type ZoneChoiceInput } from "../../infra/lib/zones";
import { resolveStackConfig, vpcCidrProblems } from "../../stacks/config";
import { databaseArgsProblems } from "../../infra/components/database";
import { RDS_CA_BUNDLE_SHA256, rdsCaBundle } from "../../infra/lib/db-roles";
import { APP_SEARCH_ROLE, searchSecurityRequests } from "../../infra/lib/search-security";
import { applySecurity, signV4 } from "../../infra/functions/search-security";
import { searchSecurityCode } from "../../infra/components/search-security";
import { mockRegionZones } from "../../tools/plan/mocks";

const ROOT = join(__dirname, "..", "..");

describe("zones are chosen by zone id, among zones that offer every node class, and stay put", () => {
  const graviton = ["c7g.xlarge", "m7g.2xlarge", "m7g.large"];
  const offeringsBut = (zoneIds: string[], without: string[]) => {
    const rows = zoneIds.filter((z) => !without.includes(z)).flatMap((z) => graviton.map((t) => ({ z, t })));
    return { instanceTypes: rows.map((r) => r.t), locations: rows.map((r) => r.z) };
  };
  const useast1 = mockRegionZones("us-east-1");
  const base: ZoneChoiceInput = {
    azCount: 3,
    region: "us-east-1",
    zones: useast1,
    offerings: offeringsBut(useast1.zoneIds, ["use1-az3"]),
    requiredTypes: graviton,
    pinned: [],
  };

  test("the automatic choice skips a zone id without the node classes (use1-az3 has no Graviton)", () => {
    const choice = chooseZones(base);
    expect(choice.zoneIds).toEqual(["use1-az1", "use1-az2", "use1-az4"]);
    // Names follow the account's own mapping, not list order.
    expect(choice.names).toEqual(choice.zoneIds.map((id) => useast1.names[useast1.zoneIds.indexOf(id)]));
  });

  test("a zone list that is reordered or gains a zone keeps the zones already chosen", () => {
    const before = chooseZones(base).zoneIds;
    const reversed = { names: [...useast1.names].reverse(), zoneIds: [...useast1.zoneIds].reverse() };
    expect(chooseZones({ ...base, zones: reversed }).zoneIds).toEqual(before);
    const grown = { names: [...useast1.names, "us-east-1g"], zoneIds: [...useast1.zoneIds, "use1-az7"] };
    const offerings = offeringsBut(grown.zoneIds, ["use1-az3"]);
    expect(chooseZones({ ...base, zones: grown, offerings }).zoneIds).toEqual(before);
  });

  test("pinned zones are used as given, and one lacking a class or unknown to the region is an error naming the key", () => {
    const pinned = ["use1-az4", "use1-az1", "use1-az2"];
    expect(chooseZones({ ...base, pinned }).zoneIds).toEqual(pinned);
    expect(() => chooseZones({ ...base, pinned: ["use1-az1", "use1-az3", "use1-az4"] })).toThrow(
      "storyforge:zoneIds entry use1-az3 does not offer c7g.xlarge, m7g.2xlarge, m7g.large",
    );
    expect(() => chooseZones({ ...base, pinned: ["use1-az1", "use1-az2", "use1-az9"] })).toThrow(
      /storyforge:zoneIds entry use1-az9 is not a zone of us-east-1/,
    );
  });

  test("too few usable zones is an error that lists what each unusable zone lacks", () => {
    expect(() =>
      chooseZones({
        ...base,
        offerings: offeringsBut(useast1.zoneIds, ["use1-az3", "use1-az4", "use1-az5", "use1-az6"]),
      }),
    ).toThrow(/us-east-1 has 2 zones offering .* but azCount is 3 \(use1-az3 lacks/);
  });
});

describe("stack config refuses what AWS or the layout cannot take, naming the key", () => {
  const resolve = (values: Record<string, unknown>) =>
    resolveStackConfig({
      stack: "t",
      stackFile: "Pulumi.t.yaml",
      values: { "aws:region": "us-east-1", "storyforge:tier": "v2", ...values },
    });
  const problems = (values: Record<string, unknown>): string => {
    try {
      resolve(values);
      return "";
    } catch (err) {
      return (err as Error).message;
    }
  };

  test("vpcCidr outside /16 to /20 is refused (AWS: /16-/28; below /20 pods starve)", () => {
    for (const cidr of ["10.0.0.0/8", "10.0.0.0/12", "10.0.0.0/21", "10.0.0.0/24"]) {
      expect(problems({ "storyforge:vpcCidr": cidr })).toContain(
        `storyforge:vpcCidr must be a /16 to /20, got ${cidr}`,
      );
    }
    expect(problems({ "storyforge:vpcCidr": "10.0.1.0/16" })).toContain(
      "storyforge:vpcCidr 10.0.1.0/16 has host bits set",
    );
    expect(vpcCidrProblems("10.0.0.0/16")).toEqual([]);
    expect(vpcCidrProblems("10.16.0.0/20")).toEqual([]);
  });

  test("zoneIds must be zone ids (not per-account names), distinct, and at least azCount of them", () => {
    expect(problems({ "storyforge:zoneIds": ["us-east-1a", "use1-az2", "use1-az4"] })).toContain(
      'storyforge:zoneIds entry "us-east-1a" is not a zone id like use1-az1',
    );
    expect(problems({ "storyforge:zoneIds": ["use1-az1", "use1-az1", "use1-az2"] })).toContain(
      "storyforge:zoneIds lists use1-az1 more than once",
    );
    expect(problems({ "storyforge:zoneIds": ["use1-az1", "use1-az2"] })).toContain(
      "storyforge:zoneIds lists 2 zones but azCount is 3",
    );
    expect(resolve({ "storyforge:zoneIds": ["use1-az1", "use1-az2", "use1-az4"] }).zoneIds).toEqual([
      "use1-az1",
      "use1-az2",
      "use1-az4",
    ]);
  });

  test("OpenSearch data nodes and coordinators are multiples of the zones, so every zone holds an equal share", () => {
    expect(problems({ "storyforge:searchDataNodes": 5 })).toContain(
      "searchDataNodes (5) must be a multiple of azCount (3)",
    );
    expect(problems({ "storyforge:searchCoordinatorNodes": 2 })).toContain(
      "searchCoordinatorNodes (2) must be 0 or a multiple of azCount (3)",
    );
    expect(problems({ "storyforge:searchDataNodes": 9, "storyforge:searchCoordinatorNodes": 0 })).toBe("");
  });
});

describe("the database component's arguments", () => {
  test("the retention of the log groups RDS exports to is a positive whole number of days", () => {
    const ok = { replicas: 1, maxStorageFactor: 2, monitoringInterval: 60, logRetentionDays: 30 };
    expect(databaseArgsProblems({ ...ok, logRetentionDays: 0 })).toEqual([
      "logRetentionDays must be a positive whole number, got 0",
    ]);
  });
  test("maxStorageFactor below 1.1 is refused (RDS: the ceiling must be 10 % above the allocated storage)", () => {
    const ok = { replicas: 1, maxStorageFactor: 2, monitoringInterval: 60, logRetentionDays: 30 };
    expect(databaseArgsProblems(ok)).toEqual([]);
    expect(databaseArgsProblems({ ...ok, maxStorageFactor: 1.1 })).toEqual([]);
    for (const factor of [1, 1.05, Number.NaN]) {
      expect(databaseArgsProblems({ ...ok, maxStorageFactor: factor })).toEqual([
        expect.stringContaining(`maxStorageFactor must be at least 1.1`),
      ]);
    }
  });
});

describe("the RDS CA bundle", () => {
  test("is the pinned file, every certificate parses, and it holds the RSA2048 G1 root the instances use", () => {
    const text = rdsCaBundle();
    expect(createHash("sha256").update(text).digest("hex")).toBe(RDS_CA_BUNDLE_SHA256);
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(pems.length).toBeGreaterThan(50);
    const certs = pems.map((p) => new X509Certificate(p));
    const subjects = certs.map((c) => c.subject);
    expect(subjects.some((s) => s.includes("CN=Amazon RDS us-east-1 Root CA RSA2048 G1"))).toBe(true);
    for (const c of certs) expect(new Date(c.validTo).getTime()).toBeGreaterThan(Date.parse("2026-12-01"));
  });
});

describe("the OpenSearch security function", () => {
  const api = JSON.parse(readFileSync(join(__dirname, "fixtures", "opensearch-security-api.json"), "utf8")) as {
    roleKeys: Record<string, string>;
    indexPermissionKeys: string[];
    rolesMappingKeys: Record<string, string>;
    staticActionGroups: Record<string, string>;
  };
  const clientRoleArn = "arn:aws:iam::123456789012:role/storyforge-v2-storyforge-search-client";
  const [role, mapping] = searchSecurityRequests({ clientRoleArn });
  const typeOf = (v: unknown) => (Array.isArray(v) ? "array" : typeof v);

  test("the app's role body uses only keys and action groups the security plugin's REST API accepts", () => {
    expect(role.path).toBe(`/_plugins/_security/api/roles/${APP_SEARCH_ROLE}`);
    for (const [k, v] of Object.entries(role.body)) expect([k, typeOf(v)]).toEqual([k, api.roleKeys[k]]);
    const perms = role.body.index_permissions as Array<Record<string, unknown>>;
    for (const perm of perms) {
      for (const k of Object.keys(perm)) expect(api.indexPermissionKeys).toContain(k);
      for (const action of perm.allowed_actions as string[]) {
        // An index permission is an index-type static group or an `indices:` action.
        expect(api.staticActionGroups[action] === "index" || action.startsWith("indices:")).toBe(true);
      }
    }
    for (const action of role.body.cluster_permissions as string[]) {
      expect(api.staticActionGroups[action] === "cluster" || action.startsWith("cluster:")).toBe(true);
    }
  });

  test("the app's role reaches only the scene indices, with no cluster-wide and no security rights", () => {
    expect(role.body).toMatchObject({
      cluster_permissions: [],
      index_permissions: [{ index_patterns: ["scenes", "scenes-*"], allowed_actions: ["crud", "create_index"] }],
    });
  });

  test("the mapping body uses only accepted keys and maps exactly the client IRSA role", () => {
    expect(mapping.path).toBe(`/_plugins/_security/api/rolesmapping/${APP_SEARCH_ROLE}`);
    for (const [k, v] of Object.entries(mapping.body)) expect([k, typeOf(v)]).toEqual([k, api.rolesMappingKeys[k]]);
    expect(mapping.body.backend_roles).toEqual([clientRoleArn]);
  });

  test("its SigV4 signature equals the aws4 library's for the same request", () => {
    const credentials = {
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      sessionToken: "token",
    };
    const now = new Date("2026-12-01T10:20:30Z");
    const body = JSON.stringify(role.body);
    const host = "vpc-storyforge-v2-search-abc.us-east-1.es.amazonaws.com";
    const headers = { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) };
    const ours = signV4({
      method: "PUT",
      host,
      path: role.path,
      headers,
      body,
      region: "us-east-1",
      service: "es",
      credentials,
      now,
    });
    const theirs = aws4.sign(
      {
        host,
        path: role.path,
        method: "PUT",
        service: "es",
        region: "us-east-1",
        body,
        headers: { ...headers, "X-Amz-Date": "20261201T102030Z" },
      },
      credentials,
    );
    expect(ours.Authorization).toBe((theirs.headers as Record<string, string>).Authorization);
  });

  test("it sends every request in order and fails the deploy on the first refusal", async () => {
    const sent: string[] = [];
    const deps = (status: (path: string) => number) => ({
      env: { AWS_ACCESS_KEY_ID: "AKID", AWS_SECRET_ACCESS_KEY: "secret" },
      now: () => new Date("2026-12-01T00:00:00Z"),
      fetch: async (url: string, init: { method: string; headers: Record<string, string> }) => {
        sent.push(`${init.method} ${new URL(url).pathname} ${init.headers.Authorization.split(" ")[0]}`);
        return { status: status(url), text: async () => "{}" };
      },
    });
    const event = { endpoint: "domain.example", region: "us-east-1", requests: [role, mapping] };
    await expect(
      applySecurity(
        event,
        deps(() => 200),
      ),
    ).resolves.toEqual({
      applied: [`PUT ${role.path} 200`, `PUT ${mapping.path} 200`],
    });
    expect(sent).toEqual([`PUT ${role.path} AWS4-HMAC-SHA256`, `PUT ${mapping.path} AWS4-HMAC-SHA256`]);
    await expect(
      applySecurity(
        event,
        deps((u) => (u.includes("rolesmapping") ? 403 : 201)),
      ),
    ).rejects.toThrow(`PUT ${mapping.path} answered 403`);
    await expect(applySecurity(event, { ...deps(() => 200), env: {} })).rejects.toThrow(/no AWS credentials/);
  });

  test("the code the program ships is CommonJS that loads with nothing but Node's built-ins and exports handler", () => {
    const code = searchSecurityCode();
    const module = { exports: {} as Record<string, unknown> };
    // The only module it may load; anything else would be missing in the Lambda runtime's bare `index.js`.
    const allowed = new Set(["node:crypto"]);
    runInNewContext(code, {
      module,
      exports: module.exports,
      require: (id: string) => {
        if (!allowed.has(id)) throw new Error(`the function requires ${id}`);
        return crypto;
      },
    });
    expect(typeof module.exports.handler).toBe("function");
    expect(readFileSync(join(ROOT, "infra", "functions", "search-security.ts"), "utf8")).not.toMatch(
      /from "(?!node:)[^"]+"/,
    );
  });
});

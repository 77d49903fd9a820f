// HS256 verification (fast-jwt underneath): every check the API relies on, and the two that fast-jwt alone misses.
import fc from "fast-check";
import { createHmac } from "node:crypto";
import { JwtError, signHs256, verifyHs256 } from "../../../core/jwt";

const SECRET = "unit-secret-unit-secret-unit-secret!";
const now = 1_800_000_000;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
/** A token with exactly this payload text, signed correctly (JSON.stringify cannot write 1e999). */
const rawToken = (payload: string, secret = SECRET) => {
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${Buffer.from(payload).toString("base64url")}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
};

describe("HS256 verification", () => {
  const valid = (claims: Record<string, unknown> = {}) => signHs256({ sub: "alice", exp: now + 60, ...claims }, SECRET);

  test("a token signed with the secret yields its subject", () => {
    expect(verifyHs256(valid(), SECRET, { nowSec: now }).sub).toBe("alice");
  });

  test.each([
    ["another secret", () => signHs256({ sub: "alice", exp: now + 60 }, "x".repeat(40)), /signature/],
    ["expired beyond the leeway", () => valid({ exp: now - 31 }), /expired/],
    ["not yet valid", () => valid({ nbf: now + 120 }), /not yet valid/],
    ["without exp", () => signHs256({ sub: "alice" }, SECRET), /expiry/],
    ["without sub", () => signHs256({ sub: "", exp: now + 60 }, SECRET), /subject/],
    ["a numeric sub", () => rawToken(`{"sub":7,"exp":${now + 60}}`), /subject|invalid/],
    ["a string exp", () => rawToken(`{"sub":"a","exp":"${now + 60}"}`), /expiry|invalid/],
    [
      "alg none",
      () => `${b64({ alg: "none" })}.${b64({ sub: "a", exp: 9999999999 })}.`,
      /HS256|signature|malformed|three/,
    ],
    [
      "alg HS512 signed with the same secret",
      () => {
        const input = `${b64({ alg: "HS512", typ: "JWT" })}.${b64({ sub: "a", exp: now + 60 })}`;
        return `${input}.${createHmac("sha512", SECRET).update(input).digest("base64url")}`;
      },
      /HS256/,
    ],
    [
      "a tampered payload",
      () => {
        const [h, , s] = valid().split(".");
        return `${h}.${b64({ sub: "admin", exp: 9999999999 })}.${s}`;
      },
      /signature/,
    ],
    ["two parts", () => "a.b", /three parts/],
  ])("rejects %s", (_name, make, message) => {
    expect(() => verifyHs256(make(), SECRET, { nowSec: now })).toThrow(message);
  });

  test("the clock tolerance is 30 s on exp and nbf", () => {
    expect(verifyHs256(valid({ exp: now - 29 }), SECRET, { nowSec: now }).sub).toBe("alice");
    expect(verifyHs256(valid({ nbf: now + 29 }), SECRET, { nowSec: now }).sub).toBe("alice");
    expect(() => verifyHs256(valid({ exp: now - 29 }), SECRET, { nowSec: now, leewaySec: 0 })).toThrow(/expired/);
  });

  test("issuer and audience are enforced when configured", () => {
    const t = valid({ iss: "storyforge", aud: ["api"] });
    expect(verifyHs256(t, SECRET, { nowSec: now, issuer: "storyforge", audience: "api" }).sub).toBe("alice");
    expect(() => verifyHs256(t, SECRET, { nowSec: now, issuer: "other" })).toThrow(/issuer/);
    expect(() => verifyHs256(t, SECRET, { nowSec: now, audience: "web" })).toThrow(/audience/);
    expect(() => verifyHs256(valid(), SECRET, { nowSec: now, issuer: "storyforge" })).toThrow(JwtError);
  });

  test("exp: 1e999 (Infinity once parsed) is refused: such a token would never expire", () => {
    const forever = rawToken('{"sub":"mallory","exp":1e999}');
    expect(JSON.parse(Buffer.from(forever.split(".")[1], "base64url").toString()).exp).toBe(Infinity);
    expect(() => verifyHs256(forever, SECRET, { nowSec: now })).toThrow(/finite/);
    expect(() => verifyHs256(rawToken('{"sub":"m","exp":1e300}'), SECRET, { nowSec: now })).toThrow(/finite/);
  });

  test("a signature spelled with other unused low bits (non-canonical base64url) is refused", () => {
    const t = valid();
    const [h, p, s] = t.split(".");
    // 32 bytes = 43 characters: the last one carries 4 bits of data and 2 unused bits
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(s[42]);
    const twins = [1, 2, 3].map((bits) => `${s.slice(0, 42)}${alphabet[last | bits]}`).filter((x) => x !== s);
    expect(twins.length).toBe(3);
    for (const twin of twins) {
      expect(Buffer.from(twin, "base64url")).toEqual(Buffer.from(s, "base64url"));
      expect(() => verifyHs256(`${h}.${p}.${twin}`, SECRET, { nowSec: now })).toThrow(/signature/);
    }
    expect(verifyHs256(t, SECRET, { nowSec: now }).sub).toBe("alice");
  });

  test("random strings never verify and only ever throw JwtError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(() => verifyHs256(s, SECRET)).toThrow(JwtError);
      }),
    );
  });
});

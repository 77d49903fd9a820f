// The image's build context as Docker sees it: the files `.dockerignore` lets through, hashed by content and
// named by path relative to the context, so the ECR tag (immutable) follows the bytes a build can see and nothing
// else — not the folder the checkout sits in, not a README edit, not a file the context excludes.
import ignore from "@balena/dockerignore";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";

/** What `.dockerignore` says about paths relative to the context root, `/`-separated. */
export interface DockerIgnore {
  ignores(path: string): boolean;
  /**
   * Whether an exception rule (`!pattern`) could re-include something inside the excluded folder `dir`: only
   * then must a walk enter it. Errs towards yes (a `**` or a glob it cannot rule out).
   */
  mayReinclude(dir: string): boolean;
}

/** A pattern as Docker cleans it: no leading `/` or `./`, no trailing `/`, `.`/`..` segments resolved. */
function cleanPattern(pattern: string): string {
  return posix.normalize(pattern.replace(/^\/+/, "")).replace(/\/+$/, "");
}

/**
 * Parses `.dockerignore` text with Docker's own rules (a port of moby's dockerignore/fileutils): `*` stays in one
 * folder, `**` crosses folders, a pattern is anchored at the context root (`*.log` is only the root's), a folder's
 * pattern covers what is inside it, the last matching rule wins and `!` re-includes. Matching is case-sensitive, as
 * Docker is on Linux. (gitignore's rules differ on the first three, which is why the `ignore` package is not used.)
 */
export function parseDockerignore(text: string): DockerIgnore {
  const matcher = ignore({ ignorecase: false }).add(text);
  const exceptions = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith("!"))
    .map((line) => cleanPattern(line.slice(1).trim()).split("/"));
  const mayReinclude = (dir: string): boolean => {
    const segments = dir.split("/");
    return exceptions.some((pattern) => {
      // The pattern's first segments must match the folder's for anything beneath it to match the pattern.
      const head = pattern.slice(0, segments.length);
      if (head.includes("**")) return true;
      const probe = ignore({ ignorecase: false }).add(head.join("/"));
      return probe.ignores(segments.slice(0, head.length).join("/"));
    });
  };
  return { ignores: (path) => matcher.ignores(path), mayReinclude };
}

export interface ContextFile {
  /** Path relative to the context root, `/`-separated. */
  path: string;
  /** `file` (content and executable bit count) or `symlink` (its target counts). */
  kind: "file" | "symlink";
  executable: boolean;
}

/** Files Docker always reads though `.dockerignore` may name them (the builder needs them; COPY skips them). */
function alwaysSent(dockerfile: string): string[] {
  return [dockerfile, ".dockerignore"];
}

/**
 * The files of the build context at `root` after `.dockerignore`, sorted by path. A folder the rules exclude is not
 * entered unless an exception rule could re-include something inside it (as Docker's own walk does), so
 * node_modules, .git and .tmp cost nothing. Empty folders are not listed: git keeps none, so two checkouts of one
 * commit agree.
 */
export function contextFiles(root: string, dockerfile = "Dockerfile"): ContextFile[] {
  const ignoreFile = join(root, ".dockerignore");
  const rules = parseDockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "");
  const forced = new Set(alwaysSent(dockerfile));
  const files: ContextFile[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const absolute = join(dir, entry);
      const path = relative(root, absolute).split(sep).join("/");
      const stat = lstatSync(absolute);
      const ignored = rules.ignores(path) && !forced.has(path);
      if (stat.isDirectory()) {
        if (!ignored || rules.mayReinclude(path)) visit(absolute);
      } else if (!ignored && (stat.isFile() || stat.isSymbolicLink())) {
        files.push({
          path,
          kind: stat.isSymbolicLink() ? "symlink" : "file",
          executable: stat.isFile() && (stat.mode & 0o111) !== 0,
        });
      }
    }
  };
  visit(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A hash of the build context at `root` (16 hex digits): every file `.dockerignore` lets through, by relative
 * path, kind, executable bit and content (a symlink by its target). The same commit checked out anywhere hashes
 * the same; any change a build could see hashes differently. Ownership, timestamps and other permission bits are
 * left out: they differ between checkouts of one commit, and the Dockerfile's COPY sets ownership itself.
 */
export function contextHash(root: string, dockerfile = "Dockerfile"): string {
  const hash = createHash("sha256");
  for (const file of contextFiles(root, dockerfile)) {
    const absolute = join(root, ...file.path.split("/"));
    const content = file.kind === "symlink" ? Buffer.from(readlinkSync(absolute)) : readFileSync(absolute);
    const digest = createHash("sha256").update(content).digest("hex");
    hash.update(`${file.path}\0${file.kind}\0${file.executable ? "x" : "-"}\0${digest}\n`);
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * The build context and Dockerfile named relative to `cwd`, `/`-separated: what a docker-build Image takes, so a
 * checkout in another folder declares the same resource inputs. The real Pulumi CLI runs the program (and the
 * provider) in the program directory (`infra/` for `main: infra/`), the offline harness in the repository root:
 * the same root is `..` from the one and `.` from the other.
 */
export function relativeContext(
  root: string,
  cwd: string = process.cwd(),
  dockerfile = "Dockerfile",
): { location: string; dockerfile: string } {
  const location = relative(cwd, root).split(sep).join("/") || ".";
  return { location, dockerfile: location === "." ? dockerfile : `${location}/${dockerfile}` };
}

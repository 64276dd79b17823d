/**
 * The images' file sets, made without Docker: the Dockerfile is parsed
 * (dockerfile-ast) and each stage is carried out in a directory that stands
 * for its /app: COPY takes exactly what it names from the build context
 * (filtered by .dockerignore, as Docker does) or from an earlier stage, and
 * RUN runs its command there, on this machine's Node 24. What a target stage
 * ends up with is what its image holds under /app; its ENV and CMD say how the
 * container starts.
 */
import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { Cmd, Copy, DockerfileParser, Env, From, Run, Workdir, type Instruction } from 'dockerfile-ast';
import { runCommandSync } from '@demo/testkit/processes';
import { paths, repoRoot } from '../src/cluster/toolchain.js';

// @balena/dockerignore is CommonJS (module.exports = the factory) while its
// types declare an ES default export, which ESM code would then miss.
const dockerignore = createRequire(import.meta.url)(
  '@balena/dockerignore',
) as (typeof import('@balena/dockerignore'))['default'];

export interface Stage {
  name: string;
  /** The stage it starts from, when it is one of this Dockerfile's. */
  parent: string | undefined;
  instructions: Instruction[];
}

export function parseStages(text = readFileSync(paths.dockerfile, 'utf8')): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) {
      const image = instruction.getImage() ?? '';
      stages.push({
        name: instruction.getBuildStage() ?? `stage-${stages.length}`,
        parent: stages.some((stage) => stage.name === image) ? image : undefined,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

export interface BuiltStage {
  /** The directory standing for the stage's /app. */
  dir: string;
  env: Record<string, string>;
  /** CMD, as the JSON array the Dockerfile gives. */
  command: string[] | undefined;
}

/** The one directory every stage works in (WORKDIR); the image's paths are under it. */
export const workdir = '/app';

export class ImageBuilder {
  readonly #stages: Map<string, Stage>;
  readonly #built = new Map<string, BuiltStage>();
  readonly #scratch: string;
  readonly #context = dockerignore({ ignorecase: false }).add(readFileSync(paths.dockerignore, 'utf8').split('\n'));
  readonly #runEnv: NodeJS.ProcessEnv;

  constructor(scratch: string) {
    this.#stages = new Map(parseStages().map((stage) => [stage.name, stage]));
    this.#scratch = scratch;
    // RUN finds `node` and `npm` on PATH: this machine's Node 24 first. The
    // rest of the environment is the machine's (npm's registry and certificates).
    this.#runEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` };
  }

  get stageNames(): string[] {
    return [...this.#stages.keys()];
  }

  /** Carries out a stage (and the stages it needs), once. */
  build(name: string): BuiltStage {
    const done = this.#built.get(name);
    if (done) return done;
    const stage = this.#stages.get(name);
    if (!stage) throw new Error(`the Dockerfile has no stage ${name}`);
    const dir = join(this.#scratch, name);
    let env: Record<string, string> = {};
    let command: string[] | undefined;
    if (stage.parent) {
      const parent = this.build(stage.parent);
      for (const file of walk(parent.dir)) place(file, join(dir, relative(parent.dir, file)), 'link');
      env = { ...parent.env };
      command = parent.command;
    } else {
      mkdirSync(dir, { recursive: true });
    }
    for (const instruction of stage.instructions) {
      if (instruction instanceof Workdir) {
        const [path] = instruction.getArguments().map((argument) => argument.getValue());
        if (path !== workdir) throw new Error(`stage ${name}: WORKDIR ${path}; these checks know only ${workdir}`);
      } else if (instruction instanceof Copy) {
        this.#copy(instruction, dir);
      } else if (instruction instanceof Run) {
        // --mount=type=cache only keeps npm's cache between builds; the machine's own cache does that here.
        let script = instruction
          .getArguments()
          .map((argument) => argument.getValue())
          .join(' ');
        // --mount=type=bind,from=STAGE,source=PATH,target=DIR lends the command a path of an earlier stage.
        for (const flag of instruction.getFlags()) {
          if (flag.getName() !== 'mount') continue;
          const mount = new Map((flag.getValue() ?? '').split(',').map((pair) => pair.split('=') as [string, string]));
          if (mount.get('type') !== 'bind') continue;
          const [from, source, target] = [mount.get('from'), mount.get('source'), mount.get('target')];
          if (!from || !source || !target)
            throw new Error(`stage ${name}: RUN --mount=${flag.getValue() ?? ''}: not modelled here`);
          script = script.replaceAll(target, this.#inStage(this.build(from).dir, source));
        }
        runCommandSync('sh', ['-c', script], { cwd: dir, env: this.#runEnv, timeoutMs: 600_000 });
      } else if (instruction instanceof Env) {
        for (const property of instruction.getProperties()) env[property.getName()] = property.getValue() ?? '';
      } else if (instruction instanceof Cmd) {
        command = instruction.getJSONStrings().map((part) => part.getJSONValue());
      }
    }
    const built = { dir, env, command };
    this.#built.set(name, built);
    return built;
  }

  #copy(instruction: Copy, dir: string): void {
    const from = instruction.getFromFlag()?.getValue() ?? undefined;
    const unknownFlags = instruction.getFlags().filter((flag) => flag.getName() !== 'from');
    if (unknownFlags.length > 0) throw new Error(`COPY --${unknownFlags[0]?.getName() ?? ''}: not modelled here`);
    const args = instruction.getArguments().map((argument) => argument.getValue());
    const destination = args.pop();
    if (destination === undefined || args.length === 0) throw new Error(`COPY needs a source and a destination`);
    const target = this.#inStage(dir, destination);
    const sourceRoot = from === undefined ? repoRoot : this.build(from).dir;
    for (const source of args) {
      const path = from === undefined ? join(repoRoot, source) : this.#inStage(sourceRoot, source);
      const files = this.#filesOf(path, sourceRoot, from === undefined);
      if (files.length === 0)
        throw new Error(`COPY ${source}: not in the ${from ?? 'build context'}, or all of it ignored`);
      const isDirectory = statSync(path).isDirectory();
      for (const file of files) {
        // A directory's contents go into the destination; a file goes into it when it ends with a slash.
        const to = isDirectory
          ? join(target, relative(path, file))
          : destination.endsWith('/')
            ? join(target, basename(file))
            : target;
        place(file, to, from === undefined ? 'copy' : 'link');
      }
    }
  }

  /** A path as a stage sees it (absolute under /app, or relative to it) in the directory standing for it. */
  #inStage(dir: string, path: string): string {
    if (path.startsWith('/')) {
      if (path !== workdir && !path.startsWith(`${workdir}/`)) throw new Error(`${path} is outside ${workdir}`);
      return join(dir, path.slice(workdir.length));
    }
    return join(dir, path);
  }

  /** Every file (or symlink) under `path`, those .dockerignore leaves out of the context excepted. */
  #filesOf(path: string, root: string, fromContext: boolean): string[] {
    if (!existsSync(path)) return [];
    const all = statSync(path).isDirectory() ? walk(path) : [path];
    return fromContext ? all.filter((file) => !this.#context.ignores(relative(root, file))) : all;
  }
}

/**
 * Puts `file` at `to`, replacing what is there. A symlink (a workspace in
 * node_modules) stays the link it is, as COPY keeps it. Files of earlier
 * stages are hard-linked, not copied: nothing changes a file once it is
 * placed (a later COPY replaces it), and node_modules is hundreds of
 * megabytes.
 */
function place(file: string, to: string, how: 'copy' | 'link'): void {
  mkdirSync(dirname(to), { recursive: true });
  rmSync(to, { force: true });
  if (lstatSync(file).isSymbolicLink()) symlinkSync(readlinkSync(file), to);
  else if (how === 'link') linkSync(file, to);
  else copyFileSync(file, to);
}

/** Files and symlinks under `dir`; unlike readdirSync's recursive mode, it never follows a symlink. */
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/**
 * Node-only file helpers: reading models and images with one-line errors, listing the
 * images in a folder. The core never imports this; the CLI and `ghostnet-ts/node` do.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { InputError } from "../errors.js";

/** The image files `listImages` picks up (what src/image can decode). */
export const IMAGE_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png"];

/** Turns a Node file-system error into one line a user can act on. */
export function describeFileError(error: unknown, what: string, path: string): InputError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === "ENOENT"
      ? "no such file or folder"
      : code === "EISDIR"
        ? "it is a folder, not a file"
        : code === "ENOTDIR"
          ? "a part of the path is not a folder"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : error instanceof Error
              ? error.message
              : String(error);
  return new InputError(`cannot read ${what} '${path}': ${reason}`);
}

/** A file's bytes as a Uint8Array; `what` names it in the error ("model", "image", …). */
export async function readFileBytes(path: string, what = "file"): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw describeFileError(error, what, path);
  }
}

/** An ONNX model file's bytes, ready for `loadModel`. */
export function readModelFile(path: string): Promise<Uint8Array> {
  return readFileBytes(path, "model");
}

/** Writes bytes, with a one-line error naming the path. */
export async function writeFileBytes(path: string, bytes: Uint8Array, what = "file"): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const reason = code === "ENOENT" ? "its folder does not exist" : error instanceof Error ? error.message : String(error);
    throw new InputError(`cannot write ${what} '${path}': ${reason}`);
  }
}

/** True when `name` ends in an image extension (case-insensitive). */
export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** The image files directly inside `folder` (not recursive), sorted by name, as full paths. */
export async function listImages(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw describeFileError(error, "folder", folder);
  }
  return names
    .filter(isImageFileName)
    .sort()
    .map((name) => join(folder, name));
}

/**
 * Expands command-line arguments into image paths: a folder becomes its images (sorted),
 * a file stays itself. A folder without images is an error.
 */
export async function expandImageArguments(paths: readonly string[]): Promise<string[]> {
  const images: string[] = [];
  for (const path of paths) {
    let isFolder: boolean;
    try {
      isFolder = (await stat(path)).isDirectory();
    } catch (error) {
      throw describeFileError(error, "image", path);
    }
    if (!isFolder) {
      images.push(path);
      continue;
    }
    const inFolder = await listImages(path);
    if (inFolder.length === 0) {
      throw new InputError(`no images (${IMAGE_EXTENSIONS.join(", ")}) in folder '${path}'`);
    }
    images.push(...inFolder);
  }
  return images;
}

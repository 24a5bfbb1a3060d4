/// Writes one file of any format atomically: `write` creates it at a hidden temporary path
/// beside `path` (`out/a.flo` as `out/.a.partial-<pid>.flo`), which is renamed to `path` once
/// `write` returns; if `write` throws, the temporary file is deleted and nothing appears under
/// `path`.
///
/// Refuses an existing `path` unless `overwrite` (then rename(2) replaces it in one step). For
/// files Video does not encode itself, such as a flow field, so that they get the guarantee of
/// `writeImage` and `transcode`.
public func writeFile(
  _ path: String, overwrite: Bool = false, _ write: (_ temporaryPath: String) throws -> Void
) throws {
  try PartialOutput(path, isDirectory: false, overwrite: overwrite).fill(write)
}

import Engine
import Foundation
import TestSupport
import Testing
import Video

/// The built command run as a user would: a killed or interrupted run, started again, gives the
/// same frames as an uninterrupted one. Uses the real weights (fetched by `make test`).
@Suite(.serialized) struct ResumeTests {
  let folder: URL
  let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("stylize-video").path

  init() throws {
    folder = try TemporaryFolder(prefix: "resume-tests").url
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("frames"), withIntermediateDirectories: true)
    // A textured square drifting right over a gradient, 10 frames of 64x48.
    for index in 0..<10 {
      var rgb: [UInt8] = []
      for y in 0..<48 {
        for x in 0..<64 {
          let inside = (x - 2 * index - 10) & 0xFFFF < 20 && (y - 14) & 0xFFFF < 20
          rgb += inside
            ? [UInt8(200 + (x * 7 + y * 3) % 50), 60, UInt8((x * y) % 90)]
            : [UInt8(x * 3), UInt8(y * 4), 140]
        }
      }
      try writeImage(
        VideoFrame(width: 64, height: 48, rgb: rgb),
        to: folder.appendingPathComponent(String(format: "frames/f%d.png", index)).path)
    }
    var style: [UInt8] = []
    for y in 0..<64 {
      for x in 0..<64 { style += [(x + y) / 8 % 2 == 0 ? 230 : 20, UInt8(x * 4), 90] }
    }
    try writeImage(
      VideoFrame(width: 64, height: 64, rgb: style),
      to: folder.appendingPathComponent("style.png").path)
  }

  func arguments(output: String, extra: [String] = []) -> [String] {
    [
      folder.appendingPathComponent("frames").path, "--style",
      folder.appendingPathComponent("style.png").path, "-o",
      folder.appendingPathComponent(output).path, "--size", "64", "--first-iterations", "30",
      "--first-scales", "1", "--iterations", "20", "--tolerance", "0",
      "--work-dir", folder.appendingPathComponent(output + "-work").path,
    ] + extra
  }

  /// Starts the command; `stopWhen` runs every 20 ms and may signal the process. Standard error
  /// goes to `errorsTo` when given (so `stopWhen` can read the progress), else to a pipe.
  func run(
    _ arguments: [String], errorsTo path: String? = nil, stopWhen: ((Process) -> Bool)? = nil
  ) throws -> (status: Int32, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let errors = Pipe()
    if let path {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
      process.standardError = FileHandle(forWritingAtPath: path)
    } else {
      process.standardError = errors
    }
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    if let stopWhen {
      while process.isRunning && !stopWhen(process) { usleep(20_000) }
    }
    if let path {
      process.waitUntilExit()
      return (process.terminationStatus, (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  func checkpoints(_ output: String) -> Int {
    let work = folder.appendingPathComponent(output + "-work").path
    return ((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? [])
      .filter { $0.hasSuffix(".png") && !$0.hasPrefix(".") }.count
  }

  func frames(_ output: String) throws -> [[UInt8]] {
    let reader = try VideoReader(folder.appendingPathComponent(output).path)
    var frames: [[UInt8]] = []
    while let frame = try reader.nextFrame() { frames.append(frame.rgb) }
    return frames
  }

  @Test func killedAndInterruptedRunsResumeToTheSameFrames() throws {
    try #require(
      FileManager.default.fileExists(atPath: VGG19.defaultWeightsPath()),
      "VGG-19 weights missing: run `make weights`")
    defer { try? FileManager.default.removeItem(at: folder) }

    let whole = try run(arguments(output: "whole"))
    #expect(whole.status == 0, "uninterrupted run failed: \(whole.errors)")
    let reference = try frames("whole")
    #expect(reference.count == 10)

    // kill -9 once three frames are saved, then run the same command again.
    let killed = try run(arguments(output: "killed")) { process in
      guard checkpoints("killed") >= 3 else { return false }
      kill(process.processIdentifier, SIGKILL)
      return true
    }
    #expect(killed.status != 0)
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("killed").path))
    let resumed = try run(arguments(output: "killed"))
    #expect(resumed.status == 0, "resumed run failed: \(resumed.errors)")
    #expect(resumed.errors.contains("already done"))
    #expect(try frames("killed") == reference, "a killed and resumed run differs")

    // Ctrl-C saves the frame in progress, says how to resume, and exits non-zero.
    let interrupted = try run(arguments(output: "interrupted")) { process in
      guard checkpoints("interrupted") >= 2 else { return false }
      kill(process.processIdentifier, SIGINT)
      return true
    }
    #expect(interrupted.status != 0)
    #expect(interrupted.errors.contains("Run the same command again to resume"))
    let afterInterrupt = try run(arguments(output: "interrupted"))
    #expect(afterInterrupt.status == 0, "resumed run failed: \(afterInterrupt.errors)")
    #expect(try frames("interrupted") == reference, "an interrupted and resumed run differs")

    // Other settings refuse the old work folder unless --restart.
    _ = try run(arguments(output: "other")) { process in
      guard checkpoints("other") >= 1 else { return false }
      kill(process.processIdentifier, SIGKILL)
      return true
    }
    let mixed = try run(arguments(output: "other", extra: ["--style-weight", "50"]))
    #expect(mixed.status != 0)
    #expect(mixed.errors.contains("--restart"), "got: \(mixed.errors)")
    let restarted = try run(
      arguments(output: "other", extra: ["--style-weight", "50", "--restart"]))
    #expect(restarted.status == 0, "restarted run failed: \(restarted.errors)")
  }

  /// SIGINT and SIGTERM during the first frame's optimisation: the run must end within a few
  /// seconds (the optimiser stops at its next iteration) with 130 or 143, keep no checkpoint
  /// of the unfinished frame, say how to resume, and resume to the uninterrupted frames.
  @Test(arguments: [SIGINT, SIGTERM])
  func aSignalDuringTheFirstFrameStopsAtOnceAndResumes(_ signalNumber: Int32) throws {
    try #require(
      FileManager.default.fileExists(atPath: VGG19.defaultWeightsPath()),
      "VGG-19 weights missing: run `make weights`")
    defer { try? FileManager.default.removeItem(at: folder) }
    // Enough first-frame iterations that only a stop inside the frame ends it quickly.
    let long = [
      "--preview", "2", "--first-iterations", "150", "--iterations", "5", "--size", "32",
    ]
    let whole = try run(arguments(output: "whole", extra: long))
    #expect(whole.status == 0, "uninterrupted run failed: \(whole.errors)")
    let reference = try frames("whole")

    let progressPath = folder.appendingPathComponent("progress.txt").path
    var signalled: Date?
    let stopped = try run(
      arguments(output: "stopped", extra: long + ["--print-every", "1"]), errorsTo: progressPath
    ) { process in
      let progress = (try? String(contentsOfFile: progressPath, encoding: .utf8)) ?? ""
      guard progress.contains("iter 3/") else { return false }
      signalled = Date()
      kill(process.processIdentifier, signalNumber)
      return true
    }
    let seconds = signalled.map { Date().timeIntervalSince($0) } ?? .infinity
    print("signal \(signalNumber): the run ended \(String(format: "%.2f", seconds)) s after it")
    #expect(seconds < 5, "the run took \(seconds) s to stop")
    #expect(stopped.status == 128 + signalNumber, "exit \(stopped.status): \(stopped.errors)")
    #expect(stopped.errors.contains("during frame 1/2"), "got: \(stopped.errors)")
    #expect(stopped.errors.contains("Run the same command again to resume"))
    #expect(checkpoints("stopped") == 0, "the unfinished frame was saved")
    let resumed = try run(arguments(output: "stopped", extra: long))
    #expect(resumed.status == 0, "resumed run failed: \(resumed.errors)")
    #expect(try frames("stopped") == reference, "a stopped and resumed run differs")
  }

  @Test func aMultiPassRunKilledInItsBackwardPassResumesToTheSameFrames() throws {
    try #require(
      FileManager.default.fileExists(atPath: VGG19.defaultWeightsPath()),
      "VGG-19 weights missing: run `make weights`")
    defer { try? FileManager.default.removeItem(at: folder) }
    let twoPasses = ["--passes", "2", "--preview", "6", "--iterations", "10"]

    let whole = try run(arguments(output: "whole", extra: twoPasses))
    #expect(whole.status == 0, "uninterrupted run failed: \(whole.errors)")
    #expect(whole.errors.contains("pass 2/2, frame 6/6"))
    let reference = try frames("whole")
    #expect(reference.count == 6)
    let onePass = try run(arguments(output: "one", extra: ["--preview", "6", "--iterations", "10"]))
    #expect(onePass.status == 0)
    #expect(try frames("one") != reference, "the second pass changed nothing")

    // kill -9 once the backward pass has saved two frames (frames 6 and 5).
    let passTwo = folder.appendingPathComponent("killed-work/pass2").path
    let killed = try run(arguments(output: "killed", extra: twoPasses)) { process in
      let saved = ((try? FileManager.default.contentsOfDirectory(atPath: passTwo)) ?? [])
        .filter { $0.hasSuffix(".png") && !$0.hasPrefix(".") }
      guard saved.count >= 2 else { return false }
      kill(process.processIdentifier, SIGKILL)
      return true
    }
    #expect(killed.status != 0)
    let resumed = try run(arguments(output: "killed", extra: twoPasses))
    #expect(resumed.status == 0, "resumed run failed: \(resumed.errors)")
    #expect(resumed.errors.contains("pass 2/2, frame 1/6 already done"))
    #expect(try frames("killed") == reference, "a killed and resumed two-pass run differs")
  }
}

import ArgumentParser
import Engine
import Foundation
import Video

/// `stylize-video run-segment plan.json --index I`: one task of a plan.
struct RunSegment: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run-segment",
    abstract: "Stylise one segment of a plan into its folder (a task of a batch engine).",
    discussion: """
      Without --index the segment is the task's index from the batch engine: \
      JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (a Slurm \
      job array). Every finished frame is saved losslessly, so a task that is killed \
      and started again continues where it stopped; a segment that is complete is left \
      as it is. A plan whose input has changed, or whose options this stylize-video \
      reads differently, is refused.
      """)

  @Argument(help: ArgumentHelp("The plan written by `stylize-video plan`.", valueName: "plan.json"))
  var plan: String

  @Option(help: "The segment, from 0 (default: from the batch engine's environment).")
  var index: Int?

  @Flag(help: "Discard frames in the segment's folder made with other settings.")
  var restart = false

  @Flag(help: "No progress on standard error.")
  var quiet = false

  func validate() throws {
    let index = try segmentIndex()
    guard index >= 0 else { throw ValidationError("--index must be at least 0, got \(index).") }
  }

  /// `--index`, else the batch engine's task index.
  func segmentIndex() throws -> Int {
    if let index { return index }
    let environment = ProcessInfo.processInfo.environment
    for name in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"] {
      guard let text = environment[name] else { continue }
      guard let value = Int(text) else {
        throw ValidationError("\(name) is '\(text)', not a segment index.")
      }
      return value
    }
    throw ValidationError(
      "Which segment? Pass --index I, or run as a task of a Slurm job array "
        + "(SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX).")
  }

  func run() throws {
    let started = Date()
    let progress = ProgressReporter(quiet: quiet)
    let planPath = URL(fileURLWithPath: plan).standardizedFileURL.path
    let plan = try SegmentPlan.read(planPath)
    let index = try segmentIndex()
    guard index < plan.segments.count else {
      throw CommandError(
        path: planPath,
        message: "'\(planPath)' has segments 0...\(plan.segments.count - 1); there is no "
          + "segment \(index).")
    }
    let segment = plan.segments[index]
    guard !plan.isComplete(segment) else {
      progress.log("Segment \(index) (\(segment.frameText)) is complete already; nothing to do.")
      return
    }
    let command = try plan.checkedCommand(planPath)
    let frames = try frameLoop(command, plan: plan, segment: segment, progress: progress)
    installInterruptHandler()
    var summary = RunSummary()
    let times = try frames.run(&summary)
    guard times.count == segment.end - segment.firstFrame else {
      throw CommandError(
        path: command.input,
        message: "'\(command.input)' gave \(times.count) frames for segment \(index), which "
          + "has \(segment.end - segment.firstFrame) (\(segment.firstFrame + 1)-\(segment.end)).")
    }
    try plan.markComplete(segment)
    progress.closeLine()
    progress.log(
      "Segment \(index) (\(segment.frameText)) complete in \(plan.folder(of: segment)) "
        + "(\(formatDuration(Date().timeIntervalSince(started))))")
  }

  /// The frame loop over `segment`'s frames, warm-up included, into its folder.
  private func frameLoop(
    _ command: Plan, plan: SegmentPlan, segment: SegmentPlan.Segment, progress: ProgressReporter
  ) throws -> FrameLoop {
    let info = try MediaInfo.probe(command.input)
    let transfer = try command.options.makeStyleTransfer(
      temporalWeight: command.videoOptions.temporalWeight, forVideo: true)
    let styleOptions = command.options.styleOptions
    return FrameLoop(
      video: try command.videoOptions.videoStyleTransfer(
        transfer, iterations: styleOptions.iterations),
      progress: progress, printEvery: styleOptions.common.printEvery, input: command.input,
      workFolder: try WorkFolder(
        path: plan.folder(of: segment), settingsJSON: plan.settings(of: segment),
        restart: restart),
      longSide: styleOptions.longSide(for: info),
      range: FrameRange(start: .frame(segment.firstFrame), end: .frame(segment.end)),
      frameLimit: nil, expectedFrames: segment.end - segment.firstFrame,
      firstIndex: segment.firstFrame)
  }
}

extension SegmentPlan {
  /// The plan's options as this stylize-video reads them, from the plan's directory, once the
  /// input is found to be the one planned and the options to give the settings planned.
  func checkedCommand(_ planPath: String) throws -> Plan {
    // Relative paths in the options start where `plan` ran (when that folder is here too).
    _ = FileManager.default.changeCurrentDirectoryPath(directory)
    let command: Plan
    do {
      command = try Plan.parse(arguments)
    } catch {
      throw CommandError(
        path: planPath,
        message: "'\(planPath)': its options are refused: "
          + (Plan.message(for: error).split(separator: "\n").first ?? ""))
    }
    let digest = try digest(ofInput: command.input)
    guard digest == inputDigest else {
      throw CommandError(
        path: planPath,
        message: "'\(planPath)' was made for another input: '\(command.input)' has digest "
          + "\(digest), the plan \(inputDigest); make the plan again.")
    }
    guard try command.settingsJSON(digest: digest) == settings else {
      throw CommandError(
        path: planPath,
        message: "'\(planPath)': its settings do not match what this stylize-video makes of "
          + "its options (edited, or planned by another version); make the plan again.")
    }
    return command
  }
}

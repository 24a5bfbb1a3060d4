import ArgumentParser

@testable import stylize_video

/// Parses and runs `arguments` as `Command`: "" when the run succeeds, otherwise the message
/// ArgumentParser prints for the error it throws (what the user reads).
func runMessage<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String]) -> String {
  do {
    var command = try type.parse(arguments)
    try command.run()
    return ""
  } catch {
    return type.message(for: error)
  }
}
